"""Who may change what: the one policy that views, templates and the admin ask.

- Time entries are private: their owner changes them; staff see and change everyone's.
- The catalogue is shared: everyone reads clients, projects and tasks. Staff manage clients
  and projects. Members may create tasks and change or delete the tasks they created;
  staff may change any task.
- Comments: their author or staff.
- Invoices: staff.
Deleting never cascades over people's work: anything that owns time or comments is
protected in the database and the deletion is refused with a message.
"""

from tracking.models import Comment, Task, TimeEntry


def can_manage_catalogue(user) -> bool:
    """Create, edit and delete clients and projects; manage invoices."""
    return user.is_active and user.is_staff


def can_create_task(user) -> bool:
    return user.is_active


def can_change_task(user, task: Task) -> bool:
    return can_manage_catalogue(user) or (user.is_active and task.created_by_id == user.pk)


def can_change_comment(user, comment: Comment) -> bool:
    return user.is_active and (user.is_staff or comment.author_id == user.pk)


def can_change_entry(user, entry: TimeEntry) -> bool:
    return user.is_active and (user.is_staff or entry.user_id == user.pk)
