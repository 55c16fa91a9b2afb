"""A URLconf with a view that fails while holding personal data, for the Sentry tests."""

from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from timetracker.urls import urlpatterns as app_urlpatterns


@csrf_exempt
def failing_view(request):
    # Locals holding personal data at the moment of failure: Sentry must not see them.
    customer_email = request.user.email  # noqa: F841
    notes = request.POST.get("notes", "")  # noqa: F841
    raise RuntimeError("the report could not be built")


urlpatterns = [path("boom/", failing_view), path("", include(app_urlpatterns))]
