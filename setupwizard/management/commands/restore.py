from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from setupwizard.backup import BackupError, restore_backup, summary


class Command(BaseCommand):
    help = (
        "Restore an archive made by `manage.py backup` into an empty database and data "
        "directory, as the same installation (same id and salt). Checks every part first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database that already holds data (everything in it is lost)",
        )

    def handle(self, *args, path, force, **options):
        try:
            done = restore_backup(path, force=force)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from None
        for line in done:
            self.stdout.write(line)
        self.stdout.write(f"The database now holds {summary()}.")
