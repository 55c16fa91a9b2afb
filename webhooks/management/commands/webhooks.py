from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from webhooks.models import EVENTS, LOG_KEPT, Delivery, Webhook
from webhooks.outbox import enqueue_test
from webhooks.sender import deliver_due, send, test_outcome


class Command(BaseCommand):
    help = (
        "Manage webhooks: add URL --events a,b [--secret S], list, remove ID, test ID, and "
        "deliver (send what is due from the outbox, then exit: for cron, or to drain it)."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="add a webhook; its secret is shown once")
        add.add_argument("url")
        add.add_argument(
            "--events", required=True, help=f"comma-separated, of: {', '.join(EVENTS)}"
        )
        add.add_argument("--secret", help="signs deliveries (default: a new random one)")
        actions.add_parser("list", help="the webhooks, their events and delivery counts")
        remove = actions.add_parser("remove", help="remove a webhook and its delivery log")
        remove.add_argument("id", type=int)
        test = actions.add_parser("test", help="send a test event now and show the answer")
        test.add_argument("id", type=int)
        actions.add_parser("deliver", help="send what is due from the outbox, then exit")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _webhook(self, pk) -> Webhook:
        try:
            return Webhook.objects.get(pk=pk)
        except Webhook.DoesNotExist:
            raise CommandError(f"No webhook {pk}: `manage.py webhooks list` shows them.") from None

    def _add(self, url, events, secret, **options):
        names = [name.strip() for name in events.split(",") if name.strip()]
        hook = Webhook(url=url, events=names)
        if secret:
            hook.secret = secret
        try:
            hook.full_clean()
        except ValidationError as error:
            raise CommandError(
                " ".join(
                    f"{field}: {' '.join(errors)}" for field, errors in error.message_dict.items()
                )
            ) from None
        hook.save()
        self.stdout.write(f"Webhook {hook.pk} added: {hook.url} ({', '.join(hook.events)}).")
        if not secret:
            self.stdout.write(f"Its secret (shown once; keep it with the receiver): {hook.secret}")

    def _list(self, **options):
        hooks = Webhook.objects.order_by("pk")
        if not hooks:
            self.stdout.write("No webhooks. Add one: manage.py webhooks add URL --events a,b")
        for hook in hooks:
            counts = {
                status: hook.deliveries.filter(status=status).count() for status in Delivery.Status
            }
            state = "active" if hook.active else "inactive"
            summary = ", ".join(
                f"{count} {status.label.lower()}" for status, count in counts.items()
            )
            self.stdout.write(
                f"{hook.pk}  {hook.url}  [{state}]  {', '.join(hook.events)}  ({summary})"
            )

    def _remove(self, id, **options):
        hook = self._webhook(id)
        hook.delete()
        self.stdout.write(f"Webhook {id} removed ({hook.url}).")

    def _test(self, id, **options):
        hook = self._webhook(id)
        with transaction.atomic():
            delivery = enqueue_test(hook)
        delivery = send(Delivery.objects.select_related("webhook").get(pk=delivery.pk))
        if delivery.status != Delivery.Status.DELIVERED:
            raise CommandError(test_outcome(delivery))
        self.stdout.write(test_outcome(delivery))

    def _deliver(self, **options):
        sent = deliver_due()
        forgotten = Delivery.objects.forget_old(timezone.now())
        self.stdout.write(
            f"{sent} deliver{'y' if sent == 1 else 'ies'} attempted; {forgotten} finished more "
            f"than {LOG_KEPT.days} days ago removed from the log."
        )
