"""Routes of the JSON API, mounted at /api/ (docs/api.md)."""

from django.urls import path, re_path

from notifications import api, api_triage

app_name = "api"

urlpatterns = [
    path("notifications/", api.message_list, name="list"),
    path("notifications/unread-count/", api.unread_count, name="unread_count"),
    path("notifications/read/", api.mark_read, name="mark_read"),
    path("notifications/read-all/", api.mark_all_read, name="mark_all_read"),
    path("notifications/archive/", api.archive, name="archive"),
    path("notifications/unarchive/", api.unarchive, name="unarchive"),
    path("notifications/delete/", api.delete, name="delete"),
    path("notifications/<int:message_id>/", api.message_detail, name="detail"),
    path(
        "notifications/<int:message_id>/read/",
        api.mark_one,
        {"state": "read"},
        name="mark_one_read",
    ),
    path(
        "notifications/<int:message_id>/unread/",
        api.mark_one,
        {"state": "unread"},
        name="mark_one_unread",
    ),
    path("notifications/snooze/", api_triage.snooze, name="snooze"),
    path("notifications/unsnooze/", api_triage.unsnooze, name="unsnooze"),
    path("notify/", api.notify, name="notify"),
    path("notify/jobs/<int:job_id>/", api.notify_job, name="notify_job"),
    path("notifications/preferences/", api.preferences_detail, name="preferences"),
    path("notifications/preferences/quiet/", api.preferences_quiet, name="preferences_quiet"),
    # A user's data: the trailing slash optional (a DELETE is never redirected).
    re_path(r"^me/export/?$", api.export_data, name="export"),
    re_path(r"^me/messages/?$", api.erase_messages, name="erase"),
    # Last: every other path under /api/ answers the API's JSON 404, not Django's HTML page.
    re_path(r"", api.not_found, name="not_found"),
]
