from contextvars import ContextVar

# The user behind the current request, so model events can say who acted.
current_user: ContextVar = ContextVar("telemetry_current_user", default=None)


class CurrentUserMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_user.set(getattr(request, "user", None))
        try:
            return self.get_response(request)
        finally:
            current_user.reset(token)
