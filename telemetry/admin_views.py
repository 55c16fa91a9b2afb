from django.http import HttpResponse
from django.urls import path


def telemetry_admin_urls(site):
    return [path("telemetry/", site.admin_view(lambda r: HttpResponse("x")), name="telemetry")]
