"""A user's data, out and gone (docs/api.md, "Your data"): export, and erase every message."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from api.auth import USER
from api.preferences import PreferencesOut
from api.schemas import USER_ERRORS, DateTime
from userdata import services as userdata

router = Router(auth=USER, tags=["your data"])


class ExportUser(Schema):
    id: int
    username: str


class ExportSubscription(Schema):
    endpoint: str
    created_at: DateTime


class ExportMessage(Schema):
    id: int
    text: str
    level: str
    link: str
    source_id: str | None
    collapse_key: str
    created_at: DateTime
    updated_at: DateTime
    read_at: DateTime | None
    seen_at: DateTime | None
    archived_at: DateTime | None


class Export(Schema):
    user: ExportUser
    exported_at: DateTime
    unread_count: int
    preferences: PreferencesOut
    push_subscriptions: list[ExportSubscription]
    messages: list[ExportMessage]


class Erased(Schema):
    erased: int
    unread_count: int


def export_data(request: HttpRequest, response: HttpResponse) -> dict[str, Any]:
    """Every message (archived too, oldest first), the preferences and Web Push
    subscriptions, as a download."""
    response["Content-Disposition"] = f'attachment; filename="notifications-{request.auth.pk}.json"'
    return userdata.export(user=request.auth)


def erase_messages(request: HttpRequest) -> dict[str, Any]:
    """Delete every message of the user and the unread counter; open sockets are told."""
    return {"erased": userdata.erase(user=request.auth), "unread_count": 0}


# The trailing slash is optional on both (a DELETE is never redirected): each is routed
# twice, documented once.
for path, documented in (("/export/", True), ("/export", False)):
    router.get(
        path,
        response={200: Export, **USER_ERRORS},
        url_name="export" if documented else "export_bare",
        include_in_schema=documented,
        operation_id="export_data" if documented else "export_data_bare",
    )(export_data)
for path, documented in (("/messages/", True), ("/messages", False)):
    router.delete(
        path,
        response={200: Erased, **USER_ERRORS},
        url_name="erase" if documented else "erase_bare",
        include_in_schema=documented,
        operation_id="erase_messages" if documented else "erase_messages_bare",
    )(erase_messages)
