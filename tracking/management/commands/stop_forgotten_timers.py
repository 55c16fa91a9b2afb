from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from tracking.alerts import mail_pending
from tracking.models import TimeEntry


class Command(BaseCommand):
    help = (
        "Stop every timer running longer than TIMER_MAX_HOURS at its start + the limit (it "
        "never deletes time), and mail a reminder after TIMER_REMIND_HOURS when mail is "
        "configured. Idempotent: run it from cron as often as you like."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        if settings.EMAIL_CONFIGURED and settings.TIMER_REMIND_HOURS:
            self.remind(now)
        # Budget alerts whose mail a stopped process or a failed send left (tracking.alerts).
        mailed = mail_pending()
        if mailed:
            self.stdout.write(f"Mailed {mailed} budget alert{'s' if mailed > 1 else ''}.")
        if not settings.TIMER_MAX_HOURS:
            self.stdout.write("TIMER_MAX_HOURS=0: forgotten timers are left running.")
            return
        stopped = TimeEntry.objects.stop_forgotten(now, settings.TIMER_MAX_HOURS)
        for entry in stopped:
            self.stdout.write(
                f"Stopped the timer of {entry.user} on {entry.project} started "
                f"{timezone.localtime(entry.start):%Y-%m-%d %H:%M} at "
                f"{timezone.localtime(entry.end):%Y-%m-%d %H:%M} "
                f"({settings.TIMER_MAX_HOURS} h)."
            )
        self.stdout.write(f"{len(stopped)} forgotten timer(s) stopped.")

    def remind(self, now):
        due = TimeEntry.objects.forgotten(now, settings.TIMER_REMIND_HOURS).filter(
            reminder_sent=False, user__email__gt=""
        )
        for entry in due.select_related("user", "project"):
            with transaction.atomic():
                claimed = TimeEntry.objects.filter(pk=entry.pk, reminder_sent=False).update(
                    reminder_sent=True
                )
                if not claimed:
                    continue  # another run reminded them already
                send_mail(
                    "Your timer is still running",
                    f"Your timer on {entry.project} has been running since "
                    f"{timezone.localtime(entry.start):%Y-%m-%d %H:%M}. If you forgot it, "
                    f"stop it now and set the real end; otherwise it is stopped after "
                    f"{settings.TIMER_MAX_HOURS} hours.\n\n{settings.SITE_URL}",
                    None,
                    [entry.user.email],
                )
            self.stdout.write(f"Reminded {entry.user} of the timer on {entry.project}.")
