"""Preferences → API tokens: a person's own tokens, made and revoked in the web UI."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from api.forms import TokenForm
from api.models import ApiToken

app_name = "tokens"


@login_required
def token_list(request):
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        _, secret = ApiToken.objects.create_token(request.user, **form.cleaned_data)
        form = TokenForm()  # the secret is shown once, on this very answer
    tokens = ApiToken.objects.filter(user=request.user, revoked_at__isnull=True)
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": tokens, "secret": secret},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if token.revoke():
        messages.success(request, f"Revoked the token “{token.name}”: it no longer works.")
    return redirect("tokens:list")


urlpatterns = [
    path("", token_list, name="list"),
    path("<int:pk>/revoke/", token_revoke, name="revoke"),
]
