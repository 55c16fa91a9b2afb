"""The REST API: a thin skin over the model layer, ``tracking.queries`` and the permission
policy, so the web UI and the API answer the same question the same way."""

from django.db.models import F
from django.http import JsonResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from api import schema  # noqa: F401  (the bearer token's description, before any schema)
from api.exceptions import Conflict
from api.permissions import EntryOwnership, ModelPermission, TaskWrites, ViewPermission
from api.serializers import (
    ClientSerializer,
    EntryFilterSerializer,
    EntrySerializer,
    InvoiceSerializer,
    MeSerializer,
    ProjectSerializer,
    SummaryQuerySerializer,
    SummarySerializer,
    TagSerializer,
    TaskFilterSerializer,
    TaskSerializer,
    TimerStartSerializer,
)
from tracking.models import (
    BusinessProfile,
    Client,
    Invoice,
    Project,
    Tag,
    Task,
    TimeEntry,
    budget_uses,
)
from tracking.permissions import visible_entries
from tracking.queries import filtered_entries, report_summary

# Every endpoint's (REST_FRAMEWORK in settings); some views add their own.
DEFAULT_PERMISSIONS = api_settings.DEFAULT_PERMISSION_CLASSES

# GET timer/ answers the running entry or null.
NULLABLE_ENTRY = {"allOf": [{"$ref": "#/components/schemas/Entry"}], "nullable": True}


def entries_for(user):
    """The entries ``user`` may see, with what their representation needs (no query per
    row but the tags' one prefetch)."""
    return (
        visible_entries(user)
        .annotate(invoice_status=F("invoice_item__invoice__status"))
        .prefetch_related("tags")
    )


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        """The person the token (or session) belongs to."""
        return Response(MeSerializer(request.user).data)


@extend_schema_view(list=extend_schema(parameters=[EntryFilterSerializer]))
class EntryViewSet(viewsets.ModelViewSet):
    """Your time entries (everyone's with the permission to view them). Another person's
    entry is not found (404)."""

    queryset = TimeEntry.objects.none()  # for the schema; get_queryset() answers requests
    serializer_class = EntrySerializer
    permission_classes = [*DEFAULT_PERMISSIONS, EntryOwnership]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return entries_for(self.request.user).order_by("-start", "-pk")

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = EntryFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        filters = params.validated_data
        entries = filtered_entries(self.request.user, filters, queryset)
        if filters.get("modified_after"):
            # Oldest change first: a client syncing page by page never skips a change.
            return entries.order_by("updated_at", "pk")
        return entries


class TimerView(APIView):
    @extend_schema(responses={200: OpenApiResponse(NULLABLE_ENTRY, "The running entry, or null.")})
    def get(self, request):
        """The running timer, or ``null``. A timer past TIMER_MAX_HOURS is stopped first."""
        running = request.timer.running
        if running is None:
            return JsonResponse(None, safe=False)  # DRF would answer an empty body
        return Response(EntrySerializer(running).data)


class TimerStartView(APIView):
    @extend_schema(request=TimerStartSerializer, responses={201: EntrySerializer})
    def post(self, request):
        """Start a timer; one already running is stopped at the same moment."""
        params = TimerStartSerializer(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        data = params.validated_data
        entry = TimeEntry.objects.start_timer(
            request.user,
            data["project"],
            task=data.get("task"),
            notes=data.get("notes", ""),
            billable=data.get("billable"),
            tags=Tag.objects.for_names(data.get("tags", [])),
        )
        return Response(EntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class TimerTransition(APIView):
    """One transition of the timer, or 409 when there is nothing to apply it to."""

    transition = ""  # the TimeEntry manager's method
    refusal = ""
    answer = status.HTTP_200_OK

    def post(self, request):
        entry = getattr(TimeEntry.objects, self.transition)(request.user)
        if entry is None:
            raise Conflict(self.refusal)
        return Response(EntrySerializer(entry).data, status=self.answer)


def _transition_schema(summary, answer=status.HTTP_200_OK):
    return extend_schema_view(
        post=extend_schema(request=None, responses={answer: EntrySerializer}, summary=summary)
    )


@_transition_schema("Stop the running timer (or end the paused one)")
class TimerStopView(TimerTransition):
    transition, refusal = "stop_timer", "No timer is running."


@_transition_schema("Pause the running timer")
class TimerPauseView(TimerTransition):
    transition, refusal = "pause_timer", "No timer is running."


@_transition_schema("Resume the paused timer: a new entry", status.HTTP_201_CREATED)
class TimerResumeView(TimerTransition):
    transition, refusal = "resume_timer", "No timer is paused."
    answer = status.HTTP_201_CREATED


class CatalogueViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    http_method_names = ["get", "post", "patch", "head", "options"]


class ClientViewSet(CatalogueViewSet):
    """Everyone reads clients; creating and changing them needs the model permission."""

    queryset = Client.objects.order_by("name", "pk")
    serializer_class = ClientSerializer
    permission_classes = [*DEFAULT_PERMISSIONS, ModelPermission]


class ProjectViewSet(CatalogueViewSet):
    """Everyone reads projects; creating and changing them needs the model permission."""

    queryset = Project.objects.order_by("name", "pk")
    serializer_class = ProjectSerializer
    permission_classes = [*DEFAULT_PERMISSIONS, ModelPermission]

    def paginate_queryset(self, queryset):
        """The page, and its projects' budget use in one lookup (not a query per row)."""
        page = super().paginate_queryset(queryset)
        self.budget_uses = budget_uses(queryset if page is None else page)
        return page

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if hasattr(self, "budget_uses"):
            context["budget_uses"] = self.budget_uses
        return context


@extend_schema_view(list=extend_schema(parameters=[TaskFilterSerializer]))
class TaskViewSet(CatalogueViewSet):
    """Everyone reads tasks and creates them; you change the ones you created (any, with
    the permission to change tasks)."""

    queryset = Task.objects.order_by("project_id", "title", "pk")
    serializer_class = TaskSerializer
    permission_classes = [*DEFAULT_PERMISSIONS, TaskWrites]

    def filter_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = TaskFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        if params.validated_data.get("project"):
            queryset = queryset.filter(project=params.validated_data["project"])
        return queryset

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)


class TagViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Everyone reads and creates tags (entries create them by name too)."""

    queryset = Tag.objects.order_by("name", "pk")
    serializer_class = TagSerializer


class InvoiceViewSet(viewsets.ReadOnlyModelViewSet):
    """Invoices with their lines and totals, read-only: with the permission to view them."""

    queryset = (
        Invoice.objects.with_totals().prefetch_related("items").order_by("-issue_date", "-pk")
    )
    serializer_class = InvoiceSerializer
    permission_classes = [*DEFAULT_PERMISSIONS, ViewPermission]


class SummaryView(APIView):
    @extend_schema(parameters=[SummaryQuerySerializer], responses=SummarySerializer)
    def get(self, request):
        """Seconds (and billable amounts) of stopped entries, grouped in the database."""
        params = SummaryQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        filters = dict(params.validated_data)
        group_by = filters.pop("group_by")
        currency = BusinessProfile.load().default_currency
        summary = report_summary(request.user, filters, group_by, currency)
        return Response(SummarySerializer(summary).data)
