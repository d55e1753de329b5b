"""The export and erase actions on users in the admin, beside notifications' notify action
(notifications/admin.py, which registers the user admin first: it comes first in
INSTALLED_APPS)."""

import json

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from notifications.admin import action_page, registered_user_admin
from userdata import services as userdata

User = get_user_model()
# Whatever admin the user model has (notifications' here), with two actions more.
_UserAdmin = registered_user_admin()


@admin.register(User)
class UserAdmin(_UserAdmin):
    actions = [*(_UserAdmin.actions or []), "export_notifications", "erase_notifications"]

    @admin.action(description="Export the selected users' notifications (JSON)")
    def export_notifications(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        """One download: a list of each user's export (userdata/services.py)."""
        exports = [userdata.export(user=user) for user in queryset.order_by("pk")]
        response = HttpResponse(json.dumps(exports, indent=1), content_type="application/json")
        response["Content-Disposition"] = 'attachment; filename="notifications-export.json"'
        return response

    @admin.action(description="Erase the selected users' notifications", permissions=["change"])
    def erase_notifications(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """A confirmation page first; on submit every message and counter of each user."""
        if "erase" in request.POST:
            erased = sum(userdata.erase(user=user) for user in queryset)
            self.message_user(
                request,
                f"Erased {erased} notification(s) of {queryset.count()} user(s).",
                messages.SUCCESS,
            )
            return None
        return action_page(
            self,
            request,
            "admin/userdata/erase_users.html",
            "Erase notifications",
            queryset=queryset,
        )
