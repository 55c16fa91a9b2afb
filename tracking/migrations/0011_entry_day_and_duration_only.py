"""Each entry keeps its day; the timesheet's own entries become duration-only.

Until now an entry's day was computed from ``start`` in whatever zone its owner had chosen
at the time of looking, so choosing another zone moved hours to other days. The day is now
stored, as it is today in the owner's zone (or the server's), and never recomputed.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import TruncDate


def _zone(name: str):
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def store_days(apps, schema_editor):
    """One UPDATE per zone in use: each entry's day is its start's date in its owner's zone."""
    TimeEntry = apps.get_model("tracking", "TimeEntry")
    Preferences = apps.get_model("tracking", "Preferences")
    chosen = dict(Preferences.objects.exclude(time_zone="").values_list("user_id", "time_zone"))
    users_by_zone: dict = {}
    for user_id, name in chosen.items():
        users_by_zone.setdefault(str(_zone(name)), []).append(user_id)
    for name, user_ids in users_by_zone.items():
        TimeEntry.objects.filter(user_id__in=user_ids).update(
            day=TruncDate("start", tzinfo=ZoneInfo(name))
        )
    TimeEntry.objects.filter(day__isnull=True).update(
        day=TruncDate("start", tzinfo=_zone(settings.TIME_ZONE))
    )
    # The timesheet only ever stored a length at the day's midnight: it has no clock time.
    TimeEntry.objects.filter(source="timesheet").update(duration_only=True)
    # Sent time is final (Invoice.advance_status now ends the pause of billed work).
    TimeEntry.objects.filter(
        pause="paused", invoice_item__invoice__status__in=["sent", "paid"]
    ).update(pause="")


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0010_preferences_theme"),
    ]

    operations = [
        migrations.AddField(
            model_name="timeentry",
            name="day",
            field=models.DateField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="timeentry",
            name="duration_only",
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
        migrations.RunPython(store_days, migrations.RunPython.noop, elidable=False),
    ]
