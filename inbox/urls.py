"""The inbox's routes under /notifications/, in the "notifications" namespace that
project/urls.py gives them (with Web Push's and the email link's, offline/urls.py)."""

from django.urls import path

from inbox import views, views_preferences, views_threads, views_triage

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:message_id>/read/", views.mark_read, name="mark_read"),
    path("<int:message_id>/unread/", views.mark_unread, name="mark_unread"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("bulk/", views.bulk, name="bulk"),
    path("test/", views.send_test, name="send_test"),
    # Snooze (inbox/views_triage.py)
    path("snooze/", views_triage.snooze, name="snooze"),
    path("unsnooze/", views_triage.unsnooze, name="unsnooze"),
    # Preferences (inbox/views_preferences.py)
    path("preferences/", views_preferences.page, name="preferences"),
    path("preferences/quiet/", views_preferences.quiet, name="preferences_quiet"),
    # Threads and actions (inbox/views_threads.py)
    path("threads/mute/", views_threads.mute, name="mute"),
    path("threads/unmute/", views_threads.unmute, name="unmute"),
    path("<int:message_id>/actions/<int:index>/", views_threads.act, name="act"),
]
