"""A socket never outlives its session, whether it ends by logout or not (issue #19)."""

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.contrib.sessions.models import Session
from django.utils import timezone

from consumers.sessions import check
from tests.consumers.sockets import assert_quiet, flush_layer, receive
from tests.consumers.test_lifecycle import closed_with, logged_in, socket_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def close_layer():
    async for _ in flush_layer():
        yield


async def test_logging_in_as_another_user_closes_the_previous_sessions_sockets(layer, alice, bob):
    # Signing up or logging in as another account in the same browser: login() flushes
    # Alice's session, with no logout.
    browser, elsewhere = await logged_in(alice), await logged_in(alice)
    old, other = await socket_for(browser), await socket_for(elsewhere)
    await receive(old), await receive(other)
    await sync_to_async(browser.force_login)(bob)
    assert await closed_with(old) == 4401
    await assert_quiet(other)  # Alice's other session is untouched
    await other.disconnect()


async def test_deleting_the_session_row_closes_its_sockets(layer, alice):
    client = await logged_in(alice)
    socket = await socket_for(client)
    await receive(socket)
    key = client.cookies["sessionid"].value
    # What `clearsessions` does to expired sessions, and the admin to any.
    await database_sync_to_async(lambda: Session.objects.filter(session_key=key).delete())()
    assert await closed_with(socket) == 4401


async def test_an_expired_session_is_closed_by_the_periodic_re_check(layer, alice, settings):
    settings.NOTIFICATIONS_SESSION_CHECK_INTERVAL = 0.2
    expiring, kept = await logged_in(alice), await logged_in(alice)
    socket, other = await socket_for(expiring), await socket_for(kept)
    await receive(socket), await receive(other)
    key = expiring.cookies["sessionid"].value
    past = timezone.now() - timedelta(seconds=1)
    # Expiry sends no signal: the row stays until `clearsessions`.
    await database_sync_to_async(
        lambda: Session.objects.filter(session_key=key).update(expire_date=past)
    )()
    assert await closed_with(socket) == 4401
    await assert_quiet(other)
    await other.disconnect()
    assert len(check.sockets) == 0
