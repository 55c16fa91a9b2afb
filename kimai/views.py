"""Kimai 2's API at ``/api/``: the queries, permissions, throttling and entry rules of
``/api/v1/`` (``api.views``, ``api.permissions``, ``EntrySerializer``, the timer's
methods), answered with Kimai's paths, names and shapes (``kimai.serializers``)."""

from datetime import UTC

from django.conf import settings
from django.db import transaction
from django.db.models import Case, DecimalField, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import cached_property
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import MethodNotAllowed, NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import BearerTokenAuthentication
from api.models import ApiToken
from api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from api.permissions import EntryOwnership
from api.serializers import EntrySerializer, MomentField, id_number
from api.views import DEFAULT_PERMISSIONS, entries_for
from kimai import serializers as shapes
from kimai.authentication import KimaiHeaderAuthentication
from kimai.exceptions import exception_handler
from timetracker.version import __version__
from tracking.models import (
    OPEN_TASKS,
    BusinessProfile,
    Client,
    Project,
    Tag,
    Task,
    TimeEntry,
)
from tracking.queries import filtered_entries

# The Kimai release whose API this answers: clients turn features on by it (Kemai asks
# for plugins from 1.14.1 and recommends bearer tokens from 2.14).
KIMAI_VERSION = "2.14.0"
KIMAI_VERSION_ID = 21400
# Kimai's "visible" filter: 1 visible only (its default), 2 hidden only, 3 both.
VISIBLE, HIDDEN, BOTH = "1", "2", "3"
RECENT_DEFAULT, RECENT_MAX = 10, 50


# What a timesheet is billed at, for ordering by Kimai's "rate": billable seconds times
# the project's rate (the order of tracking.money.time_amount's answers).
AMOUNT = Case(
    When(
        billable=True,
        then=Coalesce(F("duration_seconds"), 0) * Coalesce(F("project__hourly_rate"), Value(0)),
    ),
    default=Value(0),
    output_field=DecimalField(max_digits=30, decimal_places=2),
)


class KimaiView(APIView):
    """Kimai's two token schemes (and the browser's session); errors in Kimai's shape;
    left out of ``/api/v1/``'s OpenAPI schema."""

    authentication_classes = [
        KimaiHeaderAuthentication,
        BearerTokenAuthentication,
        SessionAuthentication,
    ]
    schema = None

    def get_exception_handler(self):
        return exception_handler

    @cached_property
    def currency(self) -> str:
        return BusinessProfile.load().default_currency


class KimaiPagination(PageNumberPagination):
    """Kimai's ``page`` and ``size`` (50 by default, at most 500), the list as the body and
    the counts in headers."""

    page_size = DEFAULT_LIMIT
    max_page_size = MAX_LIMIT
    page_size_query_param = "size"

    def get_paginated_response(self, data):
        page = self.page
        headers = {
            "X-Page": str(page.number),
            "X-Total-Count": str(page.paginator.count),
            "X-Total-Pages": str(page.paginator.num_pages),
            "X-Per-Page": str(page.paginator.per_page),
        }
        return Response(data, headers=headers)


class CatalogueQuery(serializers.Serializer):
    """The catalogue lists' parameters: Kimai's ``visible`` (1 visible, its default; 2
    hidden; 3 both) and ``term``."""

    visible = serializers.ChoiceField([VISIBLE, HIDDEN, BOTH], default=VISIBLE)
    term = serializers.CharField(required=False, allow_blank=True)


def catalogue_query(request) -> dict:
    query = CatalogueQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


def visible_only(queryset, visible: str, shown: Q):
    """``queryset`` narrowed by Kimai's ``visible`` to what ``shown`` selects, or not."""
    if visible == BOTH:
        return queryset
    return queryset.filter(shown) if visible == VISIBLE else queryset.exclude(shown)


def ids(params, *names) -> list[int]:
    """Ids from repeatable, comma-separated parameters (``projects[]=1&projects=2,3``)."""
    found = []
    for name in names:
        for value in params.getlist(name) + params.getlist(f"{name}[]"):
            for part in value.split(","):
                if part.strip():
                    found.append(part.strip())
    field = serializers.ListField(child=id_number())
    try:
        return field.run_validation(found)
    except ValidationError:
        raise ValidationError({names[0]: ["Give ids: whole numbers."]}) from None


def customers(params, field: str) -> Q:
    """Kimai's ``customer``/``customers`` as a filter on ``field``, a client (``NO_CLIENT``:
    none); everything when none is asked for."""
    wanted = ids(params, "customer", "customers")
    if not wanted:
        return Q()
    chosen = Q(**{f"{field}__in": wanted})
    return chosen | Q(**{f"{field}__isnull": True}) if shapes.NO_CLIENT in wanted else chosen


