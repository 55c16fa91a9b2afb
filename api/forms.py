from django import forms

from api.models import MAX_EXPIRY_DAYS, ApiToken


class TokenForm(forms.ModelForm):
    expires_days = forms.IntegerField(
        label="Expires after (days)",
        required=False,
        min_value=1,
        max_value=MAX_EXPIRY_DAYS,
        help_text="Empty: never expires (you can revoke it any time).",
    )

    class Meta:
        model = ApiToken
        fields = ["name", "read_only"]
        labels = {"read_only": "Read-only"}
