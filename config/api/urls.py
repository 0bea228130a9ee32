"""Everything under /api/v1/: one router, the schema and its documentation."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from annotate.api.views import PredictionViewSet, ProjectViewSet, SpanViewSet, VerdictViewSet
from config.api.views import HealthView, MeView
from corpus.api import ArticleViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("articles", ArticleViewSet, basename="article")
router.register("projects", ProjectViewSet, basename="project")
router.register("spans", SpanViewSet, basename="span")
router.register("verdicts", VerdictViewSet, basename="verdict")
router.register("predictions", PredictionViewSet, basename="prediction")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("health/", HealthView.as_view(), name="health"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]
