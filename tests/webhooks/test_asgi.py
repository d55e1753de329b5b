"""POST /webhooks/sns/ through project.asgi.application: the lean entry point daphne serves.

It must answer exactly as the Django view does (tests/webhooks/test_views.py covers that
view in depth); these tests check the routing and the parts the ASGI app does itself.
"""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import HttpCommunicator
from django.test import Client

from notifications.models import Message
from project.asgi import application
from tests.webhooks.factories import body, db_state, notification, post, rsa_key, sns_headers
from webhooks import sns
from webhooks.models import ProcessedMessage, UnmatchedMessage

pytestmark = pytest.mark.django_db(transaction=True)


async def asgi_post(path: str, raw: bytes, headers: dict[str, str] | None = None, **kw):
    pairs = [(b"content-type", b"text/plain; charset=UTF-8")]
    pairs += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    if b"content-length" not in {k for k, _ in pairs}:
        pairs.append((b"content-length", str(len(raw)).encode()))
    communicator = HttpCommunicator(application, "POST", path, body=raw, headers=pairs, **kw)
    return await communicator.get_response(timeout=10)


def direct(signed, text: str = "Hi") -> dict:
    return notification(
        {"notify": {"user": "alice", "text": text}}, key=signed.key, signing_cert_url=signed.url
    )


@pytest.mark.parametrize("path", ["/webhooks/sns/", "/webhooks/sns"])
async def test_signed_delivery_is_processed_once(signed, alice, path: str) -> None:
    data = direct(signed)
    first = await asgi_post(path, body(data), sns_headers(data))
    assert (first["status"], first["body"]) == (200, b"ok\n")
    again = await asgi_post(path, body(data), sns_headers(data))
    assert (again["status"], again["body"]) == (200, b"duplicate\n")
    rows = [m async for m in Message.objects.values_list("recipient_id", "text", "source_id")]
    assert rows == [(alice.pk, "Hi", data["MessageId"])]


async def test_forged_delivery_is_403_and_changes_nothing(signed, alice) -> None:
    data = direct(signed)
    data["Message"] = json.dumps({"notify": {"user": "alice", "text": "Forged"}})
    response = await asgi_post("/webhooks/sns/", body(data), sns_headers(data))
    assert response["status"] == 403
    assert not await Message.objects.aexists()
    assert not await ProcessedMessage.objects.aexists()


async def test_declared_length_over_the_cap_is_413_without_reading(signed) -> None:
    headers = {"content-length": str(sns.MAX_BODY_BYTES + 1)}
    response = await asgi_post("/webhooks/sns/", b"{}", headers)
    assert response["status"] == 413


async def test_body_over_the_cap_is_413(signed) -> None:
    raw = b"{" + b" " * sns.MAX_BODY_BYTES + b"}"
    response = await asgi_post("/webhooks/sns/", raw, {"content-length": "0"})
    assert response["status"] == 413


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "HEAD", "OPTIONS"])
async def test_other_methods_are_405(method: str) -> None:
    response = await HttpCommunicator(application, method, "/webhooks/sns/").get_response()
    assert response["status"] == 405
    assert (b"allow", b"POST") in response["headers"]


async def test_other_paths_still_reach_django() -> None:
    login = HttpCommunicator(
        application, "GET", "/accounts/login/", headers=[(b"host", b"localhost")]
    )
    response = await login.get_response()
    assert response["status"] == 200
    assert b"csrfmiddlewaretoken" in response["body"]


@pytest.mark.parametrize(
    "case",
    ["valid", "forged", "unknown-topic", "not-json", "duplicate-key", "wrong-key", "unmatched"],
)
async def test_answers_exactly_as_the_django_view(signed, alice, case: str) -> None:
    """Each delivery, once through the view and once through the ASGI app on a clean slate."""
    data = direct(signed, text=f"case {case}")
    if case == "forged":
        data["Message"] = data["Message"].replace("case", "CASE")
    elif case == "unknown-topic":
        data["TopicArn"] = data["TopicArn"].replace("topic", "other")
    elif case == "wrong-key":
        data = notification(
            {"notify": {"user": "alice", "text": "x"}},
            key=rsa_key(index=1),
            signing_cert_url=signed.url,
        )
    elif case == "unmatched":
        data = notification(
            {"notify": {"user": "nobody", "text": "x"}}, key=signed.key, signing_cert_url=signed.url
        )
    raw = {
        "not-json": b"{not json",
        "duplicate-key": b'{"Type": "Notification", "Type": "Notification"}',
    }.get(case, body(data))

    view = await _view_post(raw)
    after_view = await _state_and_reset()
    asgi = await asgi_post("/webhooks/sns/", raw)
    after_asgi = await _state_and_reset()
    assert asgi["status"] == view.status_code
    assert asgi["body"] == view.content
    assert after_asgi == after_view


async def _view_post(raw: bytes):
    return await database_sync_to_async(post)(Client(), raw)


@database_sync_to_async
def _state_and_reset() -> tuple:
    state = db_state()
    for model in (Message, ProcessedMessage, UnmatchedMessage):
        model.objects.all().delete()
    return state
