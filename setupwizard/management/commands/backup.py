from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from setupwizard.backup import BackupError, summary, write_backup


class Command(BaseCommand):
    help = (
        "Write one archive that restores the whole installation: the database (consistent "
        "while the app runs), the installation record, data/media/ and the secret key. "
        "For cron: e.g. backup /var/backups/timetracker-$(date +%%F).tar.gz."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="where to write the archive (.tar.gz)")
        parser.add_argument(
            "--no-secret",
            action="store_true",
            help="leave the secret key out (keep it elsewhere: sessions and reset links need it)",
        )

    def handle(self, *args, path, no_secret, **options):
        try:
            made = write_backup(path, secret=not no_secret)
        except (BackupError, OSError) as error:
            raise CommandError(f"No backup was written: {error}") from None
        self.stdout.write(f"Backed up installation {made.installation_id}: {summary()}.")
        for name, checksum in made.parts.items():
            self.stdout.write(f"  {name}  sha256:{checksum[:16]}…")
        self.stdout.write(f"Wrote {made.path} ({made.path.stat().st_size:,} bytes).")
