from django import forms
from django.contrib.auth.forms import UserCreationForm


class AdminAccountForm(UserCreationForm):
    """The first administrator: username, email and a password checked by the validators."""

    email = forms.EmailField(required=True)

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")

    def save(self, commit=True):
        user = super().save(commit=False)
        user.is_staff = True
        user.is_superuser = True
        if commit:
            user.save()
        return user


class TelemetryChoiceForm(forms.Form):
    telemetry_enabled = forms.BooleanField(
        required=False,
        initial=False,
        label="Share anonymous usage statistics with the TimeTracker developers",
    )
