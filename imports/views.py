"""/import/: upload a file, read the preview (the first rows as they will be stored, and the
counts), then confirm. The file waits in the database between the two steps (``Upload``),
so any app server can take the confirmation; the session says which one is the person's."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from imports.formats import FORMATS
from imports.forms import ImportOptionsForm, UploadForm
from imports.importer import Importer, ImportFailed, decode, detect_format
from imports.models import Upload
from imports.signals import import_failed
from tracking import permissions

SESSION_KEY = "import_upload"


def _importer(user, options: dict, text: str) -> Importer:
    format = FORMATS[options["format"]] if options.get("format") else detect_format(text)
    return Importer(
        user,
        format,
        options["time_zone"],
        map_by_email=options.get("map_by_email", False),
        may_create=permissions.can_add_catalogue(user),
    )


def _preview(request, text: str, note: str, options: dict):
    """Read the whole file without writing anything: the preview page, or the refusal."""
    importer = _importer(request.user, options, text)
    summary = importer.run(text, dry_run=True, note=note)
    confirm = ImportOptionsForm(
        initial={
            "format": importer.format.name,
            "time_zone": options["time_zone"].key,
            "map_by_email": importer.map_by_email,
        },
        may_map=permissions.can_import_for_others(request.user),
    )
    context = {"summary": summary, "form": confirm, "mapped": importer.map_by_email}
    return render(request, "imports/preview.html", context)


@login_required
def import_upload(request):
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"time_zone": timezone.get_current_timezone_name()},
        may_map=permissions.can_import_for_others(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        text, note = decode(data)
        try:
            response = _preview(request, text, note, form.cleaned_data)
        except ImportFailed as failure:
            form.add_error(None, str(failure))
        else:
            Upload.objects.stale(timezone.now()).delete()
            request.session[SESSION_KEY] = Upload.objects.create(user=request.user, data=data).pk
            return response
    elif request.method == "POST" and form.has_error("file", "too_large"):
        import_failed.send(sender=import_upload, format="unknown", kind="too_large")
    status = 400 if request.method == "POST" else 200
    return render(request, "imports/upload.html", {"form": form}, status=status)


@login_required
@require_POST
def import_confirm(request):
    """Preview again with other options, or import the file previewed."""
    upload = Upload.objects.filter(user=request.user, pk=request.session.get(SESSION_KEY)).first()
    if upload is None:
        messages.error(request, "That upload is no longer here: choose the file again.")
        return redirect("imports:upload")
    form = ImportOptionsForm(request.POST, may_map=permissions.can_import_for_others(request.user))
    if not form.is_valid():
        messages.error(request, "Choose a format and a time zone.")
        return redirect("imports:upload")
    text, note = decode(bytes(upload.data))
    try:
        if "import" not in request.POST:
            return _preview(request, text, note, form.cleaned_data)
        summary = _importer(request.user, form.cleaned_data, text).run(text, note=note)
    except ImportFailed as failure:
        messages.error(request, f"Nothing was imported: {failure}")
        return redirect("imports:upload")
    upload.delete()
    del request.session[SESSION_KEY]
    messages.success(
        request,
        f"Imported {summary.created} entries ({summary.skipped} were already here).",
    )
    return redirect("tracking:entry_list")
