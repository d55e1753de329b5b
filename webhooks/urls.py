"""The webhook's Django routes: for the URLconf (reverse) and the test client only.

Under the ASGI server, project/asgi.py sends /webhooks/sns/ to webhooks.asgi before Django
sees it: a middleware or a change made here does NOT apply to SNS in production. Change
both entry points together (docs/architecture.md, "Routing").
"""

from django.urls import path, re_path

from webhooks import views

app_name = "webhooks"

urlpatterns = [
    path("sns/", views.sns_webhook, name="sns"),
    # Also without the slash: APPEND_SLASH would answer a redirect, and SNS counts a 3xx
    # as delivered, losing the message.
    re_path(r"^sns\Z", views.sns_webhook),
]
