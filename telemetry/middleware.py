from contextvars import ContextVar

from django.urls import get_resolver, reverse

# The request being answered, so model events can say who acted and through what.
current_request: ContextVar = ContextVar("telemetry_current_request", default=None)

# Where an action came from: the `source` of timer and time entry events.
SOURCES = ("web", "api", "admin", "command")


def current_user():
    """The request's user, read when asked: the API authenticates inside its view."""
    request = current_request.get()
    return getattr(request, "user", None)


def current_source() -> str:
    """``web``, ``api`` or ``admin`` while a request is answered, else ``command``."""
    request = current_request.get()
    if request is None:
        return "command"
    return getattr(request, "telemetry_source", "web")


class CurrentUserMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # Both APIs: /api/v1/ and the Kimai-compatible /api/ around it. Its prefix is read
        # from the root URLconf, which does not import the APIs (timetracker.urls).
        api = "/" + get_resolver().namespace_dict["kimai"][0]
        self.prefixes = ((api, "api"), (reverse("admin:index"), "admin"))

    def __call__(self, request):
        request.telemetry_source = next(
            (source for prefix, source in self.prefixes if request.path_info.startswith(prefix)),
            "web",
        )
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
