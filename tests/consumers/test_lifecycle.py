"""A socket never outlives its credential, and one client cannot flood the server."""

import asyncio
import contextlib
import json

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client

from accounts.models import ApiToken
from accounts.services import create_token, revoke_tokens
from consumers.notifications import NotificationConsumer
from project.asgi import application
from tests.consumers.sockets import ORIGIN, TIMEOUT, assert_quiet, receive

pytestmark = pytest.mark.django_db(transaction=True)


async def logged_in(user) -> Client:
    client = Client()
    await sync_to_async(client.force_login)(user)
    return client


async def socket_for(client: Client | None = None, token: str | None = None):
    headers = [ORIGIN]
    if client is not None:
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    if token is not None:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    socket = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
    assert (await socket.connect(timeout=TIMEOUT))[0]
    return socket


async def closed_with(socket: WebsocketCommunicator) -> int:
    while True:
        output = await socket.receive_output(timeout=TIMEOUT)
        if output["type"] == "websocket.close":
            return output["code"]


async def test_logout_closes_that_sessions_sockets_only(layer, alice):
    laptop, phone = await logged_in(alice), await logged_in(alice)
    on_laptop, on_phone = await socket_for(laptop), await socket_for(phone)
    await receive(on_laptop), await receive(on_phone)
    await sync_to_async(laptop.logout)()
    assert await closed_with(on_laptop) == 4401
    await assert_quiet(on_phone)
    await on_phone.disconnect()


async def test_revoking_a_token_closes_its_sockets(layer, alice):
    token, raw = await database_sync_to_async(create_token)(user=alice)
    _, other_raw = await database_sync_to_async(create_token)(user=alice)
    revoked, kept = await socket_for(token=raw), await socket_for(token=other_raw)
    await receive(revoked), await receive(kept)
    await database_sync_to_async(revoke_tokens)(tokens=[token])
    assert await closed_with(revoked) == 4401
    await assert_quiet(kept)
    assert (
        await database_sync_to_async(ApiToken.objects.filter(revoked_at__isnull=True).count)() == 1
    )
    await kept.disconnect()


async def test_password_change_closes_sessions_it_invalidates(alice):
    other_session = await socket_for(await logged_in(alice))
    _, raw = await database_sync_to_async(create_token)(user=alice)
    by_token = await socket_for(token=raw)
    await receive(other_session), await receive(by_token)

    def change_password() -> None:
        alice.set_password("a-new-long-password-42")
        alice.save()

    await database_sync_to_async(change_password)()
    assert await closed_with(other_session) == 4401
    await assert_quiet(by_token)  # tokens are independent of the password
    await by_token.disconnect()


async def test_flooding_client_gets_errors_then_is_closed(alice, settings):
    settings.NOTIFICATIONS_RATE = 0.001
    settings.NOTIFICATIONS_RATE_BURST = 3
    socket = await socket_for(await logged_in(alice))
    await receive(socket)
    for _ in range(3):
        await socket.send_to(text_data='{"type":"ping"}')
        assert await receive(socket) == {"type": "pong"}
    codes = []
    for _ in range(4):
        await socket.send_to(text_data='{"type":"ping"}')
        codes.append((await receive(socket))["code"])
    assert codes == ["rate_limited"] * 4
    assert await closed_with(socket) == 4429


async def test_sockets_per_user_are_capped(alice, bob, settings):
    settings.NOTIFICATIONS_MAX_SOCKETS_PER_USER = 2
    client = await logged_in(alice)
    first, second = await socket_for(client), await socket_for(client)
    await receive(first), await receive(second)
    third = await socket_for(client)
    assert json.loads(await third.receive_from(timeout=TIMEOUT))["code"] == "too_many_sockets"
    assert await closed_with(third) == 4429
    # Others are not affected, and closing one frees a place.
    bobs = await socket_for(await logged_in(bob))
    assert (await receive(bobs))["type"] == "sync"
    await first.disconnect()
    fourth = await socket_for(client)
    assert (await receive(fourth))["type"] == "sync"
    for socket in (second, bobs, fourth):
        await socket.disconnect()


async def test_deleting_a_token_closes_its_sockets(layer, alice):
    _, raw = await database_sync_to_async(create_token)(user=alice)
    _, other = await database_sync_to_async(create_token)(user=alice)
    doomed, kept = await socket_for(token=raw), await socket_for(token=other)
    await receive(doomed), await receive(kept)
    await database_sync_to_async(ApiToken.objects.filter(prefix=raw[:8]).delete)()
    assert await closed_with(doomed) == 4401
    await assert_quiet(kept)
    await kept.disconnect()


