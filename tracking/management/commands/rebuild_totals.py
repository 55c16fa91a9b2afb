from django.core.management.base import BaseCommand
from django.db import connection, transaction

from tracking import totals_sql
from tracking.models import DayTotal, YearTotal


class Command(BaseCommand):
    help = (
        "Recreate the triggers that keep the reports' running totals and refill the totals "
        "from the entries. Needed only if the triggers were lost (a restore by hand of the "
        "entry table without them, say). Time entries cannot be written until it is done "
        "(seconds for a million entries)."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            totals_sql.rebuild(connection)
        self.stdout.write(
            f"Running totals rebuilt: {YearTotal.objects.count()} by year, "
            f"{DayTotal.objects.count()} by day."
        )
