import shutil
import sys
from functools import lru_cache

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.utils.safestring import mark_safe
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from setupwizard import installation
from setupwizard.record import CORRUPT, UNREADABLE


def storage_problem(error: Exception) -> str:
    """What a database error means for the people using the server, in one sentence."""
    text = str(error)
    if "disk is full" in text or "No space left on device" in text:
        return "The server's disk is full, so nothing could be saved."
    return "The database is not answering."


@require_GET
@never_cache
def healthz(request):
    """Readiness, for load balancers: 200 ``{"status": "ok"}`` when the database answers a
    query, the installation store can be read and the data directory has room; 503
    ``{"status": "unavailable", "problems": {what: why}}`` otherwise. ``?live``: only that
    the process answers (no database). No login, no setup redirect, never a write."""
    if "live" in request.GET:
        return HttpResponse("ok\n", content_type="text/plain")
    problems = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        problems["database"] = storage_problem(error)
    state = installation.get_state()
    if state.problem in (CORRUPT, UNREADABLE):
        problems["installation store"] = f"{state.where} is {state.problem}."
    try:
        free = shutil.disk_usage(settings.TIMETRACKER_DATA_DIR).free
    except OSError as error:
        problems["data directory"] = f"{error.strerror}."
    else:
        if free < settings.HEALTHZ_MIN_FREE_MB * 1024 * 1024:
            problems["data directory"] = f"only {free // (1024 * 1024)} MB free."
    if problems:
        return JsonResponse({"status": "unavailable", "problems": problems}, status=503)
    return JsonResponse({"status": "ok"})


def api_error(request, status: int, message: str) -> JsonResponse:
    """An error in the API's own shape: ``/api/v1/``'s ``{"detail"}``, or the Kimai-compatible
    API's ``{"code", "message"}``."""
    if request.path.startswith("/api/v1/"):
        return JsonResponse({"detail": message}, status=status)
    from kimai.exceptions import error  # here: it loads DRF, which an error page need not

    return JsonResponse(error(status, message), status=status)


def server_error(request):
    """Django's 500, unless the database is what failed: then a 503 that says so (in JSON
    for the API), so people know to try again and a load balancer steps aside. Nothing was
    saved: the request's transaction never committed."""
    error = sys.exc_info()[1]
    # An outage (no connection, a full disk), not a bug such as an IntegrityError.
    if not isinstance(error, OperationalError | InterfaceError):
        if request.path.startswith("/api/"):
            return api_error(request, 500, "A server error occurred; it is in the server's log.")
        return defaults.server_error(request)
    message = storage_problem(error)
    if request.path.startswith("/api/"):
        response = api_error(request, 503, f"{message} Nothing was saved.")
    else:
        page = loader.get_template("503.html").render({"message": message})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = "60"
    return response


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin, the API docs)."""
    return redirect(static("favicon.svg"), permanent=True)


PUBLIC_DOCS = {
    "privacy.md": "Privacy",
    "all_tracked_events.md": "Every event TimeTracker can send",
    "events.md": "Where events come from",
    "analytics.md": "How telemetry works",
}


@lru_cache(maxsize=len(PUBLIC_DOCS))
def _rendered_doc(name: str, modified: float) -> str:
    """A doc's HTML, rendered once per version of the file (the page needs no login)."""
    text = (settings.BASE_DIR / "docs" / name).read_text(encoding="utf-8")
    import markdown  # loaded by the first docs page, not by every worker at start

    html = markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists"])
    # A wide table scrolls in its own box (static/css/app.css), never the page.
    html = html.replace("<table>", '<div class="table-scroll" data-label="Table"><table>')
    return html.replace("</table>", "</table></div>")


@require_GET
def doc(request, name):
    """The privacy documentation as a page of the app, rendered from the Markdown in docs/
    (the setup page links here in a new tab, so its half-filled form survives)."""
    if name not in PUBLIC_DOCS:
        raise Http404
    try:
        html = _rendered_doc(name, (settings.BASE_DIR / "docs" / name).stat().st_mtime)
    except FileNotFoundError:
        raise Http404 from None
    # Our own files from the repository (no one can upload one), trusted as HTML.
    context = {"title": PUBLIC_DOCS[name], "body": mark_safe(html), "name": name}  # noqa: S308
    return render(request, "doc.html", context)
