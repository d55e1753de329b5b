"""Web Push's routes and the email unsubscribe link under /notifications/, in the
"notifications" namespace that project/urls.py gives them with the inbox's (inbox/urls.py)."""

from django.urls import path

from notifications import views_preferences
from notifications.webpush import views as views_push

urlpatterns = [
    # Web Push (notifications/webpush/views.py)
    path("sw.js", views_push.service_worker, name="push_sw"),
    path("push/key/", views_push.key, name="push_key"),
    path("push/subscribe/", views_push.subscribe, name="push_subscribe"),
    path("push/unsubscribe/", views_push.unsubscribe, name="push_unsubscribe"),
    # The email unsubscribe link (notifications/views_preferences.py)
    path(
        "email/unsubscribe/<str:token>/",
        views_preferences.email_unsubscribe,
        name="email_unsubscribe",
    ),
]
