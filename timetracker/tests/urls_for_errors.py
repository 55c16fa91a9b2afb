"""The project's URLs plus a bug in each API, for the 500 pages."""

from django.urls import path

from timetracker.urls import urlpatterns as project_urlpatterns

handler500 = "timetracker.views.server_error"


def bug(request):
    raise RuntimeError("a bug")


urlpatterns = [path("api/v1/bug/", bug), path("api/bug", bug), *project_urlpatterns]
