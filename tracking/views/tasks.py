from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from tracking.forms import CommentForm, TaskForm
from tracking.models import Task
from tracking.views.editing import confirm_delete, save_form


@login_required
def task_list(request):
    status = request.GET.get("status", "")
    tasks = Task.objects.select_related("project")
    if status in Task.Status.values:
        tasks = tasks.filter(status=status)
    return render(
        request,
        "tracking/task_list.html",
        {"tasks": tasks, "status": status, "statuses": Task.Status.choices},
    )


@login_required
def task_detail(request, pk):
    task = get_object_or_404(Task.objects.select_related("project"), pk=pk)
    context = {
        "task": task,
        "comments": task.comments.select_related("author"),
        "comment_form": CommentForm(),
    }
    return render(request, "tracking/task_detail.html", context)


@login_required
def task_create(request):
    initial = {"project": request.GET.get("project")}
    return save_form(
        request,
        TaskForm(request.POST or None, initial=initial),
        title="New task",
        cancel_url="tracking:task_list",
        success_message="Task {obj} created.",
    )


@login_required
def task_edit(request, pk):
    task = get_object_or_404(Task, pk=pk)
    return save_form(
        request,
        TaskForm(request.POST or None, instance=task),
        title=f"Edit {task}",
        cancel_url=task.get_absolute_url(),
        success_message="Task {obj} saved.",
    )


@login_required
def task_delete(request, pk):
    task = get_object_or_404(Task, pk=pk)
    return confirm_delete(
        request,
        task,
        cancel_url=task.get_absolute_url(),
        success_url="tracking:task_list",
        protected_message=f"{task} has time entries, so it cannot be deleted.",
    )
