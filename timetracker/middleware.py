"""Project-wide response rules."""

from django.utils.cache import patch_cache_control

from timetracker.views import healthz


class HealthCheckMiddleware:
    """``/healthz`` answers whatever ``Host`` it is asked with: Docker's health check and
    load balancers ask by address (127.0.0.1, the server's IP), which ``ALLOWED_HOSTS``
    rightly refuses for pages. First in ``MIDDLEWARE``, before the host is validated."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)


class PrivatePagesMiddleware:
    """Pages that depend on who asks hold their data: no shared or later copy of them.

    A response made while reading the session (who is logged in, their zone, their
    messages) gets ``Cache-Control: private, no-store``: it stays out of proxies and out of
    the browser's back-button cache on a shared computer. Asking the session rather than
    ``request.user`` costs nothing: it does not load the user for /healthz or static files.
    A response that set its own policy keeps it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.accessed and "Cache-Control" not in response:
            patch_cache_control(response, private=True, no_store=True)
        return response
