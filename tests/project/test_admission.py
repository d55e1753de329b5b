"""Admission control at the door, with the default settings (issue 17.3, 19.3): while the
event loop is behind, producers get 503 + Retry-After before any verification and
handshakes an error frame with a hint and 4503; handshakes are limited per address; a
handshake without credentials costs no channel (no Redis) and no database."""

import asyncio
import json
import time

import pytest
from asgiref.testing import ApplicationCommunicator
from channels.layers import get_channel_layer
from channels.testing import HttpCommunicator, WebsocketCommunicator
from django.conf import settings

from project import admission
from project.asgi import application, handshake_gate
from tests.consumers.sockets import ORIGIN, TIMEOUT, flush_layer, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def close_layer():
    async for _ in flush_layer():
        yield


@pytest.fixture(autouse=True)
def fresh_door():
    handshake_gate.per_address.buckets.clear()


async def block_the_loop(seconds: float) -> None:
    """What a busy process looks like to the door: the loop runs its timers late."""
    admission.lag.start()
    await asyncio.sleep(0.1)  # the lag timer is armed
    time.sleep(seconds)


async def post(path: str, body: bytes, headers: list | None = None) -> dict:
    return await HttpCommunicator(
        application, "POST", path, body=body, headers=headers or []
    ).get_response(timeout=TIMEOUT)


async def test_sns_deliveries_get_503_before_verification_while_the_loop_is_behind():
    await block_the_loop(1.0)
    busy = await post("/webhooks/sns/", b"not even json")
    assert busy["status"] == 503
    assert dict(busy["headers"])[b"retry-after"] == b"5"
    await asyncio.sleep(0.3)  # caught up: the same delivery is judged again (bad: 400)
    assert (await post("/webhooks/sns/", b"not even json"))["status"] == 400


async def test_the_notify_api_gets_503_before_its_token_is_checked(settings):
    settings.NOTIFY_SERVICE_TOKEN = "the-service-secret"
    wrong = [
        (b"host", b"localhost"),
        (b"authorization", b"Bearer wrong"),
        (b"content-type", b"application/json"),
    ]
    await block_the_loop(1.0)
    assert (await post("/api/notify/", b"{}", wrong))["status"] == 503
    await asyncio.sleep(0.3)
    assert (await post("/api/notify/", b"{}", wrong))["status"] == 403


async def test_sns_deliveries_past_the_default_in_flight_bound_get_503_at_once():
    # Past capacity the requests pile up at the door, not only behind a late loop: with
    # the default bound (256), the next delivery is refused before its body is read,
    # while the loop is on time; one of those in flight ending lets the next one in.
    assert settings.ADMISSION_HTTP_IN_FLIGHT == 256
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/webhooks/sns/",
        "headers": [(b"content-type", b"text/plain; charset=UTF-8")],
    }
    slow = []
    for _ in range(256):  # bodies still arriving: each one is in flight
        request = ApplicationCommunicator(application, scope)
        await request.send_input({"type": "http.request", "body": b"{", "more_body": True})
        slow.append(request)
    await asyncio.sleep(0.1)
    busy = await post("/webhooks/sns/", b"not even json")
    assert busy["status"] == 503
    assert dict(busy["headers"])[b"retry-after"] == b"5"
    await slow[0].send_input({"type": "http.request", "body": b"", "more_body": False})
    assert (await slow[0].receive_output(TIMEOUT))["status"] == 400
    assert (await post("/webhooks/sns/", b"not even json"))["status"] == 400  # let in
    for request in slow[1:]:
        await request.send_input({"type": "http.disconnect"})
        await request.wait(TIMEOUT)


def handshake(address: str | None = None, headers: list | None = None) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(
        application, "/ws/notifications/", headers=[ORIGIN, *(headers or [])]
    )
    if address is not None:
        socket.scope["client"] = [address, 50000]
    return socket


async def outcome(socket: WebsocketCommunicator) -> tuple[dict | None, int]:
    """(the error frame or None, the close code) of a refused handshake."""
    assert (await socket.connect(timeout=TIMEOUT))[0]
    first = await socket.receive_output(timeout=TIMEOUT)
    if first["type"] == "websocket.close":
        return None, first["code"]
    closed = await socket.receive_output(timeout=TIMEOUT)
    return json.loads(first["text"]), closed["code"]


@pytest.mark.parametrize("cookie", [None, b"sessionid=forged", b"other=1"])
async def test_a_handshake_without_a_session_costs_no_channel(layer, monkeypatch, cookie):
    channels = []
    real = get_channel_layer().new_channel

    async def spy(*args, **kwargs):
        channels.append(await real(*args, **kwargs))
        return channels[-1]

    monkeypatch.setattr(get_channel_layer(), "new_channel", spy)
    headers = [(b"cookie", cookie)] if cookie else []
    assert await outcome(handshake(headers=headers)) == (None, 4401)
    assert channels == []


async def test_handshakes_past_the_address_burst_get_4429_with_a_hint(layer):
    # The default burst is 30; these fail auth (4401) but count at the door all the same.
    for _ in range(30):
        assert await outcome(handshake("203.0.113.77")) == (None, 4401)
    frame, code = await outcome(handshake("203.0.113.77"))
    assert code == 4429
    assert frame["code"] == "too_many_handshakes"
    assert frame["retry_after"] >= 1
    assert await outcome(handshake("203.0.113.78")) == (None, 4401)  # another address


async def test_a_trusted_proxy_is_not_limited_by_address(layer):
    for _ in range(40):
        assert await outcome(handshake("127.0.0.1")) == (None, 4401)


async def test_the_door_times_served_handshakes_only(layer, alice, monkeypatch):
    # How long a handshake takes sizes the hint (project/handshakes.py): a refusal by
    # auth is quicker than serving one and must not make the process look faster.
    monkeypatch.setattr(handshake_gate, "window", type(handshake_gate.window)())
    assert await outcome(handshake("203.0.113.91")) == (None, 4401)
    assert handshake_gate.window.measured == 0
    socket = handshake("203.0.113.91", [(b"cookie", await session_cookie(alice))])
    assert (await socket.connect(timeout=TIMEOUT))[0]
    assert json.loads(await socket.receive_from(timeout=TIMEOUT))["type"] == "sync"
    assert handshake_gate.window.measured == 1
    assert handshake_gate.in_flight == 0
    await socket.disconnect()


async def test_a_busy_process_refuses_handshakes_with_4503_and_a_hint(layer, alice):
    cookie = (b"cookie", await session_cookie(alice))
    await block_the_loop(1.0)
    frame, code = await outcome(handshake("203.0.113.90", [cookie]))
    assert code == 4503
    assert frame["code"] == "busy"
    assert frame["retry_after"] >= 1
    await asyncio.sleep(0.3)
    socket = handshake("203.0.113.90", [cookie])
    assert (await socket.connect(timeout=TIMEOUT))[0]
    assert json.loads(await socket.receive_from(timeout=TIMEOUT))["type"] == "sync"
    await socket.disconnect()
