from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from timetracker.views import doc, healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("setup/", include("setupwizard.urls")),
    path("docs/<str:name>", doc, name="doc"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("tracking.urls")),
]
