from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import redirect

from setupwizard import installation


def setup_is_complete() -> bool:
    """True once setup completed, or when a damaged store sits beside an existing admin.

    A quarantined or unreadable store must never reopen the unauthenticated wizard on an
    installation that already has users and data.
    """
    state = installation.get_state()
    if state.installation is not None:
        return state.installation.setup_complete
    return get_user_model().objects.filter(is_superuser=True).exists()


class SetupRequiredMiddleware:
    """Send every request to ``/setup/`` until first-run setup is complete."""

    exempt_prefixes = ("/setup/", "/healthz", "/docs/")

    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")
        # Setup never becomes incomplete again, so once seen complete the check is skipped.
        self.complete = False

    def __call__(self, request):
        # A change another process made to the store (a toggle) applies from this request on.
        installation.expire()
        if not self.complete:
            path = request.path_info
            if not (path.startswith(self.exempt_prefixes) or path.startswith(self.static_prefix)):
                if setup_is_complete():
                    self.complete = True
                else:
                    return redirect("setupwizard:setup")
        return self.get_response(request)