def ordered(queryset, params, fields: dict, default: str, direction: str = "ASC"):
    """Kimai's ``orderBy`` (one of ``fields``, ``default`` unless given) and ``order`` (ASC
    or DESC; ``direction`` unless given). Empty values (a running timer's end) come last
    going up and first going down, on every database, as in Kimai."""
    field = F(fields.get(params.get("orderBy"), fields[default]))
    if params.get("order", direction).upper() == "DESC":
        return queryset.order_by(field.desc(nulls_first=True), "-pk")
    return queryset.order_by(field.asc(nulls_last=True), "pk")


class PingView(KimaiView):
    def get(self, request):
        return Response({"message": "pong"})


class VersionView(KimaiView):
    def get(self, request):
        return Response(
            {
                "version": KIMAI_VERSION,
                "versionId": KIMAI_VERSION_ID,
                "copyright": f"TimeTracker {__version__}, answering Kimai's API",
            }
        )


class PluginsView(KimaiView):
    def get(self, request):
        """No Kimai plugins (Kemai asks, to offer the task plugin's screens)."""
        return Response([])


class TimesheetConfigView(KimaiView):
    def get(self, request):
        """Begin and end typed freely; one running timer (starting another stops it);
        overlaps and future times allowed, as TimeTracker allows them."""
        return Response(
            {
                "trackingMode": "default",
                "defaultBeginTime": "now",
                "activeEntriesHardLimit": 1,
                "activeEntriesSoftLimit": 1,
                "isAllowFutureTimes": True,
                "isAllowOverlapping": True,
            }
        )


class MeView(KimaiView):
    def get(self, request):
        user = request.user
        name = user.get_full_name()
        roles = ["ROLE_USER"] + (["ROLE_SUPER_ADMIN"] if user.is_superuser else [])
        return Response(
            {
                "id": user.pk,
                "username": user.get_username(),
                "alias": name or None,
                "title": None,
                "avatar": None,
                "accountNumber": None,
                "initials": "".join(part[0] for part in (name or user.get_username()).split()[:2]),
                "enabled": user.is_active,
                "language": settings.LANGUAGE_CODE.split("-")[0],
                "timezone": timezone.get_current_timezone_name(),
                "supervisor": None,
                "roles": roles,
                "teams": [],
                "memberships": [],
                "preferences": [],
                "color": None,
                "apiToken": True,
            }
        )


class CustomerListView(KimaiView):
    def get(self, request):
        """Every client, in one list (Kimai does not page them)."""
        query = catalogue_query(request)
        clients = visible_only(Client.objects.all(), query["visible"], Q(archived=False))
        if query.get("term"):
            clients = clients.filter(name__icontains=query["term"])
        clients = ordered(clients, request.query_params, {"id": "pk", "name": "name"}, "name")
        found = [shapes.customer(client, self.currency) for client in clients]
        if (
            query["visible"] != HIDDEN
            and query.get("term", "").lower() in shapes.INTERNAL_CUSTOMER.name.lower()
            and Project.objects.filter(client=None).exists()
        ):
            found.append(shapes.customer(None, self.currency))  # internal work, last
        return Response(found)


class CustomerView(KimaiView):
    def get(self, request, pk):
        client = None if pk == shapes.NO_CLIENT else get_object_or_404(Client, pk=pk)
        return Response(shapes.customer(client, self.currency, entity=True))


class ProjectListView(KimaiView):
    def get(self, request):
        params, query = request.query_params, catalogue_query(request)
        projects = Project.objects.select_related("client")
        projects = visible_only(projects, query["visible"], Q(archived=False))
        projects = projects.filter(customers(params, "client"))
        if query.get("term"):
            projects = projects.filter(name__icontains=query["term"])
        projects = ordered(projects, params, {"id": "pk", "name": "name"}, "name")
        return Response([shapes.project(project) for project in projects])


class ProjectView(KimaiView):
    def get(self, request, pk):
        project = get_object_or_404(Project.objects.select_related("client"), pk=pk)
        return Response(shapes.project(project, entity=True))


class ActivityListView(KimaiView):
    def get(self, request):
        """A project's tasks (every project's without ``project``) and the global "no
        task" activity; ``globals=true``: that one alone."""
        params, query = request.query_params, catalogue_query(request)
        tasks = Task.objects.select_related("project").order_by("project__name", "title", "pk")
        tasks = visible_only(tasks, query["visible"], OPEN_TASKS)
        projects = ids(params, "project", "projects")
        if projects:
            tasks = tasks.filter(project__in=projects)
        term = query.get("term", "").lower()
        if term:
            tasks = tasks.filter(title__icontains=term)
        activities = []
        if params.get("globals", "").lower() not in ("1", "true"):
            activities = [shapes.activity(task) for task in tasks]
        if query["visible"] != HIDDEN and term in shapes.NO_TASK_NAME:
            activities.insert(0, shapes.activity(None))
        return Response(activities)


