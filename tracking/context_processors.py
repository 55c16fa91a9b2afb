from django.utils.functional import SimpleLazyObject

from tracking.forms import QuickStartForm, offer_recent_projects, recent_projects_of
from tracking.middleware import THEME_SESSION_KEY, needs_browser_zone


def _quick_start(request) -> QuickStartForm:
    """The idle timer bar's form, on the project and task last tracked: starting again is
    one click."""
    form = QuickStartForm(auto_id="quick-%s", initial=recent_projects_of(request.user).last)
    offer_recent_projects(form, request.user)
    return form


def timer(request):
    """The timer bar's state and start form for every page (evaluated only if the page shows
    them), and the person's light or dark theme if they chose one (else the device decides)."""
    session = getattr(request, "session", None)
    theme = session.get(THEME_SESSION_KEY, "") if session is not None else ""
    return {
        "timer": getattr(request, "timer", None),
        "theme": theme,
        # static/js/app.js then sends the browser's zone (tracking.views.preferences).
        "ask_browser_zone": needs_browser_zone(request),
        # Built only by a page that shows the idle timer bar.
        "quick_start": SimpleLazyObject(lambda: _quick_start(request)),
    }
