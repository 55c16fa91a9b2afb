"""Kimai 2's paths, without trailing slashes as Kimai clients send them."""

from django.urls import path, re_path

from kimai import views

app_name = "kimai"

urlpatterns = [
    path("ping", views.PingView.as_view(), name="ping"),
    path("version", views.VersionView.as_view(), name="version"),
    path("plugins", views.PluginsView.as_view(), name="plugins"),
    path("config/timesheet", views.TimesheetConfigView.as_view(), name="config_timesheet"),
    path("users/me", views.MeView.as_view(), name="me"),
    path("customers", views.CustomerListView.as_view(), name="customers"),
    path("customers/<int:pk>", views.CustomerView.as_view(), name="customer"),
    path("projects", views.ProjectListView.as_view(), name="projects"),
    path("projects/<int:pk>", views.ProjectView.as_view(), name="project"),
    path("activities", views.ActivityListView.as_view(), name="activities"),
    path("tags", views.TagListView.as_view(), name="tags"),
    path("tags/find", views.TagFindView.as_view(), name="tags_find"),
    path("timesheets", views.TimesheetListView.as_view(), name="timesheets"),
    path("timesheets/active", views.ActiveView.as_view(), name="active"),
    path("timesheets/recent", views.RecentView.as_view(), name="recent"),
    path("timesheets/<int:pk>", views.TimesheetView.as_view(), name="timesheet"),
    path("timesheets/<int:pk>/stop", views.StopView.as_view(), name="stop"),
    path("timesheets/<int:pk>/restart", views.RestartView.as_view(), name="restart"),
    path("timesheets/<int:pk>/duplicate", views.DuplicateView.as_view(), name="duplicate"),
    # Last: the rest of /api/ but /api/v1/ (whose own 404s stay its own).
    re_path(r"^(?!v1/)", views.NotFoundView.as_view()),
]
