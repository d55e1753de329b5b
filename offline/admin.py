"""Admin for Web Push subscriptions and what each channel took (shown, never edited)."""

from django.contrib import admin
from django.http import HttpRequest

from offline.models import PushSubscription, Taken


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "endpoint", "created_at", "last_error"]
    search_fields = ["user__username", "endpoint"]
    raw_id_fields = ["user"]
    readonly_fields = ["endpoint", "p256dh", "auth", "created_at"]


@admin.register(Taken)
class TakenAdmin(admin.ModelAdmin):
    """Bookkeeping of the senders (offline/taken.py): a row means "sent once, never again"."""

    list_display = ["message", "channel", "taken_at"]
    list_filter = ["channel"]
    raw_id_fields = ["message"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Taken | None = None) -> bool:
        return False