@pytest.mark.parametrize("ending", ["deactivate", "delete"])
async def test_a_user_who_can_no_longer_log_in_loses_every_socket(layer, alice, bob, ending):
    session = await socket_for(await logged_in(alice))
    _, raw = await database_sync_to_async(create_token)(user=alice)
    by_token = await socket_for(token=raw)
    bystander = await socket_for(await logged_in(bob))
    for socket in (session, by_token, bystander):
        await receive(socket)

    def end() -> None:
        if ending == "deactivate":
            alice.is_active = False
            alice.save()
        else:
            alice.delete()

    await database_sync_to_async(end)()
    assert await closed_with(session) == 4401
    assert await closed_with(by_token) == 4401
    await assert_quiet(bystander)
    await bystander.disconnect()


async def test_concurrent_connects_cannot_pass_the_socket_cap(alice, settings, monkeypatch):
    """The cap is reserved before the first await of the handshake, not after the join."""
    settings.NOTIFICATIONS_MAX_SOCKETS_PER_USER = 3
    join = NotificationConsumer.join_group

    async def slow_join(self) -> None:
        await asyncio.sleep(0.05)  # a Redis round trip: other handshakes run meanwhile
        await join(self)

    monkeypatch.setattr(NotificationConsumer, "join_group", slow_join)
    _, raw = await database_sync_to_async(create_token)(user=alice)
    sockets = await asyncio.gather(*(socket_for(token=raw) for _ in range(12)))
    firsts = [json.loads(await s.receive_from(timeout=TIMEOUT)) for s in sockets]
    assert (
        sorted(f.get("code", f["type"]) for f in firsts) == ["sync"] * 3 + ["too_many_sockets"] * 9
    )
    for socket in sockets:
        await socket.disconnect()
    assert NotificationConsumer.open_per_user[alice.pk] == 0


async def test_a_socket_closed_for_flooding_gives_its_place_back(alice, settings):
    settings.NOTIFICATIONS_MAX_SOCKETS_PER_USER = 1
    settings.NOTIFICATIONS_RATE = 0.001
    settings.NOTIFICATIONS_RATE_BURST = 1
    _, raw = await database_sync_to_async(create_token)(user=alice)
    for _ in range(3):
        flooder = await socket_for(token=raw)
        assert (await receive(flooder))["type"] == "sync"
        for _ in range(3):
            await flooder.send_to(text_data='{"type":"ping"}')
        assert await closed_with(flooder) == 4429
        # The client never finishes the close (nor does daphne tell the consumer in
        # time when a flood is queued ahead of the disconnect): the place is free anyway.
    settings.NOTIFICATIONS_RATE = 10
    settings.NOTIFICATIONS_RATE_BURST = 30
    after = await socket_for(token=raw)
    assert (await receive(after))["type"] == "sync"
    await after.disconnect()


async def test_a_consumer_cancelled_before_its_disconnect_gives_its_place_back(alice, settings):
    """Daphne cancels an app that does not finish within its close timeout."""
    settings.NOTIFICATIONS_MAX_SOCKETS_PER_USER = 1
    _, raw = await database_sync_to_async(create_token)(user=alice)
    socket = await socket_for(token=raw)
    assert (await receive(socket))["type"] == "sync"
    socket.future.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await socket.future
    assert NotificationConsumer.open_per_user[alice.pk] == 0
    after = await socket_for(token=raw)
    assert (await receive(after))["type"] == "sync"
    await after.disconnect()


async def test_a_group_discard_past_its_timeout_logs_one_line_without_a_traceback(
    alice, settings, monkeypatch, caplog
):
    """Under a storm many discards miss the timeout at once: a line each, no traceback
    (the discard goes on, shielded)."""
    settings.NOTIFICATIONS_SEND_TIMEOUT = 0.05
    _, raw = await database_sync_to_async(create_token)(user=alice)
    socket = await socket_for(token=raw)
    assert (await receive(socket))["type"] == "sync"
    layer = get_channel_layer()
    real = layer.group_discard

    async def slow_discard(group, channel):
        await asyncio.sleep(0.3)
        await real(group, channel)

    monkeypatch.setattr(layer, "group_discard", slow_discard)
    with caplog.at_level("INFO", logger="consumers.notifications"):
        await socket.disconnect()
    lines = [r for r in caplog.records if "group discard" in r.getMessage()]
    assert len(lines) == 1
    assert lines[0].exc_info is None
    await asyncio.sleep(0.4)  # the shielded discard finishes
