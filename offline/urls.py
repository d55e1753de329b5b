"""Web Push's endpoints and the email's unsubscribe link, at the paths and names they always
had: under /notifications/, in the "notifications" namespace that project/urls.py gives
them with the inbox's routes ("notifications:push_key", "notifications:email_unsubscribe")."""

from django.urls import path

from offline import views
from offline.webpush import views as views_push

urlpatterns = [
    path("sw.js", views_push.service_worker, name="push_sw"),
    path("push/key/", views_push.key, name="push_key"),
    path("push/subscribe/", views_push.subscribe, name="push_subscribe"),
    path("push/unsubscribe/", views_push.unsubscribe, name="push_unsubscribe"),
    path("email/unsubscribe/<str:token>/", views.email_unsubscribe, name="email_unsubscribe"),
]
