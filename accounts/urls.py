from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("tokens/", views.token_list, name="token-list"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
    path("settings/", views.profile_settings, name="settings"),
    path("i18n/setlang/", views.language_switch, name="set_language"),
]
