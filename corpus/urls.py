from django.urls import path

from corpus import views

app_name = "corpus"
urlpatterns = [
    path("", views.article_list, name="article-list"),
    path("<int:pk>/", views.article_detail, name="article-detail"),
]
