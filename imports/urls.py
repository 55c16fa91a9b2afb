from django.urls import path

from imports import views

app_name = "imports"
urlpatterns = [
    path("", views.import_upload, name="upload"),
    path("confirm/", views.import_confirm, name="confirm"),
]
