from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from notifications import services
from notifications.models import Level, Message, PushSubscription
from notifications.services import MAX_LINK, MAX_TEXT


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "recipient", "level", "text", "created_at", "read_at", "archived_at"]
    list_filter = [
        "level",
        ("read_at", admin.EmptyFieldListFilter),
        ("archived_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["text", "recipient__username", "source_id"]
    raw_id_fields = ["recipient"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "endpoint", "created_at", "last_error"]
    search_fields = ["user__username", "endpoint"]
    raw_id_fields = ["user"]
    readonly_fields = ["endpoint", "p256dh", "auth", "created_at"]


# --- "Send a notification to the selected users", on the User admin -------------------
class NotifyUsersForm(forms.Form):
    text = forms.CharField(max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))
    level = forms.ChoiceField(choices=Level.choices, initial=Level.INFO)
    link = forms.CharField(
        max_length=MAX_LINK, required=False, help_text="a path on this site or an http(s) URL"
    )


User = get_user_model()
# Whatever admin the user model has (Django's UserAdmin here), with one action more.
_UserAdmin = (
    type(admin.site._registry[User]) if admin.site.is_registered(User) else admin.ModelAdmin
)
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class UserAdmin(_UserAdmin):
    actions = [*(_UserAdmin.actions or []), "send_notification"]

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
        context = {
            **self.admin_site.each_context(request),
            "title": "Send a notification",
            "opts": self.model._meta,
            "queryset": queryset,
            "active": queryset.filter(is_active=True).count(),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/notifications/notify_users.html", context)
