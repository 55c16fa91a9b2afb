from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime

from webhooks.models import EVENTS, Delivery, Webhook
from webhooks.outbox import enqueue_test
from webhooks.sender import send, test_outcome, wake


class WebhookForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=[(name, name) for name in EVENTS], widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Webhook
        fields = ["url", "events", "secret", "active"]


RECENT_SHOWN = 10  # deliveries listed on a webhook's page; the rest in Deliveries


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ["url", "active", "event_list", "created_by", "created_at"]
    list_filter = ["active"]
    readonly_fields = ["created_by", "created_at", "secret_hint", "recent_deliveries"]
    actions = ["send_test_event", "retry_failed"]

    def get_fields(self, request, obj=None):
        # The secret is typed (or generated) when the webhook is made, then only hinted at:
        # the receiver keeps it.
        if obj is None:
            return ["url", "events", "secret", "active"]
        return [
            "url",
            "events",
            "active",
            "secret_hint",
            "created_by",
            "created_at",
            "recent_deliveries",
        ]

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None:
            kwargs["fields"] = ["url", "events", "active"]
        return super().get_form(request, obj, **kwargs)

    @admin.display(description="Secret")
    def secret_hint(self, hook):
        return f"…{hook.secret[-4:]} (set when it was added; remove and add it to change it)"

    @admin.display(description="Latest deliveries")
    def recent_deliveries(self, hook):
        rows = hook.deliveries.order_by("-created_at")[:RECENT_SHOWN]
        table = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    localtime(row.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                    row.event,
                    row.get_status_display(),
                    row.attempts,
                    f"HTTP {row.response_code}" if row.response_code else row.last_error,
                )
                for row in rows
            ),
        )
        link = reverse("admin:webhooks_delivery_changelist") + f"?webhook__id__exact={hook.pk}"
        return format_html(
            "<table><thead><tr><th>Created</th><th>Event</th><th>Status</th><th>Attempts</th>"
            '<th>Answer</th></tr></thead><tbody>{}</tbody></table><p><a href="{}">All of its '
            "deliveries</a></p>",
            table,
            link,
        )

    @admin.display(description="Events")
    def event_list(self, hook):
        return ", ".join(hook.events)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description="Send test event")
    def send_test_event(self, request, queryset):
        for hook in queryset:
            with transaction.atomic():
                delivery = enqueue_test(hook)
            delivery = send(Delivery.objects.select_related("webhook").get(pk=delivery.pk))
            delivered = delivery.status == Delivery.Status.DELIVERED
            level = messages.SUCCESS if delivered else messages.ERROR
            self.message_user(request, test_outcome(delivery), level)

    @admin.action(description="Retry failed deliveries")
    def retry_failed(self, request, queryset):
        with transaction.atomic():
            count = Delivery.objects.filter(
                webhook__in=queryset, status=Delivery.Status.FAILED
            ).update(status=Delivery.Status.RETRYING, next_attempt_at=timezone.now())
            transaction.on_commit(wake)
        self.message_user(
            request, f"{count} failed deliver{'y' if count == 1 else 'ies'} queued again."
        )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "webhook", "event", "status", "attempts", "response_code"]
    list_filter = ["status", "event", "webhook"]
    list_select_related = ["webhook"]
    date_hierarchy = "created_at"
    search_fields = ["=id", "event"]
    readonly_fields = [field.name for field in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
