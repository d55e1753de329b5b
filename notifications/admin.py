from django.contrib import admin

from notifications.models import Message, PushSubscription


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "recipient", "level", "text", "created_at", "read_at"]
    list_filter = ["level", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["text", "recipient__username", "source_id"]
    raw_id_fields = ["recipient"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "endpoint", "created_at", "last_error"]
    search_fields = ["user__username", "endpoint"]
    raw_id_fields = ["user"]
    readonly_fields = ["endpoint", "p256dh", "auth", "created_at"]
