from django.contrib import admin
from django.contrib.admin import helpers
from django.http import HttpRequest
from django.template.response import TemplateResponse

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
    def revoke(self, request: HttpRequest, queryset) -> TemplateResponse | None:
        # Revoking cannot be undone, so, like "Delete selected", it asks first.
        if request.POST.get("post") != "yes":
            return TemplateResponse(
                request,
                "admin/accounts/apitoken/revoke_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Revoke tokens?",
                    "opts": self.model._meta,
                    "tokens": list(queryset.select_related("user")),
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                },
            )
        tokens = list(queryset)
        services.revoke_tokens(tokens=tokens)
        self.message_user(request, f"Revoked {len(tokens)} token(s); their sockets are closed.")
        return None
