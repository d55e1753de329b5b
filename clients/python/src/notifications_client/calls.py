"""Each call of the JSON API (docs/api.md) described once: method, path, body, which
token, how to read the answer (`Calls`), and the answer read or raised (`answer`). The
sync and async clients (notifications_client.api) only differ in how they send it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx

from notifications_client.types import (
    AuthenticationError,
    Changed,
    FanOut,
    Message,
    NotificationsError,
    Page,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Call(Generic[T]):
    method: str
    path: str
    read: Callable[[Any], T]
    body: dict[str, Any] | None = None
    params: dict[str, Any] | None = None
    service: bool = False  # authenticated with the service token (POST /api/notify/)


def _page(data: Any) -> Page:
    return Page(
        [Message.from_json(m) for m in data["results"]], data["next_before"], data["unread_count"]
    )


def _changed(data: Any) -> Changed:
    return Changed(list(data["ids"]), data["unread_count"])


def _notify_body(text: str, level: str, link: str, source_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"text": text, "level": level, "link": link}
    if source_id is not None:
        body["source_id"] = source_id
    return body


class Calls:
    """The API's calls, shared by both clients."""

    @staticmethod
    def notify(
        user: str, text: str, level: str, link: str, source_id: str | None, thread: str | None
    ) -> Call[int]:
        body = {"user": user, **_notify_body(text, level, link, source_id)}
        if thread is not None:
            body["thread"] = thread
        return Call("POST", "/api/notify/", lambda d: int(d["id"]), body, service=True)

    @staticmethod
    def notify_followers(
        thread: str, text: str, level: str, link: str, source_id: str | None, exclude: str | None
    ) -> Call[FanOut]:
        body = {"thread": thread, **_notify_body(text, level, link, source_id)}
        if exclude is not None:
            body["exclude"] = exclude
        read = lambda d: FanOut(d["recipients"], d["created"])  # noqa: E731
        return Call("POST", "/api/threads/notify/", read, body, service=True)

    @staticmethod
    def notify_many(
        users: Iterable[str] | None,
        everyone: bool,
        group: str | None,
        text: str,
        level: str,
        link: str,
        source_id: str | None,
    ) -> Call[FanOut]:
        target = _target(users, everyone, group)
        if len(target) != 1:
            raise ValueError("give exactly one of users, everyone, group")
        body = {**target, **_notify_body(text, level, link, source_id)}
        read = lambda d: FanOut(d["recipients"], d["created"])  # noqa: E731
        return Call("POST", "/api/notify/", read, body, service=True)

    @staticmethod
    def list(unread: bool, archived: bool, before: int | None, limit: int | None) -> Call[Page]:
        params: dict[str, Any] = {}
        if unread:
            params["unread"] = "1"
        if archived:
            params["archived"] = "1"
        if before is not None:
            params["before"] = before
        if limit is not None:
            params["limit"] = limit
        return Call("GET", "/api/notifications/", _page, params=params)

    @staticmethod
    def get(message_id: int) -> Call[Message]:
        return Call("GET", f"/api/notifications/{int(message_id)}/", Message.from_json)

    @staticmethod
    def unread_count() -> Call[int]:
        return Call("GET", "/api/notifications/unread-count/", lambda d: d["unread_count"])

    @staticmethod
    def change(action: str, ids: Iterable[int]) -> Call[Changed]:
        return Call("POST", f"/api/notifications/{action}/", _changed, {"ids": list(ids)})

    @staticmethod
    def export() -> Call[dict[str, Any]]:
        return Call("GET", "/api/me/export/", lambda d: d)

    @staticmethod
    def erase() -> Call[int]:
        return Call("DELETE", "/api/me/messages/", lambda d: int(d["erased"]))

    @staticmethod
    def read_all() -> Call[Changed]:
        return Call("POST", "/api/notifications/read-all/", _changed, {})


def _target(users: Iterable[str] | None, everyone: bool, group: str | None) -> dict[str, Any]:
    target: dict[str, Any] = {}
    if users is not None:
        target["users"] = list(users)
    if everyone:
        target["all"] = True
    if group is not None:
        target["group"] = group
    return target


def answer(call: Call[T], response: httpx.Response) -> T:
    try:
        data = response.json()
    except ValueError:
        data = {}
    if response.status_code >= 400:
        error = AuthenticationError if response.status_code in (401, 403) else NotificationsError
        code = data.get("error", "http_error") if isinstance(data, dict) else "http_error"
        detail = data.get("detail", "") if isinstance(data, dict) else ""
        raise error(response.status_code, code, detail)
    return call.read(data)
