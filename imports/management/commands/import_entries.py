from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from imports.formats import FORMATS
from imports.importer import Importer, ImportFailed, decode
from tracking import permissions
from tracking.models import Preferences


class Command(BaseCommand):
    help = (
        "Import time entries from a Toggl, Clockify, Harvest or Kimai CSV export, or from our "
        "own /entries/export.csv: all or nothing, and importing the same file again adds "
        "nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", required=True, choices=sorted(FORMATS))
        parser.add_argument("--user", required=True, help="whose entries these are (username)")
        parser.add_argument(
            "--timezone", help="the zone the file's local times are in (default: the user's)"
        )
        parser.add_argument(
            "--map-users-by-email",
            action="store_true",
            help="put each row on the person with the row's email (the --user must be a "
            "Manager: someone who may change everyone's entries)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check and count only")

    def handle(self, *args, file, format, user, timezone, map_users_by_email, dry_run, **opts):
        person = get_user_model().objects.filter(username=user).first()
        if person is None:
            raise CommandError(f"No user is called {user!r}.")
        if map_users_by_email and not permissions.can_import_for_others(person):
            raise CommandError(
                "--map-users-by-email puts rows on other people: give a --user who may change "
                "everyone's entries (a Manager)."
            )
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        text, note = decode(data)
        try:
            importer = Importer(
                person,
                FORMATS[format],
                self._zone(person, timezone),
                map_by_email=map_users_by_email,
            )
            summary = importer.run(text, dry_run=dry_run, note=note)
        except ImportFailed as failure:
            raise CommandError(f"{file.name}: {failure} Nothing was imported.") from None
        for line in summary.lines():
            self.stdout.write(line)

    @staticmethod
    def _zone(person, name):
        if not name:
            stored = Preferences.objects.filter(user=person).values_list("time_zone", flat=True)
            name = stored.first() or settings.TIME_ZONE
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise CommandError(
                f"Unknown time zone {name!r}: use a name like Europe/Berlin."
            ) from None
