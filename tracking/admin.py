from pathlib import Path

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminFileWidget
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html

from tracking.csv_export import csv_response
from tracking.forms import CurrencyField
from tracking.invitations import send_invitations
from tracking.models import (
    BudgetAlert,
    BusinessProfile,
    Client,
    Comment,
    Invoice,
    InvoiceItem,
    Locked,
    Preferences,
    Project,
    Tag,
    Task,
    TimeEntry,
)
from tracking.money import format_money


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "archived", "project_count", "created_at"]
    list_filter = ["archived"]
    search_fields = ["name", "email"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(project_count=Count("projects"))

    @admin.display(ordering="project_count", description="Projects")
    def project_count(self, client):
        return client.project_count


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "client_name", "billable", "hourly_rate", "archived", "created_at"]
    list_filter = ["archived", "billable", "client"]
    list_select_related = ["client"]
    search_fields = ["name", "client__name"]
    autocomplete_fields = ["client"]
    date_hierarchy = "created_at"

    @admin.display(ordering="client__name", description="Client")
    def client_name(self, project):
        return project.client_name


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "status", "priority", "created_at"]
    list_filter = ["status", "priority", "project"]
    list_select_related = ["project"]
    search_fields = ["title", "project__name"]
    autocomplete_fields = ["project"]
    date_hierarchy = "created_at"


@admin.action(description="Export selected entries to CSV")
def export_entries_csv(modeladmin, request, queryset):
    return csv_response(queryset, filename="time-entries.csv", user=request.user, kind="entries")


class LogoInput(AdminFileWidget):
    """The logo's file name without a link: media files are not served (the logo shows
    inline beside it, as invoices embed it)."""

    template_name = "admin/widgets/logo_input.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["file_name"] = Path(value.name).name if value else ""
        return context


