"""Admin for messages and push subscriptions.

Messages are written through the services, never by the ModelForm's own save: a message
added here is `services.notify`'s, and a change is `services.edit_message`'s, so both are
validated like any producer's (a `javascript:` link saved here would be clickable in
the inbox) and reach the user's open tabs live.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from notifications import services, validators
from notifications.models import Message, PushSubscription


class MessageForm(forms.ModelForm):
    class Meta:
        model = Message
        fields = ["recipient", "text", "level", "link"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        checks = {
            "text": validators.clean_text,
            "level": validators.clean_level,
            "link": validators.clean_link,
        }
        for field, check in checks.items():
            if field in data:
                try:
                    data[field] = check(data[field])
                except validators.InvalidNotification as exc:
                    self.add_error(field, str(exc))
        return data


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    form = MessageForm
    list_display = ["id", "recipient", "level", "text", "created_at", "read_at"]
    list_filter = ["level", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["text", "recipient__username", "source_id"]
    raw_id_fields = ["recipient"]
    # Bookkeeping is the services' (read and seen by the user's clients, source_id by the
    # producer): shown, never edited here.
    bookkeeping = [
        "source_id",
        "collapse_key",
        "created_at",
        "updated_at",
        "read_at",
        "seen_at",
        "pushed_at",
    ]

    def get_fields(self, request: HttpRequest, obj: Message | None = None) -> list[str]:
        if obj is None:
            return ["recipient", "text", "level", "link"]
        return ["recipient", "text", "level", "link", *self.bookkeeping]

    def get_readonly_fields(self, request: HttpRequest, obj: Message | None = None) -> list[str]:
        # The recipient stays: moving a message to another user is not an edit.
        return [] if obj is None else ["recipient", *self.bookkeeping]

    def save_model(self, request: HttpRequest, obj: Message, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            saved = services.edit_message(
                message_id=obj.pk, text=data["text"], level=data["level"], link=data["link"]
            )
        else:
            saved = services.notify(
                data["recipient"], data["text"], level=data["level"], link=data["link"]
            )
        # The admin's messages and log entry name the row the service wrote.
        obj.__dict__.update(
            {f.attname: getattr(saved, f.attname) for f in Message._meta.concrete_fields}
        )
        obj._state.adding = False


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "endpoint", "created_at", "last_error"]
    search_fields = ["user__username", "endpoint"]
    raw_id_fields = ["user"]
    readonly_fields = ["endpoint", "p256dh", "auth", "created_at"]
