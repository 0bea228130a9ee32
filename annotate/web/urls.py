from django.urls import path

from annotate.quality import views as quality_views
from annotate.web import views

app_name = "annotate"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:project_pk>/next/", views.next_claim, name="next"),
    path("projects/<int:project_pk>/contested/", views.contested, name="contested"),
    path("projects/<int:project_pk>/members/", views.members, name="members"),
    path("projects/<int:project_pk>/articles/add/", views.articles_add, name="articles-add"),
    path("projects/<int:project_pk>/quality/", quality_views.quality, name="quality"),
    path(
        "projects/<int:project_pk>/articles/<int:article_pk>/",
        views.reader,
        name="reader",
    ),
    path(
        "projects/<int:project_pk>/articles/<int:article_pk>/spans/",
        views.span_create,
        name="span-create",
    ),
    path("spans/<int:span_pk>/verdict/", views.verdict_save, name="verdict"),
    path("spans/<int:span_pk>/withdraw/", views.verdict_withdraw, name="withdraw"),
    path("spans/<int:span_pk>/comments/", views.comment_post, name="comment"),
    path("spans/<int:span_pk>/adjudication/", views.adjudicate, name="adjudicate"),
    path("spans/<int:span_pk>/delete/", views.span_delete, name="span-delete"),
    path("spans/<int:span_pk>/history/", views.span_history, name="history"),
]
