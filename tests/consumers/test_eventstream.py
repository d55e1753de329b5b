"""The event stream, the socket's Server-Sent Events fallback, through the real ASGI stack:
the same frames, authentication, limits and closes as the socket (docs/protocol.md)."""

import json

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from accounts.services import create_token
from consumers import eventstream, shutdown
from consumers.notifications import NotificationConsumer
from notifications import services
from notifications.models import Message
from project import admission
from project.asgi import handshake_gate
from tests.consumers.sockets import TIMEOUT, flush_layer, open_socket, receive
from tests.consumers.streams import open_stream

pytestmark = pytest.mark.django_db(transaction=True)

notify = database_sync_to_async(services.notify)
CSRF = "a" * 32  # a CSRF secret, sent as the cookie and the header


@pytest.fixture(autouse=True)
async def close_layer():
    async for _ in flush_layer():
        yield


@pytest.fixture(autouse=True)
def fresh_door():
    handshake_gate.per_address.buckets.clear()
    yield
    handshake_gate.per_address.buckets.clear()


def _post(user, stream: str, body: str | bytes, *, csrf: bool = True, bearer: str | None = None):
    client = Client(enforce_csrf_checks=True)
    headers = {}
    if bearer is not None:
        headers["Authorization"] = f"Bearer {bearer}"
    else:
        client.force_login(user)
    if csrf:
        client.cookies["csrftoken"] = CSRF
        headers["X-CSRFToken"] = CSRF
    return client.post(
        f"/api/streams/send/?stream={stream}",
        data=body,
        content_type="application/json",
        headers=headers,
    )


post = database_sync_to_async(_post)


async def test_sync_first_then_pushes_as_on_the_socket(layer, alice, bob):
    old = await notify(alice, "before")
    stream = await open_stream(alice, query=f"user={alice.pk}")
    await stream.opened()
    assert stream.status == 200
    assert stream.headers[b"content-type"] == b"text/event-stream; charset=utf-8"
    assert stream.headers[b"cache-control"] == b"no-store"
    sync = await stream.frame()
    assert sync["type"] == "sync"
    assert [m["id"] for m in sync["unread"]] == [old.pk]
    assert sync["unread_count"] == 1
    await notify(bob, "not alice's")
    new = await notify(alice, "after")
    frame = await stream.frame()
    assert frame == {
        "type": "notification",
        "message": new.to_payload(),
        "unread_count": 2,
    }
    await stream.disconnect()
    assert alice.pk not in NotificationConsumer.open_per_user


async def test_an_ack_posted_for_the_stream_marks_read_and_comes_back_as_read(layer, alice):
    message = await notify(alice, "hello")
    stream = await open_stream(alice)
    name = await stream.opened()
    await stream.frame()  # sync
    response = await post(alice, name, json.dumps({"type": "ack", "ids": [message.pk]}))
    assert response.status_code == 202
    assert await stream.frame() == {"type": "read", "ids": [message.pk], "unread_count": 0}
    read_at = await database_sync_to_async(
        lambda: Message.objects.values_list("read_at", flat=True).get(pk=message.pk)
    )()
    assert read_at is not None
    # The other client frames too, answered on the stream.
    assert (await post(alice, name, '{"type":"ping"}')).status_code == 202
    assert await stream.frame() == {"type": "pong"}
    assert (await post(alice, name, "not json")).status_code == 202
    assert (await stream.frame())["code"] == "invalid_json"
    await stream.disconnect()


async def test_a_bearer_client_posts_without_csrf_and_streams_without_origin(layer, alice):
    _, raw = await database_sync_to_async(create_token)(user=alice, name="script")
    bearer = [(b"authorization", f"Bearer {raw}".encode())]
    stream = await open_stream(headers=bearer, origin=False)
    name = await stream.opened()
    assert (await stream.frame())["type"] == "sync"
    response = await post(alice, name, '{"type":"ping"}', csrf=False, bearer=raw)
    assert response.status_code == 202
    assert await stream.frame() == {"type": "pong"}
    await stream.disconnect()


async def test_posts_need_csrf_a_login_and_the_users_own_stream(layer, alice, bob):
    stream = await open_stream(alice)
    name = await stream.opened()
    await stream.frame()
    assert (await post(alice, name, '{"type":"ping"}', csrf=False)).status_code == 403
    other = await post(bob, name, '{"type":"ping"}')
    assert other.status_code == 404
    assert other.json()["error"] == "unknown_stream"
    assert (await post(alice, name + "x", '{"type":"ping"}')).status_code == 404
    anonymous = await database_sync_to_async(
        lambda: Client().post(
            f"/api/streams/send/?stream={name}", data="{}", content_type="application/json"
        )
    )()
    assert anonymous.status_code == 401
    big = json.dumps({"type": "ping", "pad": "x" * 9000})
    assert (await post(alice, name, big)).status_code == 413
    # None of them reached the stream: the next frame answers the next ping.
    assert (await post(alice, name, '{"type":"ping"}')).status_code == 202
    assert await stream.frame() == {"type": "pong"}
    await stream.disconnect()


