from django.core.management.base import BaseCommand
from django.utils import timezone

from tracking.models import TRASH_DAYS, TimeEntry


class Command(BaseCommand):
    help = (
        f"Remove for good the entries deleted more than {TRASH_DAYS} days ago (billed time "
        "on a sent invoice is kept). Idempotent: run it from cron daily."
    )

    def handle(self, *args, **options):
        purged = TimeEntry.everything.purgeable(timezone.now()).purge()
        self.stdout.write(f"{purged} entr{'y' if purged == 1 else 'ies'} removed from the trash.")
