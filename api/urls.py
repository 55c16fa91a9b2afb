from functools import cache

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from api import views

app_name = "api"

router = DefaultRouter()
router.register("entries", views.EntryViewSet, basename="entry")
router.register("clients", views.ClientViewSet, basename="client")
router.register("projects", views.ProjectViewSet, basename="project")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("tags", views.TagViewSet, basename="tag")
router.register("invoices", views.InvoiceViewSet, basename="invoice")


@cache
def _schema_views():
    """drf-spectacular's schema generator, loaded when the schema or its docs are first
    asked for, not by every worker at start (docs/performance.md)."""
    from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

    docs = SpectacularSwaggerSplitView.as_view(
        url_name="api:schema", template_name="api/swagger_ui.html"
    )
    return SpectacularAPIView.as_view(), docs


def schema_view(request, *args, **kwargs):
    return _schema_views()[0](request, *args, **kwargs)


def docs_view(request, *args, **kwargs):
    return _schema_views()[1](request, *args, **kwargs)


urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    path("timer/", views.TimerView.as_view(), name="timer"),
    path("timer/start/", views.TimerStartView.as_view(), name="timer_start"),
    path("timer/stop/", views.TimerStopView.as_view(), name="timer_stop"),
    path("timer/pause/", views.TimerPauseView.as_view(), name="timer_pause"),
    path("timer/resume/", views.TimerResumeView.as_view(), name="timer_resume"),
    path("reports/summary/", views.SummaryView.as_view(), name="summary"),
    path("schema/", schema_view, name="schema"),
    path("docs/", docs_view, name="docs"),
    path("", include(router.urls)),
]
