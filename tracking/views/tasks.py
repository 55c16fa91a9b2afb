from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils.http import urlencode

from tracking import permissions
from tracking.forms import CommentForm, TaskForm
from tracking.models import Task, TimeEntry
from tracking.views.editing import confirm_delete, save_form
from tracking.views.paging import ListPage


def _get_task_to_change(request, pk, action: str = "change") -> Task:
    """A task the user may change (or delete): everyone sees tasks, so others get 403."""
    task = get_object_or_404(Task, pk=pk)
    if not permissions.can_change_task(request.user, task, action):
        raise PermissionDenied
    return task


@login_required
def task_list(request):
    """Tasks by project and title, a page at a time: an agency has thousands."""
    status = request.GET.get("status", "")
    status = status if status in Task.Status.values else ""
    context = {
        "page": ListPage.of(Task.objects.listed(status), request.GET.get("page")),
        "status": status,
        "statuses": Task.Status.choices,
        "query": urlencode({"status": status}) if status else "",  # kept by the pages
    }
    return render(request, "tracking/task_list.html", context)


@login_required
def task_detail(request, pk):
    task = get_object_or_404(Task.objects.select_related("project"), pk=pk)
    seconds = TimeEntry.objects.filter(task=task, end__isnull=False).total_seconds()
    context = {
        "task": task,
        "task_seconds": seconds,
        "estimate_percent": task.estimate_used_percent(seconds),
        "comments": task.comments.select_related("author"),
        "comment_form": CommentForm(),
        "can_change": permissions.can_change_task(request.user, task),
        "can_delete": permissions.can_change_task(request.user, task, "delete"),
    }
    return render(request, "tracking/task_detail.html", context)


@login_required
def task_create(request):
    if not permissions.can_create_task(request.user):
        raise PermissionDenied
    form = TaskForm(request.POST or None, initial={"project": request.GET.get("project")})
    form.instance.created_by = request.user
    return save_form(
        request,
        form,
        title="New task",
        cancel_url="tracking:task_list",
        success_message="Task {obj} created.",
    )


@login_required
def task_edit(request, pk):
    task = _get_task_to_change(request, pk)
    return save_form(
        request,
        TaskForm(request.POST or None, instance=task),
        title=f"Edit {task}",
        cancel_url=task.get_absolute_url(),
        success_message="Task {obj} saved.",
    )


@login_required
def task_delete(request, pk):
    task = _get_task_to_change(request, pk, "delete")
    return confirm_delete(
        request,
        task,
        cancel_url=task.get_absolute_url(),
        success_url="tracking:task_list",
        protected_message=f"{task} cannot be deleted: set it to done instead.",
    )
