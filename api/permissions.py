"""The API's permission classes: each asks ``tracking.permissions``, the one policy."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from api.models import ApiToken
from tracking import permissions as policy


class TokenScope(BasePermission):
    """A read-only token may read, never write."""

    message = "This token is read-only."

    def has_permission(self, request, view):
        token = request.auth
        return request.method in SAFE_METHODS or not (
            isinstance(token, ApiToken) and token.read_only
        )


class StaffOnly(BasePermission):
    message = "Only staff may see this."

    def has_permission(self, request, view):
        return policy.can_manage_catalogue(request.user)


class CatalogueWrites(BasePermission):
    """Everyone reads clients and projects; staff create and change them."""

    message = "Only staff may change clients and projects."

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or policy.can_manage_catalogue(request.user)


class TaskWrites(BasePermission):
    """Members create tasks and change the ones they created; staff change any."""

    message = "You may change only the tasks you created."

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or policy.can_create_task(request.user)

    def has_object_permission(self, request, view, obj):
        return request.method in SAFE_METHODS or policy.can_change_task(request.user, obj)
