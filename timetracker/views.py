from functools import lru_cache

import markdown
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def healthz(request):
    """Liveness probe: answers without a login, a setup redirect or a database write."""
    return HttpResponse("ok\n", content_type="text/plain")


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
