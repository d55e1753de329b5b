from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from webhooks import services
from webhooks.models import ProcessedMessage, UnmatchedMessage


@admin.register(ProcessedMessage)
class ProcessedMessageAdmin(admin.ModelAdmin):
    list_display = ["message_id", "type", "topic_arn", "sent_at", "received_at", "outcome"]
    list_filter = ["type", "topic_arn"]
    search_fields = ["message_id", "outcome"]
    readonly_fields = [f.name for f in ProcessedMessage._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(UnmatchedMessage)
class UnmatchedMessageAdmin(admin.ModelAdmin):
    list_display = ["message_id", "reason", "received_at", "redrive_count", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter), "topic_arn"]
    search_fields = ["message_id", "reason", "message"]
    readonly_fields = [f.name for f in UnmatchedMessage._meta.fields]
    actions = ["redrive"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(
        description="Re-drive selected messages (dispatch them again)",
        permissions=["change"],
    )
    def redrive(self, request: HttpRequest, queryset: QuerySet[UnmatchedMessage]) -> None:
        applied = failed = 0
        for pk in queryset.values_list("pk", flat=True):
            if services.redrive_unmatched(unmatched_id=pk):
                applied += 1
            else:
                failed += 1
        self.message_user(
            request,
            f"{applied} applied, {failed} still unmatched.",
            messages.SUCCESS if not failed else messages.WARNING,
        )
