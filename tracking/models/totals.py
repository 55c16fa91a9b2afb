"""Running totals of time, kept by the database itself, so a report over years of entries
adds up thousands of rows instead of millions (docs/performance.md, tenth round).

Triggers on the entry table (``tracking/totals_sql.py``) keep both tables equal to a
recount of the live, stopped entries on every write: a save, a bulk insert or update, an
import, the trash, a purge, a restore, even SQL typed by hand. Nothing in Python writes them
(``manage.py rebuild_totals`` remakes them). A row whose entries are all gone is removed, so
a total never names a project or day without time.
"""

from django.conf import settings
from django.db import models


class YearTotal(models.Model):
    """A person's time on a project in one calendar year (of the entries' ``day``)."""

    project = models.ForeignKey(
        "Project", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    year = models.IntegerField()
    seconds = models.BigIntegerField()
    billable_seconds = models.BigIntegerField()
    unbilled_seconds = models.BigIntegerField()  # billable and on no invoice
    entries = models.IntegerField()

    class Meta:
        # No index leads with the year: a range of years is read along the covering index
        # in (project, person) order, added up without a sort.
        constraints = [
            models.UniqueConstraint(fields=["project", "user", "year"], name="year_total_key")
        ]
        indexes = [
            models.Index(
                fields=[
                    "project",
                    "user",
                    "year",
                    "seconds",
                    "billable_seconds",
                    "unbilled_seconds",
                    "entries",
                ],
                name="year_total_report",
            )
        ]

    def __str__(self):
        return f"{self.year}, project {self.project_id}, person {self.user_id}: {self.seconds} s"


class DayTotal(models.Model):
    """A person's time on one day (their entries' ``day``)."""

    day = models.DateField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    seconds = models.BigIntegerField()
    billable_seconds = models.BigIntegerField()
    entries = models.IntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "user"], name="day_total_key")]
        indexes = [
            models.Index(
                fields=["day", "user", "seconds", "billable_seconds"], name="day_total_report"
            )
        ]

    def __str__(self):
        return f"{self.day}, person {self.user_id}: {self.seconds} s"
