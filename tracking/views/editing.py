"""The create/edit/delete steps shared by the tracking pages."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.shortcuts import redirect, render, resolve_url

from tracking import permissions


def permission_required(action: str, model):
    """Those with the model permission only (tracking.permissions): others are sent to log
    in, or answered 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request, *args, **kwargs):
            if not permissions.can(request.user, action, model):
                name = model._meta.verbose_name_plural
                raise PermissionDenied(f"You may not {action} {name}: ask an administrator.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def save_form(request, form, *, title, cancel_url, success_message, success_url=None):
    """Validate and save a bound form, or render it (again) with its errors."""
    if request.method == "POST" and form.is_valid():
        obj = form.save()
        messages.success(request, success_message.format(obj=obj))
        return redirect(success_url or obj.get_absolute_url())
    context = {"form": form, "title": title, "cancel_url": resolve_url(cancel_url)}
    return render(request, "tracking/form.html", context)


def confirm_delete(request, obj, *, cancel_url, success_url, protected_message):
    """Ask before deleting; a protected object (it owns time or comments) is refused."""
    if request.method == "POST":
        try:
            obj.delete()
        except ProtectedError as exc:
            owned = sorted({str(o._meta.verbose_name_plural) for o in exc.protected_objects})
            messages.error(request, f"{protected_message} It still has {' and '.join(owned)}.")
            return redirect(cancel_url)
        except ValidationError as exc:  # refused by the model: e.g. on a sent invoice
            messages.error(request, " ".join(exc.messages))
            return redirect(cancel_url)
        messages.success(request, f"Deleted {obj}.")
        return redirect(success_url)
    context = {"object": obj, "cancel_url": resolve_url(cancel_url)}
    return render(request, "tracking/confirm_delete.html", context)
