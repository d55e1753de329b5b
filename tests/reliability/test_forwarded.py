"""Forwarded headers count only from a trusted proxy (TRUSTED_PROXIES), on the Procfile's
daphne: a client cannot pick the address its bearer failures are counted against, and
failures counted against an address never lock out a correct token."""

import http.client

import pytest

from harness.procfile import web_args

# Linux routes all of 127/8 to loopback: 127.0.0.2 is a client that is no trusted proxy
# (the default TRUSTED_PROXIES is 127.0.0.1 and ::1); 127.0.0.1 plays the proxy.
OUTSIDER = "127.0.0.2"
PROXY = "127.0.0.1"


def get(port: int, token: str, *, source: str, forwarded: str | None = None) -> int:
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=10, source_address=(source, 0)
    )
    headers = {"Authorization": f"Bearer {token}"}
    if forwarded is not None:
        headers["X-Forwarded-For"] = forwarded
    connection.request("GET", "/api/notifications/unread-count/", headers=headers)
    status = connection.getresponse().status
    connection.close()
    return status


@pytest.fixture
def server(make_stack):
    stack = make_stack(redis_url="")
    stack.create_user("producer", "correct-horse-battery-staple")
    token = stack.manage("create_token", "producer")
    return stack.start_server(args=web_args()), token


def test_a_client_cannot_rotate_x_forwarded_for_past_the_failure_limit(server):
    port, _ = server
    # The default TOKEN_FAILURE_LIMIT is 10: the 11th wrong token from one client is 429.
    statuses = [get(port, "guess", source=OUTSIDER, forwarded=f"198.51.100.{n}") for n in range(12)]
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]


def test_spoofed_failures_never_lock_out_the_correct_token(server):
    port, token = server
    producer = "203.0.113.50"
    # Behind the proxy, an attacker writes the producer's address first; the proxy
    # appends the attacker's real one, which is what counts.
    for _ in range(12):
        get(port, "guess", source=PROXY, forwarded=f"{producer}, 203.0.113.66")
    assert get(port, token, source=PROXY, forwarded=producer) == 200
    # Failures from the producer's own address do not lock out its correct token either.
    for _ in range(12):
        get(port, "guess", source=PROXY, forwarded=producer)
    assert get(port, "guess", source=PROXY, forwarded=producer) == 429
    assert get(port, token, source=PROXY, forwarded=producer) == 200