async def test_no_credentials_a_bad_token_and_a_wrong_user_are_closed_as_on_the_socket(
    layer, alice, bob
):
    anonymous = await open_stream()
    await anonymous.start()
    assert await anonymous.next() == {"event": "close", "data": {"code": 4401}}
    assert anonymous.ended
    bad = await open_stream(alice, headers=[(b"authorization", b"Bearer not-a-token")])
    await bad.start()
    assert await bad.next() == {"event": "close", "data": {"code": 4401}}
    wrong = await open_stream(alice, query=f"user={bob.pk}")
    await wrong.opened()
    assert (await wrong.frame())["code"] == "wrong_user"
    assert await wrong.next() == {"event": "close", "data": {"code": 4409}}
    assert alice.pk not in NotificationConsumer.open_per_user


async def test_a_foreign_origin_and_other_methods_are_refused(layer, alice):
    foreign = await open_stream(alice, headers=[(b"origin", b"http://evil.example")], origin=False)
    await foreign.start()
    assert foreign.status == 403
    posted = await open_stream(alice, method="POST")
    await posted.start()
    assert posted.status == 405


async def test_sockets_and_streams_share_the_per_user_cap(layer, alice, settings):
    settings.NOTIFICATIONS_MAX_SOCKETS_PER_USER = 1
    socket = await open_socket(alice)
    assert (await receive(socket))["type"] == "sync"
    stream = await open_stream(alice)
    await stream.opened()
    assert (await stream.frame())["code"] == "too_many_sockets"
    assert await stream.next() == {"event": "close", "data": {"code": 4429}}
    await socket.disconnect()


async def test_a_busy_process_refuses_a_stream_with_a_hint(layer, alice, monkeypatch):
    monkeypatch.setattr(admission, "behind", lambda: True)
    stream = await open_stream(alice)
    await stream.start()
    error = await stream.frame()
    assert error["code"] == "busy"
    assert error["retry_after"] > 0
    assert await stream.next() == {"event": "close", "data": {"code": 4503}}


async def test_an_address_past_its_handshakes_is_refused(layer, alice, settings):
    settings.ADMISSION_HANDSHAKE_BURST = 1
    first = await open_stream(alice, address="192.0.2.7")
    await first.opened()
    second = await open_stream(alice, address="192.0.2.7")
    await second.start()
    assert (await second.frame())["code"] == "too_many_handshakes"
    assert await second.next() == {"event": "close", "data": {"code": 4429}}
    await first.disconnect()


async def test_quiet_streams_get_heartbeats(layer, alice, settings):
    settings.NOTIFICATIONS_SSE_HEARTBEAT = 0.05
    stream = await open_stream(alice)
    await stream.opened()
    await stream.frame()
    assert await stream.next() == {"comment": "keep-alive"}
    await stream.disconnect()


async def test_a_stopping_server_closes_streams_with_4000(layer, alice):
    stream = await open_stream(alice)
    await stream.opened()
    await stream.frame()
    (consumer,) = [c for c in shutdown._sockets if isinstance(c, eventstream.EventStreamConsumer)]
    await consumer.close(code=shutdown.CLOSE_GOING_AWAY)
    assert await stream.next() == {"event": "close", "data": {"code": 4000}}
    assert stream.ended
    assert alice.pk not in NotificationConsumer.open_per_user
    await stream.communicator.send_input({"type": "http.disconnect"})
    await stream.communicator.wait(timeout=TIMEOUT)


async def test_logout_closes_that_sessions_stream_with_4401(layer, alice):
    laptop = Client()
    await database_sync_to_async(laptop.force_login)(alice)
    cookie = f"sessionid={laptop.cookies['sessionid'].value}".encode()
    stream = await open_stream(headers=[(b"cookie", cookie)])
    await stream.opened()
    await stream.frame()
    await database_sync_to_async(laptop.logout)()
    assert await stream.next() == {"event": "close", "data": {"code": 4401}}
    assert stream.ended


def test_stream_names_are_bound_to_their_user():
    name = eventstream.stream_id(7, "specific.abc")
    assert eventstream.stream_channel(name, 7) == "specific.abc"
    assert eventstream.stream_channel(name, 8) is None
    assert eventstream.stream_channel("garbage", 7) is None
