from django.urls import path

from setupwizard import views

app_name = "setupwizard"
urlpatterns = [
    path("", views.setup, name="setup"),
]
