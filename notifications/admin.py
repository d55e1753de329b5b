"""Admin for messages, thread choices, and the notify action on users (export and erase:
userdata/admin.py).

Messages are written through the services, never by the ModelForm's own save: a message
added here is `services.notify`'s, and a change is `services.edit_message`'s, so both are
validated like any producer's (a `javascript:` link saved here would be clickable in
the inbox) and reach the user's open tabs live.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from notifications import services, validators
from notifications.models import Follow, Level, Message
from notifications.validators import MAX_LINK, MAX_TEXT


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
    list_display = ["id", "recipient", "level", "text", "created_at", "read_at", "archived_at"]
    list_filter = [
        "level",
        ("read_at", admin.EmptyFieldListFilter),
        ("archived_at", admin.EmptyFieldListFilter),
        ("snoozed_until", admin.EmptyFieldListFilter),
    ]
    search_fields = ["text", "recipient__username", "source_id", "group"]
    raw_id_fields = ["recipient"]
    # Bookkeeping is the services' (read and seen by the user's clients, source_id by the
    # producer): shown, never edited here.
    bookkeeping = [
        "source_id",
        "collapse_key",
        "group",
        "actions",
        "acted",
        "acted_at",
        "created_at",
        "updated_at",
        "read_at",
        "seen_at",
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


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    """Who follows or muted which thread key (docs/inbox.md): the users' own choices, shown."""

    list_display = ["user", "key", "following", "muted", "updated_at"]
    list_filter = ["following", "muted"]
    search_fields = ["key", "user__username"]
    raw_id_fields = ["user"]


# --- "Send a notification to the selected users", on the User admin -------------------
class NotifyUsersForm(forms.Form):
    text = forms.CharField(max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))
    level = forms.ChoiceField(choices=Level.choices, initial=Level.INFO)
    link = forms.CharField(
        max_length=MAX_LINK, required=False, help_text="a path on this site or an http(s) URL"
    )


User = get_user_model()


def registered_user_admin() -> type[admin.ModelAdmin]:
    """The user model's admin class as registered now (ModelAdmin when there is none),
    taken off the site so that an app can register a subclass with actions of its own."""
    if not admin.site.is_registered(User):
        return admin.ModelAdmin
    registered = type(admin.site._registry[User])
    admin.site.unregister(User)
    return registered


def action_page(
    model_admin: admin.ModelAdmin, request: HttpRequest, template: str, title: str, **context: Any
) -> TemplateResponse:
    """An admin action's own page (a form or a confirmation) on a template extending
    admin/action_page.html: the site's context, the changelist's breadcrumbs, `context`."""
    return TemplateResponse(
        request,
        template,
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            "opts": model_admin.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            **context,
        },
    )


# Whatever admin the user model has (Django's UserAdmin here), with one action more.
_UserAdmin = registered_user_admin()


@admin.register(User)
class UserAdmin(_UserAdmin):
    actions = [
        *(_UserAdmin.actions or []),
        "send_notification",
    ]

    @admin.action(description="Send a notification to the selected users", permissions=["change"])
    def send_notification(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """A form first; on submit one fan-out through the service (active users only)."""
        form = NotifyUsersForm(request.POST if "send" in request.POST else None)
        if form.is_valid():
            user_ids = list(queryset.filter(is_active=True).values_list("pk", flat=True))
            try:
                result = services.notify_users(user_ids=user_ids, **form.cleaned_data)
            except services.InvalidNotification as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(
                    request,
                    f"Notification sent to {result.created} active user(s).",
                    messages.SUCCESS,
                )
                return None
        return action_page(
            self,
            request,
            "admin/notifications/notify_users.html",
            "Send a notification",
            # "Select all" posts back as select_across (the changelist's filters, in this
            # URL, name the users), not one field per user: past ~1,000 users that post
            # went over DATA_UPLOAD_MAX_NUMBER_FIELDS and Django answered a bare 400.
            select_across=request.POST.get("select_across") == "1",
            selected=request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            selected_count=queryset.count(),
            active=queryset.filter(is_active=True).count(),
            form=form,
        )
