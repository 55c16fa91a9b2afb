"""The API's permission classes: each asks ``tracking.permissions``, the one policy."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from api.models import ApiToken
from tracking import permissions as policy

# What each method does to a model, in Django's model permissions.
ACTIONS = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}


def is_read(request, view) -> bool:
    """A request that only reads: a safe method, unless the view writes on it
    (``writes_on_get``: old Kimai clients stop a timer with GET)."""
    return request.method in SAFE_METHODS and not getattr(view, "writes_on_get", False)


class TokenScope(BasePermission):
    """A read-only token may read, never write."""

    message = "This token is read-only."

    def has_permission(self, request, view):
        token = request.auth
        return is_read(request, view) or not (isinstance(token, ApiToken) and token.read_only)


class ModelPermission(BasePermission):
    """Everyone reads the view's model; writing needs the model permission for the method.
    ``read_needs_permission`` makes reading need ``view`` too (invoices)."""

    read_needs_permission = False

    def has_permission(self, request, view):
        model = view.queryset.model
        if request.method in SAFE_METHODS:
            return not self.read_needs_permission or policy.can(request.user, "view", model)
        return policy.can(request.user, ACTIONS.get(request.method, "change"), model)


class ViewPermission(ModelPermission):
    read_needs_permission = True
    message = "You may not see these: ask an administrator."


class EntryOwnership(BasePermission):
    """An entry one may see (their own, or everyone's with the view permission) is changed
    or deleted by its owner, or by whoever may change (delete) any entry."""

    message = "You may not change someone else's entry."

    def has_object_permission(self, request, view, obj):
        if is_read(request, view):
            return True
        return policy.can_change_entry(request.user, obj, ACTIONS.get(request.method, "change"))


class TaskWrites(BasePermission):
    """Everyone creates tasks and changes the ones they created; changing any other task
    needs the permission to change tasks."""

    message = "You may change only the tasks you created."

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or policy.can_create_task(request.user)

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        return policy.can_change_task(request.user, obj, ACTIONS.get(request.method, "change"))
