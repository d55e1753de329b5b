"""The notification socket through the real ASGI stack (origin check, auth, routing)."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from accounts.services import create_token
from consumers.notifications import NotificationConsumer
from notifications import services
from notifications.models import Message
from project.asgi import application
from tests.consumers.sockets import (
    TIMEOUT,
    assert_quiet,
    flush_layer,
    open_socket,
    receive,
    session_cookie,
)

pytestmark = pytest.mark.django_db(transaction=True)

notify = database_sync_to_async(services.notify)


@pytest.fixture(autouse=True)
async def close_layer():
    async for _ in flush_layer():
        yield


async def test_anonymous_socket_is_closed_with_4401(layer):
    socket = await open_socket()
    assert await socket.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4401}


async def test_invalid_bearer_token_is_closed_with_4401(layer, alice):
    socket = await open_socket(headers=[(b"authorization", b"Bearer not-a-token")])
    assert await socket.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4401}


async def test_revoked_token_is_refused_and_a_bad_token_never_falls_back_to_the_session(
    layer, alice
):
    token, raw = await database_sync_to_async(create_token)(user=alice)
    await database_sync_to_async(
        lambda: token.__class__.objects.update(revoked_at=token.created_at)
    )()
    socket = await open_socket(alice, headers=[(b"authorization", f"Bearer {raw}".encode())])
    assert await socket.receive_output(timeout=TIMEOUT) == {"type": "websocket.close", "code": 4401}


async def test_bearer_token_without_origin_gets_sync(layer, alice):
    await notify(alice, "hello")
    _, raw = await database_sync_to_async(create_token)(user=alice, name="script")
    socket = WebsocketCommunicator(
        application, "/ws/notifications/", headers=[(b"authorization", f"Bearer {raw}".encode())]
    )
    assert (await socket.connect(timeout=TIMEOUT))[0]
    frame = await receive(socket)
    assert frame["type"] == "sync"
    assert [m["text"] for m in frame["unread"]] == ["hello"]
    await socket.disconnect()


async def test_foreign_origin_is_refused(alice):
    socket = WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[(b"origin", b"https://evil.example"), (b"cookie", await session_cookie(alice))],
    )
    connected, _ = await socket.connect(timeout=TIMEOUT)
    assert not connected


async def test_sync_first_oldest_first_capped_with_true_count(alice, bob, settings):
    settings.NOTIFICATIONS_SYNC_LIMIT = 2
    for text in ("one", "two", "three"):
        await notify(alice, text)
    await notify(bob, "not yours")
    socket = await open_socket(alice)
    frame = await receive(socket)
    assert frame["type"] == "sync"
    assert [m["text"] for m in frame["unread"]] == ["two", "three"]
    assert frame["unread_count"] == 3
    assert set(frame["unread"][0]) == {"id", "text", "level", "link", "created_at"}
    await socket.disconnect()


async def test_notification_reaches_every_tab_of_the_user_only(layer, alice, bob):
    tab1, tab2, other = await open_socket(alice), await open_socket(alice), await open_socket(bob)
    for socket in (tab1, tab2, other):
        assert (await receive(socket))["type"] == "sync"
    message = await notify(alice, "Your file is ready", level="success", link="/uploads/1/")
    for tab in (tab1, tab2):
        frame = await receive(tab)
        assert frame == {
            "type": "notification",
            "message": {
                "id": message.pk,
                "text": "Your file is ready",
                "level": "success",
                "link": "/uploads/1/",
                "created_at": message.created_at.isoformat(),
            },
            "unread_count": 1,
        }
    await assert_quiet(other)
    for socket in (tab1, tab2, other):
        await socket.disconnect()


async def test_ack_marks_read_and_tells_every_tab(layer, alice):
    first = await notify(alice, "first")
    second = await notify(alice, "second")
    tab1, tab2 = await open_socket(alice), await open_socket(alice)
    await receive(tab1), await receive(tab2)
    await tab1.send_to(text_data=json.dumps({"type": "ack", "ids": [first.pk]}))
    for tab in (tab1, tab2):
        assert await receive(tab) == {"type": "read", "ids": [first.pk], "unread_count": 1}
    read_at = await database_sync_to_async(
        lambda: list(Message.objects.order_by("id").values_list("read_at", flat=True))
    )()
    assert read_at[0] is not None and read_at[1] is None
    # A fresh sync agrees.
    await tab2.send_to(text_data='{"type":"sync"}')
    frame = await receive(tab2)
    assert [m["id"] for m in frame["unread"]] == [second.pk]
    assert frame["unread_count"] == 1
    await tab1.disconnect()
    await tab2.disconnect()


async def test_acking_another_users_message_changes_and_reveals_nothing(layer, alice, bob):
    theirs = await notify(bob, "bob's")
    mallory, victim = await open_socket(alice), await open_socket(bob)
    await receive(mallory), await receive(victim)
    for ids in ([theirs.pk], [987654]):
        await mallory.send_to(text_data=json.dumps({"type": "ack", "ids": ids}))
        await assert_quiet(mallory)
    await assert_quiet(victim)
    await theirs.arefresh_from_db()
    assert theirs.read_at is None
    await mallory.disconnect()
    await victim.disconnect()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("not json", "invalid_json"),
        ("[1, 2]", "invalid_frame"),
        ('"ack"', "invalid_frame"),
        ("{}", "invalid_frame"),
        ('{"type": 5}', "invalid_frame"),
        ('{"type": "explode"}', "unknown_type"),
        ('{"type": "ack"}', "invalid_ids"),
        ('{"type": "ack", "ids": []}', "invalid_ids"),
        ('{"type": "ack", "ids": "1"}', "invalid_ids"),
        ('{"type": "ack", "ids": ["1"]}', "invalid_ids"),
        ('{"type": "ack", "ids": [true]}', "invalid_ids"),
        ('{"type": "ack", "ids": [1.5]}', "invalid_ids"),
        ('{"type": "ack", "ids": [' + ",".join(["1"] * 501) + "]}", "invalid_ids"),
        # Past what an id column holds: the database driver would raise, not answer.
        ('{"type": "ack", "ids": [9223372036854775808]}', "invalid_ids"),
        ('{"type": "seen", "ids": [1, 18446744073709551616]}', "invalid_ids"),
        ('{"type": "ack", "ids": [0]}', "invalid_ids"),
        ('{"type": "ack", "ids": [-1]}', "invalid_ids"),
        ('{"type": "ping", "pad": "' + "x" * 9000 + '"}', "too_large"),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_stays_open(alice, raw, code):
    socket = await open_socket(alice)
    await receive(socket)
    await socket.send_to(text_data=raw)
    frame = await receive(socket)
    assert frame["type"] == "error"
    assert frame["code"] == code
    assert frame["detail"]
    await assert_quiet(socket)
    await socket.disconnect()


async def test_binary_frames_get_an_error(alice):
    socket = await open_socket(alice)
    await receive(socket)
    await socket.send_to(bytes_data=b"\x00\x01")
    assert (await receive(socket))["code"] == "binary_not_supported"
    await assert_quiet(socket)
    await socket.disconnect()


async def test_a_message_created_during_the_handshake_is_never_missed(layer, alice, monkeypatch):
    """Created right after the first of the handshake's two steps (group join, unread read):
    caught only if the join comes first, as in the sync or as a push."""
    real_join, real_sync = NotificationConsumer.join_group, NotificationConsumer.send_sync
    created: list[int] = []

    async def in_between() -> None:
        if not created:
            created.append((await notify(alice, "during the handshake")).pk)

    async def join(self) -> None:
        await real_join(self)
        await in_between()

    async def sync(self) -> None:
        await real_sync(self)
        await in_between()

    monkeypatch.setattr(NotificationConsumer, "join_group", join)
    monkeypatch.setattr(NotificationConsumer, "send_sync", sync)
    socket = await open_socket(alice)
    await socket.send_to(text_data='{"type":"ping"}')
    seen: set[int] = set()
    while (frame := await receive(socket))["type"] != "pong":
        if frame["type"] == "sync":
            seen |= {m["id"] for m in frame["unread"]}
        elif frame["type"] == "notification":
            seen.add(frame["message"]["id"])
    await socket.disconnect()
    assert created and created[0] in seen
