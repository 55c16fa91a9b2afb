from django.contrib import admin, messages

from api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Every person's tokens: staff see them and revoke them. Tokens are made by their
    owners (Preferences → API tokens) or by ``manage.py create_api_token``: a token's secret
    exists only in the answer that made it."""

    list_display = ["name", "user", "display", "scope", "created_at", "expires_at"]
    list_display += ["last_used_at", "revoked_at"]
    list_filter = ["read_only", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "user__username", "hint"]
    list_select_related = ["user"]
    readonly_fields = ["user", "name", "display", "read_only", "created_at", "expires_at"]
    readonly_fields += ["last_used_at", "revoked_at"]
    fields = readonly_fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Token")
    def display(self, token):
        return token.display

    @admin.action(description="Revoke selected tokens", permissions=["view"])
    def revoke(self, request, queryset):
        revoked = sum(token.revoke() for token in queryset)
        self.message_user(request, f"Revoked {revoked} token(s).", messages.SUCCESS)
