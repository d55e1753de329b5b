from django.urls import path, re_path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("sns/", views.sns_webhook, name="sns"),
    # Also without the slash: APPEND_SLASH would answer a redirect, and SNS counts a 3xx
    # as delivered, losing the message.
    re_path(r"^sns\Z", views.sns_webhook),
]
