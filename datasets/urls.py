from django.urls import path

from datasets import views

app_name = "datasets"
urlpatterns = [
    path("projects/<int:project_pk>/export/", views.export_page, name="export"),
]
