"""Bearer tokens cannot be guessed at speed: failures are limited per client address."""

import json
import logging

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from accounts.services import create_token
from project.asgi import application
from tests.consumers.sockets import ORIGIN, TIMEOUT

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def limit(settings):
    settings.TOKEN_FAILURE_LIMIT = 3
    settings.TOKEN_FAILURE_WINDOW = 60


def api_get(raw: str, address: str = "203.0.113.7"):
    return Client(REMOTE_ADDR=address).get(
        "/api/notifications/unread-count/", headers={"Authorization": f"Bearer {raw}"}
    )


def test_api_refuses_an_address_after_too_many_bad_tokens(alice, caplog):
    _, good = create_token(user=alice)
    assert api_get(good).status_code == 200
    with caplog.at_level(logging.INFO, logger="accounts.auth"):
        for _ in range(3):
            assert api_get("guess").status_code == 401
        for _ in range(2):
            response = api_get("guess")
            assert response.status_code == 429
            assert response.json()["error"] == "too_many_failures"
            assert 0 < int(response["Retry-After"]) <= 60
    # One warning, not one per attempt.
    assert len([r for r in caplog.records if r.levelno >= logging.WARNING]) == 1
    # Failures counted against an address never lock out a correct token (issue 19.2).
    assert api_get(good).status_code == 200
    assert api_get(good, address="198.51.100.1").status_code == 200  # another address


def test_the_window_ends(alice, settings):
    settings.TOKEN_FAILURE_WINDOW = 0.01
    _, good = create_token(user=alice)
    for _ in range(3):
        api_get("guess")
    import time

    time.sleep(0.02)
    assert api_get(good).status_code == 200


def test_the_service_token_is_limited_the_same_way(settings):
    settings.NOTIFY_SERVICE_TOKEN = "the-service-secret"
    client = Client(REMOTE_ADDR="203.0.113.9")

    def notify(raw: str) -> int:
        return client.post(
            "/api/notify/",
            json.dumps({"user": "nobody", "text": "x"}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {raw}"},
        ).status_code

    assert [notify("guess") for _ in range(3)] == [403] * 3
    assert notify("guess") == 429
    assert notify("the-service-secret") != 429  # never locked out (issue 19.2)


async def socket_from(address: str, raw: str) -> WebsocketCommunicator:
    socket = WebsocketCommunicator(
        application,
        "/ws/notifications/",
        headers=[ORIGIN, (b"authorization", f"Bearer {raw}".encode())],
    )
    socket.scope["client"] = [address, 50000]  # read when the app starts, on connect
    assert (await socket.connect(timeout=TIMEOUT))[0]
    return socket


async def first_and_close(socket: WebsocketCommunicator) -> tuple[str, int | None]:
    first = await socket.receive_output(timeout=TIMEOUT)
    if first["type"] == "websocket.close":
        return "", first["code"]
    frame = json.loads(first["text"])
    if frame["type"] == "sync":
        await socket.disconnect()
        return "sync", None
    closed = await socket.receive_output(timeout=TIMEOUT)
    return frame["code"], closed["code"]


async def test_sockets_refuse_an_address_after_too_many_bad_tokens(alice):
    _, good = await database_sync_to_async(create_token)(user=alice)
    for _ in range(3):
        assert await first_and_close(await socket_from("203.0.113.8", "guess")) == ("", 4401)
    refused = await first_and_close(await socket_from("203.0.113.8", "guess"))
    assert refused == ("too_many_failures", 4429)
    assert await first_and_close(await socket_from("203.0.113.8", good)) == ("sync", None)
    assert await first_and_close(await socket_from("198.51.100.2", good)) == ("sync", None)
