from django.contrib import admin

from accounts import services
from accounts.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "name", "prefix"]
    # Revoking goes through the action, which also closes the token's sockets.
    readonly_fields = ["prefix", "created_at", "revoked_at"]
    raw_id_fields = ["user"]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        # Tokens are shown once at creation: `manage.py create_token`.
        return False

    @admin.action(description="Revoke selected tokens (closes their sockets)")
    def revoke(self, request, queryset) -> None:
        services.tokens_revoke(tokens=list(queryset))
