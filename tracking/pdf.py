"""HTML to PDF with WeasyPrint, reading nothing but our own static files."""

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.utils._os import safe_join
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse


def _static_file(path: str) -> str | None:
    """The file behind a static URL: in the app folders, or collected under a hashed name."""
    prefix = "/" + settings.STATIC_URL.lstrip("/")
    if not path.startswith(prefix):
        return None
    name = path.removeprefix(prefix)
    try:
        collected = Path(safe_join(settings.STATIC_ROOT, name))
    except SuspiciousFileOperation:
        return None
    return finders.find(name) or (str(collected) if collected.is_file() else None)


class LocalFilesOnly(URLFetcher):
    """WeasyPrint may read our static files and inline data, never the network.

    The document holds text people typed; whatever it says, rendering it fetches nothing.
    """

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        found = _static_file(urlsplit(url).path)
        if not found:
            raise ValueError(f"{url} is not one of the application's static files")
        with open(found, "rb") as file:
            body = file.read()
        content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


def render_pdf(html: str) -> bytes:
    # The base URL only resolves the template's relative links; LocalFilesOnly answers them.
    document = HTML(string=html, base_url="http://localhost/", url_fetcher=LocalFilesOnly())
    return document.write_pdf()
