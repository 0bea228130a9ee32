"""Everything under /api/v1/: one router, the schema and its documentation.

With config/urls.py this is the composition root: the one place in `config` that imports the
apps (their viewsets), to wire them under one URL tree. The rest of config/api (errors, fields,
filters, outputs, pagination, throttling, views) is shared plumbing and knows no app; the
import-linter contract in pyproject.toml holds both rules."""

from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from annotate.api.jobs import JobViewSet
from annotate.api.views import (
    ClaimViewSet,
    PredictionViewSet,
    ProjectViewSet,
    SpanViewSet,
    VerdictViewSet,
)
from annotate.api.views.articles import ArticleViewSet
from annotate.api.views.me import MeView
from annotate.api.webhooks import ProjectWebhookViewSet, WebhookViewSet
from annotate.quality.api import AgreementRecomputeView, AgreementView
from config.api.views import HealthView, not_found
from datasets.api import ProjectExportView, ProjectImportView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("articles", ArticleViewSet, basename="article")
router.register("projects", ProjectViewSet, basename="project")
router.register("spans", SpanViewSet, basename="span")
router.register("verdicts", VerdictViewSet, basename="verdict")
router.register("predictions", PredictionViewSet, basename="prediction")
router.register("jobs", JobViewSet, basename="job")
router.register("claims", ClaimViewSet, basename="claim")
router.register("webhooks", WebhookViewSet, basename="webhook")

project_webhooks = ProjectWebhookViewSet.as_view({"get": "list", "post": "create"})
project_webhook = ProjectWebhookViewSet.as_view(
    {"get": "retrieve", "patch": "partial_update", "delete": "destroy"}
)

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("health/", HealthView.as_view(), name="health"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI's page carries one inline <style>: allowed here only; scripts stay 'self'.
    path(
        "docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema")
        ),
        name="docs",
    ),
    path("projects/<int:pk>/agreement/", AgreementView.as_view(), name="project-agreement"),
    path(
        "projects/<int:pk>/agreement/recompute/",
        AgreementRecomputeView.as_view(),
        name="project-agreement-recompute",
    ),
    path("projects/<int:pk>/export/", ProjectExportView.as_view(), name="project-export"),
    path("projects/<int:pk>/imports/", ProjectImportView.as_view(), name="project-imports"),
    path("projects/<int:project_pk>/webhooks/", project_webhooks, name="project-webhooks"),
    path("projects/<int:project_pk>/webhooks/<int:pk>/", project_webhook, name="project-webhook"),
    path("", include(router.urls)),
    re_path(r"^.*$", not_found),  # JSON, in the one error shape, for any other /api/v1/ path
]
