"""The root URLs: with config/api/urls.py, the composition root, the one part of `config`
that imports the apps to wire them together."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from annotate.projects.selectors import articles_visible_to
from config.jsi18n import javascript_catalog

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="annotate:dashboard"), name="home"),
    path("review/", include("annotate.web.urls")),
    path("review/", include("datasets.urls")),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Django's password reset: a one-time link by mail (EMAIL_BACKEND), templates/registration/.
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # The corpus pages know no projects; annotate says which articles each user may read.
    path("articles/", include("corpus.urls"), {"visible_articles": articles_visible_to}),
    path("", include("accounts.urls")),
    # gettext for static/js, served from this site (no CDN under the CSP).
    path("jsi18n/<str:language>/", javascript_catalog, name="javascript-catalog"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("config.api.urls", "api"), namespace="api")),
]

# A lost database answers 503 (JSON under /api/), not Django's bare "Server Error (500)".
handler500 = "config.unavailable.server_error"