def tags_named(request):
    """Tags whose name contains ``name``, by name."""
    tags = Tag.objects.order_by("name")
    if request.query_params.get("name"):
        tags = tags.filter(name__icontains=request.query_params["name"])
    return tags


class TagListView(KimaiView):
    def get(self, request):
        """Tag names."""
        return Response(list(tags_named(request).values_list("name", flat=True)))


class TagFindView(KimaiView):
    def get(self, request):
        tags = tags_named(request)
        return Response(
            [{"id": tag.pk, "name": tag.name, "color": tag.color, "visible": True} for tag in tags]
        )


class TimesheetQuery(serializers.Serializer):
    """``GET timesheets``' parameters (the lists of ids are read by ``ids``)."""

    user = serializers.CharField(required=False)
    begin = MomentField(required=False)
    end = MomentField(required=False)
    active = serializers.BooleanField(required=False, allow_null=True, default=None)
    billable = serializers.BooleanField(required=False, allow_null=True, default=None)
    exported = serializers.BooleanField(required=False, allow_null=True, default=None)
    term = serializers.CharField(required=False, allow_blank=True)
    modified_after = MomentField(required=False, default_timezone=UTC)  # UTC, as in Kimai
    full = serializers.BooleanField(required=False, default=False)
    order = serializers.ChoiceField(["ASC", "DESC", "asc", "desc"], required=False)
    orderBy = serializers.ChoiceField(["id", "begin", "end", "rate"], required=False)

    def validate_user(self, value):
        """``all``, or a person's id."""
        if value == "all":
            return value
        try:
            return id_number().run_validation(value)
        except ValidationError:
            raise serializers.ValidationError("Give a person's id, or “all”.") from None


class TimesheetViewMixin:
    """An entry the person may see, as ``/api/v1/entries/`` finds it, with what a Kimai
    timesheet shows."""

    def entries(self):
        return entries_for(self.request.user).select_related("project__client", "task__project")

    def entry(self, pk):
        return get_object_or_404(self.entries(), pk=pk)

    def entity(self, entry):
        """An entry read through ``entries``, as Kimai's entity: 200."""
        return Response(shapes.timesheet(entry, self.currency, entity=True))

    def answer(self, entry):
        """An entry just written, read again as stored (its tags, its invoice)."""
        return self.entity(self.entry(entry.pk))

    def save(self, data, entry=None):
        """``/api/v1/``'s entry rules and writes (``EntrySerializer``)."""
        serializer = EntrySerializer(
            entry, data=data, partial=entry is not None, context={"request": self.request}
        )
        serializer.is_valid(raise_exception=True)
        return serializer.save()


class TimesheetListView(TimesheetViewMixin, KimaiView):
    permission_classes = [*DEFAULT_PERMISSIONS, EntryOwnership]

    def get(self, request):
        """Your timesheets (``user=all`` or an id: others', with the permission to see
        everyone's), newest first, 50 a page."""
        params = request.query_params
        query = TimesheetQuery(data=params)
        query.is_valid(raise_exception=True)
        wanted = query.validated_data
        filters = {
            "start_after": wanted.get("begin"),
            "modified_after": wanted.get("modified_after"),
            "project": ids(params, "project", "projects"),
            "running": wanted["active"],
            "billable": wanted["billable"],
            "locked": wanted["exported"],
            "notes": wanted.get("term"),
        }
        who = wanted.get("user")
        if who != "all":
            filters["user"] = who or request.user.pk
        entries = filtered_entries(request.user, filters, self.entries())
        entries = entries.filter(customers(params, "project__client"))
        if wanted.get("end"):
            entries = entries.filter(start__lte=wanted["end"])
        activities = ids(params, "activity", "activities")
        if activities:
            no_task = Q(task__isnull=True) if shapes.NO_TASK in activities else Q()
            entries = entries.filter(Q(task__in=activities) | no_task)
        entries = ordered(
            entries.annotate(amount=AMOUNT),
            params,
            {"id": "pk", "begin": "start", "end": "end", "rate": "amount"},
            "begin",
            "DESC",
        )
        paginator = KimaiPagination()
        page = paginator.paginate_queryset(entries, request, view=self)
        full = wanted["full"]
        return paginator.get_paginated_response(
            [shapes.timesheet(entry, self.currency, expanded=full) for entry in page]
        )

    def post(self, request):
        """A timesheet; without ``end`` a running timer, which stops the one running (as
        Kimai's limit of one active entry does). Without ``begin``: now."""
        kimai = shapes.TimesheetSerializer(data=request.data, context={"request": request})
        kimai.is_valid(raise_exception=True)
        data = kimai.entry_data()
        data.setdefault("start", timezone.now().replace(microsecond=0))
        with transaction.atomic():
            if data.get("end") is None:
                TimeEntry.objects.make_room_for_timer(request.user)
            entry = self.save(data)
        return self.answer(entry)


