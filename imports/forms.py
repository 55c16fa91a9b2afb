from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings

from imports.formats import FORMATS
from tracking.forms import zone_names


class ImportOptionsForm(forms.Form):
    """How to read a file: its format (detected from the header unless chosen), the zone
    its times are in, and, for those who may, whose entries the rows are."""

    format = forms.ChoiceField(
        required=False,
        choices=[("", "Detect it from the header")]
        + [(format.name, format.label) for format in FORMATS.values()],
    )
    time_zone = forms.ChoiceField(
        label="The file's times are in", help_text="The zone the tool exported them in."
    )
    map_by_email = forms.BooleanField(
        required=False,
        label="Put each row on the person with its email",
        help_text="Otherwise every row is yours.",
    )

    def __init__(self, *args, may_map: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(name, name) for name in zone_names()]
        if not may_map:
            del self.fields["map_by_email"]

    def clean_time_zone(self):
        return ZoneInfo(self.cleaned_data["time_zone"])


class UploadForm(ImportOptionsForm):
    file = forms.FileField(
        label="CSV file",
        help_text=f"A detailed time-entry export, at most {settings.IMPORT_MAX_MB} MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    field_order = ["file", "format", "time_zone", "map_by_email"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(
                f"The file is larger than {settings.IMPORT_MAX_MB} MB: split it, or import it "
                "with manage.py import_entries.",
                code="too_large",
            )
        return upload
