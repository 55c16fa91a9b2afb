from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from tracking import permissions
from tracking.forms import CommentForm
from tracking.models import Comment, Project, Task
from tracking.views.editing import confirm_delete, save_form


def _get_own_comment(request, pk, action: str = "change") -> Comment:
    """A comment its author (or whoever may change or delete any) may change or delete;
    anyone else gets 404."""
    comment = get_object_or_404(Comment.objects.select_related("project", "task"), pk=pk)
    if not permissions.can_change_comment(request.user, comment, action):
        raise Http404
    return comment


def _add_comment(request, **target):
    form = CommentForm(request.POST)
    if form.is_valid():
        form.instance.author = request.user
        for name, obj in target.items():
            setattr(form.instance, name, obj)
        form.save()
        messages.success(request, "Comment added.")
    else:
        messages.error(request, " ".join(form.errors["text"]))
    return redirect(next(iter(target.values())).get_absolute_url())


@login_required
@require_POST
def project_comment(request, pk):
    return _add_comment(request, project=get_object_or_404(Project, pk=pk))


@login_required
@require_POST
def task_comment(request, pk):
    return _add_comment(request, task=get_object_or_404(Task, pk=pk))


@login_required
def comment_edit(request, pk):
    comment = _get_own_comment(request, pk)
    return save_form(
        request,
        CommentForm(request.POST or None, instance=comment),
        title="Edit comment",
        cancel_url=comment.target.get_absolute_url(),
        success_message="Comment saved.",
        success_url=comment.target.get_absolute_url(),
    )


@login_required
def comment_delete(request, pk):
    comment = _get_own_comment(request, pk, "delete")
    return confirm_delete(
        request,
        comment,
        cancel_url=comment.target.get_absolute_url(),
        success_url=comment.target.get_absolute_url(),
        protected_message="This comment cannot be deleted.",
    )
