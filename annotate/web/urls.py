from django.urls import path

from annotate.quality import views as quality_views
from annotate.web import desk, intake, jobs, people, tables, views, webhooks

app_name = "annotate"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("projects/new/", desk.project_new, name="project-new"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:project_pk>/edit/", desk.project_edit, name="project-edit"),
    path("projects/<int:project_pk>/claims/", tables.claims_table, name="claims"),
    path("projects/<int:project_pk>/claims/bulk/", tables.claims_bulk, name="claims-bulk"),
    path("projects/<int:project_pk>/articles/", tables.articles_table, name="articles"),
    path("projects/<int:project_pk>/next/", views.next_claim, name="next"),
    path("projects/<int:project_pk>/queue/done/", views.queue_done, name="queue-done"),
    path("projects/<int:project_pk>/contested/", views.contested, name="contested"),
    path("projects/<int:project_pk>/members/", people.members, name="members"),
    path(
        "projects/<int:project_pk>/invitations/<int:invitation_pk>/revoke/",
        people.invitation_revoke,
        name="invitation-revoke",
    ),
    path("invitations/<str:token>/", people.invitation, name="invitation"),
    path("projects/<int:project_pk>/articles/add/", intake.articles_add, name="articles-add"),
    path("projects/<int:project_pk>/quality/", quality_views.quality, name="quality"),
    path("projects/<int:project_pk>/jobs/", jobs.project_jobs, name="jobs"),
    path("jobs/<int:job_pk>/", jobs.job_detail, name="job"),
    path("projects/<int:project_pk>/webhooks/", webhooks.project_webhooks, name="webhooks"),
    path("webhooks/<int:webhook_pk>/", webhooks.webhook_detail, name="webhook"),
    path("webhooks/<int:webhook_pk>/delete/", webhooks.webhook_delete, name="webhook-delete"),
    path("webhooks/<int:webhook_pk>/test/", webhooks.webhook_test, name="webhook-test"),
    path(
        "webhooks/<int:webhook_pk>/secret/",
        webhooks.webhook_rotate_secret,
        name="webhook-rotate-secret",
    ),
    path(
        "webhooks/<int:webhook_pk>/deliveries/<int:delivery_pk>/redeliver/",
        webhooks.webhook_redeliver,
        name="webhook-redeliver",
    ),
    path("jobs/<int:job_pk>/cancel/", jobs.job_cancel, name="job-cancel"),
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
    path("spans/<int:span_pk>/skip/", views.span_skip, name="skip"),
    path("spans/<int:span_pk>/withdraw/", views.verdict_withdraw, name="withdraw"),
    path("spans/<int:span_pk>/comments/", views.comment_post, name="comment"),
    path("spans/<int:span_pk>/adjudication/", views.adjudicate, name="adjudicate"),
    path("spans/<int:span_pk>/bounds/", views.span_bounds, name="span-bounds"),
    path("spans/<int:span_pk>/delete/", views.span_delete, name="span-delete"),
    path("spans/<int:span_pk>/history/", views.span_history, name="history"),
    path(
        "predictions/<int:prediction_pk>/accept/",
        views.prediction_accept,
        name="prediction-accept",
    ),
    path(
        "predictions/<int:prediction_pk>/reject/",
        views.prediction_reject,
        name="prediction-reject",
    ),
]
