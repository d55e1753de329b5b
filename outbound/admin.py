from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from outbound import sender
from outbound.models import OutboundEvent


@admin.register(OutboundEvent)
class OutboundEventAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "type",
        "state",
        "attempts",
        "created_at",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["state", "type"]
    search_fields = ["uid", "last_error"]
    readonly_fields = [f.name for f in OutboundEvent._meta.fields]
    actions = ["redrive"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(
        description="Re-drive selected dead events (send them again)", permissions=["change"]
    )
    def redrive(self, request: HttpRequest, queryset: QuerySet[OutboundEvent]) -> None:
        count = sender.redrive(ids=list(queryset.values_list("pk", flat=True)))
        skipped = queryset.count() - count
        self.message_user(
            request,
            f"{count} re-driven"
            + (f", {skipped} not dead (left as they were)." if skipped else "."),
            messages.SUCCESS,
        )
