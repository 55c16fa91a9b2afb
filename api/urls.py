from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from api import schema, views  # noqa: F401  (schema: registers the bearer token)

app_name = "api"

router = DefaultRouter()
router.register("entries", views.EntryViewSet, basename="entry")
router.register("clients", views.ClientViewSet, basename="client")
router.register("projects", views.ProjectViewSet, basename="project")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("tags", views.TagViewSet, basename="tag")
router.register("invoices", views.InvoiceViewSet, basename="invoice")

urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("timer/", views.TimerView.as_view(), name="timer"),
    path("timer/start/", views.TimerStartView.as_view(), name="timer_start"),
    path("timer/stop/", views.TimerStopView.as_view(), name="timer_stop"),
    path("timer/pause/", views.TimerPauseView.as_view(), name="timer_pause"),
    path("timer/resume/", views.TimerResumeView.as_view(), name="timer_resume"),
    path("reports/summary/", views.SummaryView.as_view(), name="summary"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    path("", include(router.urls)),
]
