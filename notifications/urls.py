from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:message_id>/read/", views.mark_read, name="mark_read"),
    path("<int:message_id>/unread/", views.mark_unread, name="mark_unread"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("bulk/", views.bulk, name="bulk"),
    path("test/", views.send_test, name="send_test"),
]

# Snooze (notifications/views_triage.py)
from notifications import views_triage  # noqa: E402

urlpatterns += [
    path("snooze/", views_triage.snooze, name="snooze"),
    path("unsnooze/", views_triage.unsnooze, name="unsnooze"),
]

# Preferences (notifications/views_preferences.py). Web Push's endpoints and the email
# unsubscribe link join these in one namespace (offline/urls.py, project/urls.py).
from notifications import views_preferences  # noqa: E402

urlpatterns += [
    path("preferences/", views_preferences.page, name="preferences"),
    path("preferences/quiet/", views_preferences.quiet, name="preferences_quiet"),
]

# Threads and actions (notifications/views_threads.py)
from notifications import views_threads  # noqa: E402

urlpatterns += [
    path("threads/mute/", views_threads.mute, name="mute"),
    path("threads/unmute/", views_threads.unmute, name="unmute"),
    path("<int:message_id>/actions/<int:index>/", views_threads.act, name="act"),
]
