"""/import/: upload a file, read the preview (the first rows as they will be stored, and the
counts), then confirm. The uploaded file waits in the data directory between the two steps,
named by a random token kept in the person's session."""

import re
import secrets
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from imports.formats import FORMATS
from imports.forms import ImportOptionsForm, UploadForm
from imports.importer import Importer, ImportFailed, decode, detect_format
from imports.signals import import_failed
from tracking import permissions
from tracking.models import Client, Project, TimeEntry

SESSION_KEY = "import_upload"
TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")  # secrets.token_urlsafe(16)
KEEP_UPLOADS_SECONDS = 24 * 3600


def _uploads():
    folder = settings.TIMETRACKER_DATA_DIR / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _forget_old_uploads() -> None:
    """Uploads previewed but never confirmed are removed after a day."""
    too_old = time.time() - KEEP_UPLOADS_SECONDS
    for path in _uploads().glob("*.csv"):
        if path.stat().st_mtime < too_old:
            path.unlink(missing_ok=True)


def _may_map(user) -> bool:
    """Staff who may change everyone's entries may put rows on other people."""
    return user.is_staff and permissions.can(user, "change", TimeEntry)


def _may_create(user) -> bool:
    return permissions.can(user, "add", Client) and permissions.can(user, "add", Project)


def _importer(user, options: dict, text: str) -> Importer:
    format = FORMATS[options["format"]] if options.get("format") else detect_format(text)
    return Importer(
        user,
        format,
        options["time_zone"],
        map_by_email=options.get("map_by_email", False),
        may_create=_may_create(user),
    )


def _preview(request, text: str, note: str, options: dict):
    """Read the whole file without writing anything: the preview page, or the refusal."""
    importer = _importer(request.user, options, text)
    summary = importer.run(text, dry_run=True, note=note)
    confirm = ImportOptionsForm(
        initial={
            "format": importer.format.name,
            "time_zone": options["time_zone"].key,
            "map_by_email": options.get("map_by_email", False),
        },
        may_map=_may_map(request.user),
    )
    context = {"summary": summary, "form": confirm, "max_mb": settings.IMPORT_MAX_MB}
    return render(request, "imports/preview.html", context)


@login_required
def import_upload(request):
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"time_zone": timezone.get_current_timezone_name()},
        may_map=_may_map(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        text, note = decode(data)
        try:
            response = _preview(request, text, note, form.cleaned_data)
        except ImportFailed as failure:
            form.add_error(None, str(failure))
        else:
            _forget_old_uploads()
            token = secrets.token_urlsafe(16)
            (_uploads() / f"{token}.csv").write_bytes(data)
            request.session[SESSION_KEY] = token
            return response
    elif request.method == "POST" and "file" in form.errors:
        import_failed.send(sender=import_upload, format="unknown", kind="too_large")
    status = 400 if request.method == "POST" else 200
    return render(request, "imports/upload.html", {"form": form}, status=status)


@login_required
@require_POST
def import_confirm(request):
    """Preview again with other options, or import the file previewed."""
    token = request.session.get(SESSION_KEY, "")
    path = _uploads() / f"{token}.csv" if TOKEN.fullmatch(token) else None
    if path is None or not path.exists():
        messages.error(request, "That upload is no longer here: choose the file again.")
        return redirect("imports:upload")
    form = ImportOptionsForm(request.POST, may_map=_may_map(request.user))
    if not form.is_valid():
        messages.error(request, "Choose a format and a time zone.")
        return redirect("imports:upload")
    text, note = decode(path.read_bytes())
    try:
        if "import" not in request.POST:
            return _preview(request, text, note, form.cleaned_data)
        summary = _importer(request.user, form.cleaned_data, text).run(text, note=note)
    except ImportFailed as failure:
        messages.error(request, f"Nothing was imported: {failure}")
        return redirect("imports:upload")
    path.unlink(missing_ok=True)
    del request.session[SESSION_KEY]
    messages.success(
        request,
        f"Imported {summary.created} entries ({summary.skipped} were already here).",
    )
    return redirect(reverse("tracking:entry_list"))
