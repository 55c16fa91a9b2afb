"""Project budgets: what a project used of its budget, and the alerts when it crosses a
threshold (its alert percentage, then 100 %), once per threshold and period.

Recorded time is stopped, live entries, from every door (timer, form, timesheet, API, import,
edits and the trash): a ``post_save`` receiver checks after each change of an entry (inside
``TimeEntry.save``'s transaction), the importer after its rows. An alert is a
``BudgetAlert`` row written in the change's transaction; its unique key (project, period,
threshold) is what makes it once. Its ``budget_threshold_reached`` signal tells the
listeners (webhooks, mail to the project's managers).
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from tracking.models.billing import BusinessProfile
from tracking.models.catalogue import Project
from tracking.models.entries import TimeEntry
from tracking.money import seconds_to_hours, time_amount
from tracking.signals import budget_threshold_reached


@dataclass
class BudgetUse:
    """A project's use of its budget in one period (``"total"`` or a month, ``"2026-11"``)."""

    project: Project
    period: str
    seconds: int
    billable_seconds: int
    amount: Decimal | None  # billable hours times the rate, when the budget has an amount

    @property
    def hours(self) -> Decimal:
        return seconds_to_hours(self.seconds)

    def reached(self, percent: int) -> bool:
        """Has the use reached ``percent`` of the hours or of the amount (exactly)?"""
        budget = self.project
        if budget.budget_hours is not None and self.seconds * 100 >= (
            percent * budget.budget_hours * 3600
        ):
            return True
        return budget.budget_amount is not None and (self.amount or 0) * 100 >= (
            percent * budget.budget_amount
        )

    def _shares(self) -> dict[str, Decimal]:
        """Percent used of each budget the project has: ``hours``, ``amount``."""
        budget, shares = self.project, {}
        if budget.budget_hours:
            shares["hours"] = Decimal(self.seconds) / (budget.budget_hours * 36)
        if budget.budget_amount:
            shares["amount"] = (self.amount or Decimal(0)) * 100 / budget.budget_amount
        return shares

    @property
    def percent(self) -> int:
        """The larger share used, of the hours or the amount, in whole percent."""
        return int(max(self._shares().values(), default=0))

    def seconds_left(self) -> int | None:
        """Recorded seconds still within the budget (the tighter of hours and money; money
        counts billable time at the rate); None when no budget limits time (only money on
        a project without a rate)."""
        budget, left = self.project, []
        if budget.budget_hours is not None:
            left.append(int(budget.budget_hours * 3600) - self.seconds)
        rate = budget.hourly_rate
        if budget.budget_amount is not None and rate:
            left.append(int((budget.budget_amount - (self.amount or 0)) / rate * 3600))
        return min(left) if left else None

    @property
    def alerting(self) -> bool:
        """Past the project's alert percentage."""
        return self.reached(self.project.budget_alert_percent)

    @property
    def budget_text(self) -> str:
        """What was used of what, of the larger share: "2.3 of 2 h", "1200.00 of 1000.00"."""
        budget, shares = self.project, self._shares()
        if "hours" in shares and shares["hours"] >= shares.get("amount", 0):
            return f"{self.hours.normalize():f} of {budget.budget_hours.normalize():f} h"
        return f"{self.amount} of {budget.budget_amount}"

    @property
    def period_label(self) -> str:
        if self.period == "total":
            return "in total"
        return date.fromisoformat(f"{self.period}-01").strftime("in %B %Y")


