from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render

from tracking.forms import CommentForm, ProjectForm, is_id
from tracking.models import Project, Task, TimeEntry, budget_use, budget_uses
from tracking.views.editing import confirm_delete, permission_required, save_form


@login_required
def project_list(request):
    show_archived = request.GET.get("archived") == "1"
    projects = Project.objects.select_related("client")
    if not show_archived:
        projects = projects.filter(archived=False)
    projects = list(projects)
    uses = budget_uses(projects)
    for project in projects:
        project.budget = uses.get(project.pk)
    return render(
        request,
        "tracking/project_list.html",
        {"projects": projects, "show_archived": show_archived},
    )


# What a picker's search shows at most; a longer list asks for more letters.
FIND_LIMIT = 20
FIND_MAX_TEXT = 200


@login_required
def project_find(request):
    """JSON: open projects (``archived=1``: all) whose name or client's name contains
    ``q``, with their open tasks, for a long project picker
    (``forms.offer_recent_projects``)."""
    text = request.GET.get("q", "")[:FIND_MAX_TEXT].replace("\x00", "").strip()
    # ``archived=1``: a report's filter may name an archived project; a timer may not.
    matching = Project.objects.matching(text, archived=request.GET.get("archived") == "1")
    projects = list(matching[:FIND_LIMIT]) if text else []
    tasks = {}
    for task in Task.objects.open().filter(project__in=projects).values("pk", "project", "title"):
        tasks.setdefault(task["project"], []).append({"id": task["pk"], "title": task["title"]})
    found = [
        {
            "id": project.pk,
            "name": project.name,
            "client": project.client_name,
            "tasks": tasks.get(project.pk, []),
        }
        for project in projects
    ]
    return JsonResponse(found, safe=False)


@login_required
def project_detail(request, pk):
    project = get_object_or_404(Project.objects.select_related("client"), pk=pk)
    context = {
        "project": project,
        "tasks": project.tasks.all(),
        "comments": project.comments.select_related("author"),
        "comment_form": CommentForm(),
        "my_seconds": TimeEntry.objects.filter(project=project, user=request.user).total_seconds(),
        "budget": budget_use(project),
    }
    return render(request, "tracking/project_detail.html", context)


@permission_required("add", Project)
def project_create(request):
    # "New project for this client" (the client's page) comes with ?client=<id>.
    initial = {"client": request.GET.get("client")} if is_id(request.GET.get("client")) else {}
    return save_form(
        request,
        ProjectForm(request.POST or None, initial=initial),
        title="New project",
        cancel_url="tracking:project_list",
        success_message="Project {obj} created.",
    )


@permission_required("change", Project)
def project_edit(request, pk):
    project = get_object_or_404(Project, pk=pk)
    return save_form(
        request,
        ProjectForm(request.POST or None, instance=project),
        title=f"Edit {project}",
        cancel_url=project.get_absolute_url(),
        success_message="Project {obj} saved.",
    )


@permission_required("delete", Project)
def project_delete(request, pk):
    project = get_object_or_404(Project, pk=pk)
    return confirm_delete(
        request,
        project,
        cancel_url=project.get_absolute_url(),
        success_url="tracking:project_list",
        protected_message=(
            f"{project} has time entries, tasks or invoices, so it cannot be deleted: "
            "archive it instead."
        ),
    )