class CurrencyChoiceMixin:
    """Currencies from the closed ISO 4217 list, as in the web forms."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("currency", "default_currency"):
            return CurrencyField(label=db_field.verbose_name.capitalize())
        return super().formfield_for_dbfield(db_field, request, **kwargs)


def _locked_message(what: str, number: str, status: str) -> str:
    return f"{what} on invoice {number}, which is {status}"


class FinalInvoiceAdminMixin:
    """Objects held by a sent or paid invoice open read-only and cannot be deleted.

    The model refuses the change anyway; the admin says so up front, naming the invoice.
    ``lock_changes = False`` locks deletion only (a tag may be renamed, not removed).
    """

    lock_changes = True

    def locked_by(self, obj) -> tuple[str, str] | None:
        raise NotImplementedError

    def has_change_permission(self, request, obj=None):
        locked = self.lock_changes and obj is not None and self.locked_by(obj)
        return super().has_change_permission(request, obj) and not locked

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and self.locked_by(obj))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        locked = self.lock_changes and obj and self.locked_by(obj)
        if locked and request.method == "GET":
            name = obj._meta.verbose_name.capitalize()
            self.message_user(
                request,
                f"{_locked_message(name, *locked)}: it can no longer be changed or deleted.",
                messages.WARNING,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)
        locked = obj and self.locked_by(obj)
        if locked:
            name = obj._meta.verbose_name.capitalize()
            self.message_user(
                request, f"{_locked_message(name, *locked)}: it cannot be deleted.", messages.ERROR
            )
            return redirect(
                reverse(f"admin:tracking_{obj._meta.model_name}_change", args=[obj.pk])
            )
        return super().delete_view(request, object_id, extra_context)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for obj in objs:
            locked = self.locked_by(obj)
            if locked:
                perms_needed.add(_locked_message(f"{obj._meta.verbose_name} {obj}", *locked))
        return deleted, counts, perms_needed, protected


@admin.register(Tag)
class TagAdmin(FinalInvoiceAdminMixin, admin.ModelAdmin):
    """Tags of billed entries on a sent invoice may be renamed, never deleted or merged."""

    lock_changes = False
    list_display = ["name", "color", "entry_count", "created_at"]
    search_fields = ["name"]
    date_hierarchy = "created_at"
    actions = ["merge"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(entry_count=Count("entries"))

    @admin.display(ordering="entry_count", description="Entries")
    def entry_count(self, tag):
        return tag.entry_count

    def locked_by(self, tag):
        return tag.locking_invoice()

    @admin.action(description="Merge selected tags into the oldest of them")
    def merge(self, request, queryset):
        tags = list(queryset.order_by("created_at", "pk"))
        if len(tags) < 2:
            self.message_user(request, "Select two tags or more to merge.", messages.WARNING)
            return
        keep, others = tags[0], tags[1:]
        try:
            moved = keep.merge(others)
        except Locked as exc:
            self.message_user(request, f"Nothing was merged: {exc.messages[0]}", messages.ERROR)
            return
        self.message_user(
            request,
            f"Merged {', '.join(t.name for t in others)} into {keep.name} ({moved} entries).",
        )


@admin.register(TimeEntry)
class TimeEntryAdmin(FinalInvoiceAdminMixin, admin.ModelAdmin):
    list_display = ["day", "start", "end", "user", "project", "task", "hours", "billable"]
    list_filter = ["billable", "duration_only", "source", "project", "user", "tags"]
    list_filter += ["auto_stopped"]
    readonly_fields = ["day", "duration_only", "source"]
    list_select_related = ["user", "project", "task"]
    search_fields = ["notes", "project__name", "task__title", "user__username"]
    autocomplete_fields = ["project", "task", "user", "tags"]
    date_hierarchy = "day"
    actions = [export_entries_csv]

    @admin.display(description="Hours", ordering="duration_seconds")
    def hours(self, entry):
        return entry.hours

    def locked_by(self, entry):
        return entry.locking_invoice()


class InvoiceItemInline(admin.TabularInline):
    model = InvoiceItem
    extra = 1
    readonly_fields = ["amount"]

    def _open(self, obj) -> bool:
        return obj is None or not obj.is_locked

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._open(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._open(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._open(obj)


def _advance(request, queryset, target):
    for invoice in queryset:
        try:
            invoice.advance_status(target)
        except ValidationError as exc:
            messages.error(request, f"{invoice}: {' '.join(exc.messages)}")


@admin.register(Invoice)
class InvoiceAdmin(FinalInvoiceAdminMixin, CurrencyChoiceMixin, admin.ModelAdmin):
    list_display = ["number", "client", "project", "status", "issue_date", "due_date", "total"]
    list_filter = ["status", "currency", "client"]
    list_select_related = ["client", "project"]
    search_fields = ["number", "client__name"]
    autocomplete_fields = ["client", "project"]
    date_hierarchy = "issue_date"
    readonly_fields = ["status", "sent_at", "paid_at", "net", "tax", "gross"]
    inlines = [InvoiceItemInline]
    actions = ["mark_sent", "mark_paid"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_totals()

    @admin.display(description="Total", ordering="net_amount")
    def total(self, invoice):
        return format_money(invoice.total, invoice.currency)

    def locked_by(self, invoice):
        return (invoice.number, invoice.status) if invoice.is_locked else None

    @admin.display(description="Net")
    def net(self, invoice):
        return format_money(invoice.totals.net, invoice.currency)

    @admin.display(description="Tax")
    def tax(self, invoice):
        return format_money(invoice.totals.tax, invoice.currency)

    @admin.display(description="Total")
    def gross(self, invoice):
        return format_money(invoice.totals.gross, invoice.currency)

    @admin.action(description="Mark selected draft invoices as sent")
    def mark_sent(self, request, queryset):
        _advance(request, queryset, Invoice.Status.SENT)

    @admin.action(description="Mark selected sent invoices as paid")
    def mark_paid(self, request, queryset):
        _advance(request, queryset, Invoice.Status.PAID)


@admin.register(BusinessProfile)
class BusinessProfileAdmin(CurrencyChoiceMixin, admin.ModelAdmin):
    """One record: the list opens it directly, and it can be neither added twice nor deleted."""

    fieldsets = [
        (None, {"fields": ["legal_name", "address", "email", "tax_id", "logo", "logo_shown"]}),
        ("Payment", {"fields": ["bank_details", "payment_days", "payment_terms"]}),
        (
            "Invoice defaults",
            {"fields": ["invoice_number_pattern", "default_currency", "default_tax_rate"]},
        ),
    ]

    readonly_fields = ["logo_shown"]
    formfield_overrides = {models.ImageField: {"widget": LogoInput}}

    class Media:
        css = {"all": ["css/admin.css"]}

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Logo as invoices show it")
    def logo_shown(self, profile):
        """The stored logo inline, as the print view and the PDF embed it (no media server):
        after a refused upload too, which the form's copy of the profile still holds."""
        uri = BusinessProfile.load().logo_data_uri()
        if not uri:
            return "—"
        return format_html('<img class="invoice-logo" src="{}" alt="The invoice logo">', uri)

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        profile, _ = BusinessProfile.objects.get_or_create(pk=1)
        return redirect(reverse("admin:tracking_businessprofile_change", args=[profile.pk]))


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["author", "project", "task", "created_at"]
    list_filter = ["created_at"]
    list_select_related = ["author", "project", "task"]
    search_fields = ["text", "author__username"]
    autocomplete_fields = ["author", "project", "task"]
    date_hierarchy = "created_at"


