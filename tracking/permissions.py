"""Who may do what: the one policy that views, templates, the admin and the API ask.

What a person may do to shared things is Django's model permissions (``tracking.add_client``
and so on), granted through groups in the admin; superusers may do everything. The roles
made by migration 0013 (README, "Roles"):

- everyone: their own time entries, tasks they create (and change and delete), comments
  they write; reading clients, projects and tasks;
- *Manager*: also clients, projects and invoices; everyone's entries, tasks and comments;
- *Administrator*: a Manager who also manages user accounts in the admin.

Ownership comes on top: an entry is its owner's unless the person may view (and change or
delete) everyone's; a task or comment is its author's unless the person may change (delete)
any. Deleting never cascades over people's work: anything that owns time or comments is
protected in the database and the deletion is refused with a message.
"""

from django.contrib.auth import backends, get_user_model
from django.contrib.auth.models import Permission
from django.db import models
from django.db.models import Q

from tracking.models import Client, Comment, Project, Task, TimeEntry


class ModelBackend(backends.ModelBackend):
    """Django's model permissions, with a person's own and their groups' read in one query
    (a union) instead of two: every page asks, for its menu and its filters."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            names = ("content_type__app_label", "codename")
            if user_obj.is_superuser:
                perms = Permission.objects.values_list(*names)
            else:
                own = self._get_user_permissions(user_obj).values_list(*names).order_by()
                groups = self._get_group_permissions(user_obj).values_list(*names).order_by()
                perms = own.union(groups)
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in perms}
        return user_obj._perm_cache


def can(user, action: str, model: type[models.Model]) -> bool:
    """Django's model permission ``<app>.<action>_<model>``: add, change, delete or view."""
    meta = model._meta
    return user.is_active and user.has_perm(f"{meta.app_label}.{action}_{meta.model_name}")


def sees_everyones_entries(user) -> bool:
    return can(user, "view", TimeEntry)


def visible_entries(user, entries=None):
    """The entries ``user`` may see: their own, or everyone's with the view permission.
    ``entries`` may be any rows of a person's time (the running totals, say)."""
    entries = TimeEntry.objects.all() if entries is None else entries
    return entries if sees_everyones_entries(user) else entries.filter(user=user)


def can_change_entry(user, entry: TimeEntry, action: str = "change") -> bool:
    """Change (or delete) an entry: its owner, or whoever may do so to any entry."""
    return user.is_active and (entry.user_id == user.pk or can(user, action, TimeEntry))


def can_create_task(user) -> bool:
    return user.is_active


def can_change_task(user, task: Task, action: str = "change") -> bool:
    """Change (or delete) a task: who created it, or whoever may do so to any task."""
    return user.is_active and (task.created_by_id == user.pk or can(user, action, Task))


def can_change_comment(user, comment: Comment, action: str = "change") -> bool:
    return user.is_active and (comment.author_id == user.pk or can(user, action, Comment))


def can_add_catalogue(user) -> bool:
    """Add clients and projects (as an import naming new ones does)."""
    return can(user, "add", Client) and can(user, "add", Project)


def can_import_for_others(user) -> bool:
    """Put imported rows on other people (by their email): who may change anyone's
    entries."""
    return can(user, "change", TimeEntry)


def project_managers():
    """Active people who may change projects (the Manager role, superusers): who hears of a
    project's budget."""
    perm = Q(codename="change_project", content_type__app_label="tracking")
    granted = Q(is_superuser=True)
    granted |= Q(user_permissions__in=_permissions(perm)) | Q(
        groups__permissions__in=_permissions(perm)
    )
    return get_user_model().objects.filter(granted, is_active=True).distinct()


def _permissions(condition):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(condition)
