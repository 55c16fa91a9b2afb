from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@require_GET
@never_cache
def healthz(request):
    """Liveness probe: answers without a login, a setup redirect or a database write."""
    return HttpResponse("ok\n", content_type="text/plain")


PUBLIC_DOCS = {"privacy.md", "all_tracked_events.md", "events.md", "analytics.md"}


@require_GET
def doc(request, name):
    """Serve the privacy documentation as plain text, so the setup page's links work offline."""
    if name not in PUBLIC_DOCS:
        raise Http404
    path = settings.BASE_DIR / "docs" / name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise Http404 from None
    return HttpResponse(text, content_type="text/plain; charset=utf-8")
