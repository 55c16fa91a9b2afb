from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils import timezone

from webhooks.models import EVENTS, Delivery, Webhook
from webhooks.outbox import enqueue_test
from webhooks.sender import send, wake


class DeliveryInline(admin.TabularInline):
    """The delivery log: the latest deliveries, read-only."""

    model = Delivery
    extra = 0
    can_delete = False
    max_num = 0
    ordering = ["-created_at"]
    fields = [
        "created_at",
        "event",
        "status",
        "attempts",
        "response_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
    ]
    readonly_fields = fields
    show_change_link = True


class WebhookForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        choices=[(name, name) for name in EVENTS], widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Webhook
        fields = ["url", "events", "secret", "active"]


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ["url", "active", "event_list", "created_by", "created_at"]
    list_filter = ["active"]
    fields = ["url", "events", "secret", "active", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]
    inlines = [DeliveryInline]
    actions = ["send_test_event", "retry_failed"]

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
            answer = delivery.response_code or delivery.last_error
            level = (
                messages.SUCCESS
                if delivery.status == Delivery.Status.DELIVERED
                else messages.ERROR
            )
            self.message_user(
                request, f"{hook.url}: {delivery.get_status_display()} ({answer}).", level
            )

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
    list_filter = ["status", "event"]
    readonly_fields = [field.name for field in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
