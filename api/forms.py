from django import forms

from api.models import MAX_EXPIRY_DAYS, ApiToken

EXPIRY_RANGE = f"Choose between 1 and {MAX_EXPIRY_DAYS} days."


class TokenForm(forms.ModelForm):
    """A new token's name, scope and expiry: the rules for Preferences → API tokens and for
    ``manage.py create_api_token`` alike."""

    expires_days = forms.IntegerField(
        label="Expires after (days)",
        required=False,
        min_value=1,
        max_value=MAX_EXPIRY_DAYS,
        error_messages={"min_value": EXPIRY_RANGE, "max_value": EXPIRY_RANGE},
        help_text="Empty: never expires (you can revoke it any time).",
    )

    class Meta:
        model = ApiToken
        fields = ["name", "read_only"]
        labels = {"read_only": "Read-only"}