def period_of(project: Project, day: date) -> tuple[str, date | None, date | None]:
    """The budget period holding ``day``: its key and its first and last day (None: all)."""
    if project.budget_period != Project.BudgetPeriod.MONTH:
        return "total", None, None
    first = day.replace(day=1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return f"{first:%Y-%m}", first, date.fromordinal(following.toordinal() - 1)


def business_today() -> date:
    """Today in the business's zone (settings.TIME_ZONE): a monthly budget's calendar."""
    return timezone.localdate(timezone.now(), timezone.get_default_timezone())


def budget_uses(projects, day: date | None = None) -> dict[int, BudgetUse]:
    """Each budgeted project's use in the period holding ``day`` (today in the business's
    zone), by id: one grouped query per kind of period, whatever the number of projects."""
    projects = [p for p in projects if p.budget_hours is not None or p.budget_amount is not None]
    if not projects:
        return {}
    day = day or business_today()
    sums = {}
    for monthly in (False, True):
        group = [p for p in projects if (p.budget_period == Project.BudgetPeriod.MONTH) == monthly]
        if not group:
            continue
        _, first, last = period_of(group[0], day)
        rows = (
            TimeEntry.objects.filter(project__in=group, end__isnull=False)
            .on_days(first, last)
            .values("project")
            .annotate(
                seconds=Sum("duration_seconds"),
                billable=Coalesce(Sum("duration_seconds", filter=Q(billable=True)), 0),
            )
            .order_by()
        )
        sums.update({row["project"]: row for row in rows})
    currency = None
    uses = {}
    for project in projects:
        found = sums.get(project.pk, {"seconds": 0, "billable": 0})
        amount = None
        if project.budget_amount is not None:
            currency = currency or BusinessProfile.load().default_currency
            amount = time_amount(found["billable"], project.hourly_rate or Decimal(0), currency)
        period = period_of(project, day)[0]
        uses[project.pk] = BudgetUse(project, period, found["seconds"], found["billable"], amount)
    return uses


def budget_use(project: Project, day: date | None = None) -> BudgetUse | None:
    """``project``'s use of its budget in the period holding ``day``, or None when it has
    no budget."""
    return budget_uses([project], day).get(project.pk)


def past_alert_for(user) -> list[BudgetUse]:
    """The open projects ``user`` has worked on that are past their alert percentage."""
    worked_on = Exists(TimeEntry.objects.filter(project=OuterRef("pk"), user=user))
    return [
        use
        for use in budget_uses(Project.objects.budgeted().filter(worked_on)).values()
        if use.alerting
    ]


class BudgetAlertQuerySet(models.QuerySet):
    def undismissed(self):
        return self.filter(dismissed_at=None).select_related("project")

    def dismiss(self) -> int:
        """A manager has read them: they leave the dashboards (the admin keeps them)."""
        return self.filter(dismissed_at=None).update(dismissed_at=timezone.now())


class BudgetAlert(models.Model):
    """A threshold of a project's budget crossed in a period: sent once, and shown to the
    project's managers on their dashboard until they dismiss it."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budget_alerts")
    period = models.CharField(max_length=7, help_text='"total", or a month: "2026-11".')
    percent = models.PositiveSmallIntegerField(help_text="The threshold crossed.")
    used_seconds = models.PositiveBigIntegerField()
    budget_hours = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    budget_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    used_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    used_percent = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    dismissed_at = models.DateTimeField(null=True, blank=True)
    # Set when the managers' mail went out (or is going out): the mail's outbox mark.
    mailed_at = models.DateTimeField(null=True, blank=True)

    objects = BudgetAlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "period", "percent"], name="one_alert_per_threshold"
            )
        ]

    def __str__(self):
        return f"{self.project}: {self.percent} % of its budget ({self.period})"

    @property
    def used_hours(self) -> Decimal:
        return seconds_to_hours(self.used_seconds)

    @property
    def summary(self) -> str:
        """In words, as it was when it was crossed: "Website (Acme) has used 1.7 of 2 h in
        total: 85 % of its budget"."""
        if self.budget_hours is not None:
            used = f"{self.used_hours.normalize():f} of {self.budget_hours.normalize():f} h"
        else:
            used = f"{self.used_amount} of {self.budget_amount}"
        period = "in total" if self.period == "total" else f"in {self.period}"
        return (
            f"{self.project.name} ({self.project.client_name}) has used {used} {period}: "
            f"{self.used_percent} % of its budget"
        )


def check_budget(project: Project, day: date | None = None) -> list[BudgetAlert]:
    """Record (and announce) each threshold ``project``'s use has reached in the period
    holding ``day`` and that was not yet recorded there. Call it inside the transaction of
    the change; dropping below and crossing again in the same period adds nothing."""
    if project.budget_hours is None and project.budget_amount is None:
        return []
    # Concurrent changes of one project's time take turns here, so that each sum sees the
    # other's entry (two stops that each stay under 80 % but together pass it).
    Project.objects.select_for_update().filter(pk=project.pk).exists()
    use = budget_use(project, day)
    made = []
    for percent in sorted({project.budget_alert_percent, 100}):
        if not use.reached(percent):
            break
        alert, created = BudgetAlert.objects.get_or_create(
            project=project,
            period=use.period,
            percent=percent,
            defaults={
                "used_seconds": use.seconds,
                "used_amount": use.amount,
                "used_percent": use.percent,
                "budget_hours": project.budget_hours,
                "budget_amount": project.budget_amount,
            },
        )
        if created:
            made.append(alert)
            budget_threshold_reached.send(sender=BudgetAlert, alert=alert, use=use)
    return made


def refuse_past_hard_limit(sender, entry, seconds, **kwargs):
    """``time_adding`` receiver: with ``budget_hard_limit``, no time past 100 % of the
    budget, and no timer started once it is used up. Stopping a timer is never refused (it is
    stopped at the limit instead: ``stop_at_hard_limit``)."""
    project = entry.project
    if not project.budget_hard_limit:
        return
    day = entry.day or timezone.localdate(entry.start)
    use = budget_use(project, day)
    left = None if use is None else use.seconds_left()
    if left is None:
        return
    counted = seconds if entry.billable or project.budget_hours is not None else 0
    if (seconds == 0 and left <= 0) or (seconds and counted > left):
        raise ValidationError(
            {
                "project": f"{project.name} stops at its budget: {use.budget_text} "
                f"{use.period_label} is recorded, {max(left, 0) // 60} minutes are left. "
                "A manager can raise the budget or lift its limit."
            },
            code="budget",
        )


def stop_at_hard_limit(entry: TimeEntry) -> bool:
    """Stop ``entry``, a running timer on a project with a hard limit, where its budget ran
    out, if that moment has passed (as a forgotten timer is: ``auto_stopped``, for its
    owner to look at). Returns whether it stopped."""
    project = entry.project
    if not project.budget_hard_limit or (entry.billable is False and not project.budget_hours):
        return False
    use = budget_use(project, timezone.localdate(entry.start))
    left = None if use is None else use.seconds_left()
    if left is None:
        return False
    limit = entry.start + timedelta(seconds=max(left, 1))
    if limit > timezone.now():
        return False
    entry.auto_stopped = True
    entry.stop(at=limit, extra_fields=["auto_stopped"])
    return True


def check_budgets(days_by_project: dict[Project, set[date]]) -> None:
    """``check_budget`` for each period the given days of each project fall in: after a
    bulk write (an import), which sends no ``post_save``."""
    for project, days in days_by_project.items():
        periods = {period_of(project, day)[0]: day for day in days}
        for day in periods.values():
            check_budget(project, day)


def entry_saved(sender, instance, created, update_fields=None, **kwargs):
    """``post_save`` of a TimeEntry: a stopped entry whose time was added or changed (or
    that came back from the trash) may have taken its project past a threshold in the
    period of its day (TrackingConfig.ready connects it)."""
    if instance.end is None or instance.deleted_at is not None:
        return
    # ``_stored_*``: the values as loaded (TimeEntry.from_db), still the old ones here.
    # A money budget also follows the billable flag, which has no stored copy: always check.
    unchanged = (
        not created
        and instance.project.budget_amount is None
        and (
            getattr(instance, "_stored_seconds", None),
            getattr(instance, "_stored_project_id", None),
            getattr(instance, "_stored_start", None),
        )
        == (instance.duration_seconds, instance.project_id, instance.start)
    )
    restored = update_fields is not None and "deleted_at" in update_fields
    if not unchanged or restored:
        check_budget(instance.project, instance.day)


def project_saved(sender, instance, **kwargs):
    """``post_save`` of a Project: a budget set below the time already recorded is crossed
    now, not at the next entry."""
    check_budget(instance)