class TimesheetView(TimesheetViewMixin, KimaiView):
    permission_classes = [*DEFAULT_PERMISSIONS, EntryOwnership]

    def get(self, request, pk):
        return self.entity(self.entry(pk))

    def patch(self, request, pk):
        entry = self.entry(pk)
        self.check_object_permissions(request, entry)
        kimai = shapes.TimesheetSerializer(
            data=request.data, partial=True, context={"request": request}
        )
        kimai.is_valid(raise_exception=True)
        return self.answer(self.save(kimai.entry_data(), entry))

    def delete(self, request, pk):
        """To the trash, as everywhere (restored from the entries page)."""
        entry = self.entry(pk)
        self.check_object_permissions(request, entry)
        entry.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class ActiveView(TimesheetViewMixin, KimaiView):
    def get(self, request):
        """Your running timer, in a list (a timer past TIMER_MAX_HOURS is stopped first)."""
        running = request.timer.running
        if running is None:
            return Response([])
        entry = self.entry(running.pk)
        return Response([shapes.timesheet(entry, self.currency, expanded=True)])


class RecentQuery(serializers.Serializer):
    size = serializers.IntegerField(min_value=1, max_value=RECENT_MAX, default=RECENT_DEFAULT)
    begin = MomentField(required=False)


class RecentView(TimesheetViewMixin, KimaiView):
    def get(self, request):
        """Your latest entry of each recent project and task (``size``, 10 by default),
        newest first: work to start again."""
        query = RecentQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        begin = query.validated_data.get("begin")
        entries = self.entries()
        if begin:
            entries = entries.filter(start__gte=begin)
        return Response(
            [
                shapes.timesheet(entry, self.currency, expanded=True)
                for entry in entries.recent_work(request.user, query.validated_data["size"])
            ]
        )


class StopView(TimesheetViewMixin, KimaiView):
    permission_classes = [*DEFAULT_PERMISSIONS, EntryOwnership]
    writes_on_get = True  # Kimai clients before 2.0 stop with GET: a write all the same
    http_method_names = ["get", "patch", "options"]  # not HEAD: a prefetch stops nothing

    def patch(self, request, pk):
        entry = self.entry(pk)
        self.check_object_permissions(request, entry)
        with transaction.atomic():
            locked = TimeEntry.objects.select_for_update().get(pk=entry.pk)
            if locked.end is None:  # stopping a stopped entry changes nothing, as in Kimai
                locked.stop()
        return self.answer(locked)

    def get(self, request, pk):
        """Only from a token's client: a browser's session would let any page's link stop
        its person's timer (CSRF protects writes, not GET)."""
        if not isinstance(request.auth, ApiToken):
            raise MethodNotAllowed("GET")
        return self.patch(request, pk)


class RestartSerializer(serializers.Serializer):
    copy = serializers.ChoiceField(["all"], required=False, allow_null=True)
    begin = MomentField(required=False)


class RestartView(TimesheetViewMixin, KimaiView):
    permission_classes = [*DEFAULT_PERMISSIONS, EntryOwnership]

    def patch(self, request, pk):
        """A new running timer for you on the same project and task (``copy=all``: with
        its description and tags too), stopping the one running."""
        entry = self.entry(pk)
        restart = RestartSerializer(data=request.data)
        restart.is_valid(raise_exception=True)
        copy_all = restart.validated_data.get("copy") == "all"
        with transaction.atomic():
            # The running timer ends now, whenever the new one begins (as in Kimai).
            TimeEntry.objects.make_room_for_timer(request.user)
            started = TimeEntry.objects.start_timer(
                request.user,
                entry.project,
                task=entry.task,
                notes=entry.notes if copy_all else "",
                billable=entry.billable if copy_all else None,
                at=restart.validated_data.get("begin"),
                tags=list(entry.tags.all()) if copy_all else (),
            )
        return self.answer(started)


class DuplicateView(TimesheetViewMixin, KimaiView):
    permission_classes = [*DEFAULT_PERMISSIONS, EntryOwnership]

    def patch(self, request, pk):
        """A copy of the entry, for you, at the very same moments."""
        return self.answer(self.entry(pk).duplicate(request.user))


class NotFoundView(KimaiView):
    """Any other path under /api/: Kimai's 404, in JSON like every answer."""

    def dispatch_unknown(self, request, *args, **kwargs):
        raise NotFound()

    get = post = patch = put = delete = dispatch_unknown