@admin.register(Preferences)
class PreferencesAdmin(admin.ModelAdmin):
    list_display = ["user", "time_zone"]
    list_filter = ["time_zone"]
    list_select_related = ["user"]
    search_fields = ["user__username", "time_zone"]
    autocomplete_fields = ["user"]


@admin.register(BudgetAlert)
class BudgetAlertAdmin(admin.ModelAdmin):
    """Every budget threshold crossed: when, in which period, and what was used."""

    list_display = ["project", "percent", "period", "used_hours", "created_at", "dismissed_at"]
    list_filter = ["percent", "period"]
    list_select_related = ["project"]
    readonly_fields = [field.name for field in BudgetAlert._meta.fields]

    def has_add_permission(self, request):
        return False


class EmailRequired:
    """A person has an email of their own: password resets, reminders and budget mails go
    there, so two accounts may not share one (in any capitals)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["email"].help_text = "Password resets, reminders and budget mails go here."

    def clean_email(self):
        email = self.cleaned_data["email"]
        others = get_user_model().objects.exclude(pk=self.instance.pk)
        if others.filter(email__iexact=email).exists():
            raise ValidationError("Another account has this email.")
        return email


class UserCreationWithEmail(EmailRequired, AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        fields = ("username", "email")


class UserChangeWithEmail(EmailRequired, UserChangeForm):
    pass


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class PersonAdmin(UserAdmin):
    add_form = UserCreationWithEmail
    form = UserChangeWithEmail
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "usable_password", "password1", "password2"),
            },
        ),
    )
    actions = ["invite"]

    @admin.action(description="Email an invitation to choose a password", permissions=["change"])
    def invite(self, request, queryset):
        if not settings.EMAIL_CONFIGURED:
            self.message_user(
                request,
                "Mail is not configured (EMAIL_HOST): set a password on the person's page "
                "and give it to them instead.",
                messages.ERROR,
            )
            return
        result = send_invitations(queryset, request.user)
        parts = [f"Invitations sent: {len(result.sent)}."]
        if result.failed:
            parts.append(
                f"The mail server could not be reached ({result.failed}): the others were "
                "not sent."
            )
        if result.skipped:
            parts.append(
                f"Not sent to {len(result.skipped)}: inactive, or without an email address."
            )
        if result.failed:
            level = messages.ERROR
        else:
            level = messages.SUCCESS if result.sent else messages.WARNING
        self.message_user(request, " ".join(parts), level)
