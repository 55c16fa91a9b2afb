import secrets

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from setupwizard import installation
from setupwizard.forms import AdminAccountForm, TelemetryChoiceForm
from setupwizard.middleware import setup_is_complete
from setupwizard.signals import setup_completed


def _token_is_valid(given: str, expected: str | None) -> bool:
    return bool(expected) and secrets.compare_digest(given.encode(), expected.encode())


@never_cache
@csrf_protect
def setup(request):
    """The first-run wizard, reachable only with the token printed on the server console."""
    if setup_is_complete():
        return redirect("tracking:dashboard")
    state = installation.get_state()
    if state.problem:
        return render(request, "setupwizard/store_problem.html", {"state": state}, status=503)
    token = request.POST.get("token") or request.GET.get("token") or ""
    if not _token_is_valid(token, state.installation.setup_token):
        return render(request, "setupwizard/forbidden.html", status=403)

    needs_admin = not get_user_model().objects.filter(is_superuser=True).exists()
    data = request.POST if request.method == "POST" else None
    account_form = AdminAccountForm(data, prefix=None) if needs_admin else None
    telemetry_form = TelemetryChoiceForm(data)
    forms_valid = data is not None and telemetry_form.is_valid()
    if forms_valid and account_form is not None:
        forms_valid = account_form.is_valid()
    if forms_valid:
        telemetry_enabled = telemetry_form.cleaned_data["telemetry_enabled"]
        try:
            with transaction.atomic():
                user = account_form.save() if account_form else None
                installation.complete_setup(telemetry_enabled)
        except (installation.StoreError, OSError) as exc:
            telemetry_form.add_error(None, f"The installation store could not be saved: {exc}")
        else:
            setup_completed.send(
                sender=setup, user=user, telemetry_enabled=telemetry_enabled, source="setup"
            )
            if user is not None:
                # The accounts' backend, after django-axes's (which only counts failures).
                login(request, user, backend=settings.AUTHENTICATION_BACKENDS[-1])
            return redirect("tracking:dashboard")
    return render(
        request,
        "setupwizard/setup.html",
        {"account_form": account_form, "telemetry_form": telemetry_form, "token": token},
    )
