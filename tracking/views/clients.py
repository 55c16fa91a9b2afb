from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from tracking.forms import ClientForm
from tracking.models import Client
from tracking.permissions import visible_entries
from tracking.views.editing import confirm_delete, permission_required, save_form


@login_required
def client_list(request):
    show_archived = request.GET.get("archived") == "1"
    clients = Client.objects.annotate(
        project_count=Count("projects", filter=Q(projects__archived=False))
    )
    if not show_archived:
        clients = clients.filter(archived=False)
    return render(
        request,
        "tracking/client_list.html",
        {"clients": clients, "show_archived": show_archived},
    )


@login_required
def client_detail(request, pk):
    """The client, its billing details and its projects with this month's time (the time
    the person may see: their own, or everyone's)."""
    client = get_object_or_404(Client, pk=pk)
    today = timezone.localdate()
    month = (
        visible_entries(request.user)
        .filter(project__client=client, end__isnull=False)
        .on_days(today.replace(day=1), today)
        .values("project")
        .annotate(seconds=Sum("duration_seconds"))
        .order_by()
    )
    seconds = {row["project"]: row["seconds"] for row in month}
    projects = list(client.projects.order_by("archived", "name"))
    for project in projects:
        project.month_seconds = seconds.get(project.pk, 0)
    context = {"client": client, "projects": projects, "month": today}
    return render(request, "tracking/client_detail.html", context)


@permission_required("add", Client)
def client_create(request):
    return save_form(
        request,
        ClientForm(request.POST or None),
        title="New client",
        cancel_url="tracking:client_list",
        success_message="Client {obj} created.",
    )


@permission_required("change", Client)
def client_edit(request, pk):
    client = get_object_or_404(Client, pk=pk)
    return save_form(
        request,
        ClientForm(request.POST or None, instance=client),
        title=f"Edit {client}",
        cancel_url=client.get_absolute_url(),
        success_message="Client {obj} saved.",
    )


@permission_required("delete", Client)
def client_delete(request, pk):
    client = get_object_or_404(Client, pk=pk)
    return confirm_delete(
        request,
        client,
        cancel_url=client.get_absolute_url(),
        success_url="tracking:client_list",
        protected_message=(
            f"{client} has projects or invoices, so it cannot be deleted: archive it instead."
        ),
    )
