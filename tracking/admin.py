from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count

from tracking.csv_export import csv_response
from tracking.models import (
    Client,
    Comment,
    Invoice,
    InvoiceItem,
    Preferences,
    Project,
    Tag,
    Task,
    TimeEntry,
)


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
    list_display = ["name", "client", "billable", "hourly_rate", "archived", "created_at"]
    list_filter = ["archived", "billable", "client"]
    list_select_related = ["client"]
    search_fields = ["name", "client__name"]
    autocomplete_fields = ["client"]
    date_hierarchy = "created_at"


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "status", "priority", "created_at"]
    list_filter = ["status", "priority", "project"]
    list_select_related = ["project"]
    search_fields = ["title", "project__name"]
    autocomplete_fields = ["project"]
    date_hierarchy = "created_at"


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "color", "entry_count", "created_at"]
    search_fields = ["name"]
    date_hierarchy = "created_at"
    actions = ["merge"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(entry_count=Count("entries"))

    @admin.display(ordering="entry_count", description="Entries")
    def entry_count(self, tag):
        return tag.entry_count

    @admin.action(description="Merge selected tags into the oldest of them")
    def merge(self, request, queryset):
        tags = list(queryset.order_by("created_at", "pk"))
        if len(tags) < 2:
            self.message_user(request, "Select two tags or more to merge.", messages.WARNING)
            return
        keep, others = tags[0], tags[1:]
        moved = keep.merge(others)
        self.message_user(
            request,
            f"Merged {', '.join(t.name for t in others)} into {keep.name} ({moved} entries).",
        )


@admin.action(description="Export selected entries to CSV")
def export_entries_csv(modeladmin, request, queryset):
    return csv_response(queryset, filename="time-entries.csv", user=request.user, kind="entries")


@admin.register(TimeEntry)
class TimeEntryAdmin(admin.ModelAdmin):
    list_display = ["start", "end", "user", "project", "task", "hours", "billable"]
    list_filter = ["billable", "project", "user", "tags", "auto_stopped"]
    list_select_related = ["user", "project", "task"]
    search_fields = ["notes", "project__name", "task__title", "user__username"]
    autocomplete_fields = ["project", "task", "user", "tags"]
    date_hierarchy = "start"
    actions = [export_entries_csv]

    @admin.display(description="Hours", ordering="duration_seconds")
    def hours(self, entry):
        return entry.hours


class InvoiceItemInline(admin.TabularInline):
    model = InvoiceItem
    extra = 1


def _advance(request, queryset, target):
    for invoice in queryset:
        try:
            invoice.advance_status(target)
        except ValidationError as exc:
            messages.error(request, f"{invoice}: {' '.join(exc.messages)}")


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ["number", "client", "project", "status", "issue_date", "due_date", "total"]
    list_filter = ["status", "currency", "client"]
    list_select_related = ["client", "project"]
    search_fields = ["number", "client__name"]
    autocomplete_fields = ["client", "project"]
    date_hierarchy = "issue_date"
    readonly_fields = ["status"]
    inlines = [InvoiceItemInline]
    actions = ["mark_sent", "mark_paid"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_totals()

    @admin.display(description="Total", ordering="total_amount")
    def total(self, invoice):
        return f"{invoice.total} {invoice.currency}"

    @admin.action(description="Mark selected draft invoices as sent")
    def mark_sent(self, request, queryset):
        _advance(request, queryset, Invoice.Status.SENT)

    @admin.action(description="Mark selected sent invoices as paid")
    def mark_paid(self, request, queryset):
        _advance(request, queryset, Invoice.Status.PAID)


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
