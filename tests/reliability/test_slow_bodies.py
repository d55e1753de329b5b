"""Slow request bodies cannot hold the server's descriptors (issue 19.4), on the
Procfile's daphne with the default settings: one address holds at most
SERVER_MAX_CONNECTIONS_PER_ADDRESS connections, a request that does not arrive in time
is answered 408 and closed, others are served meanwhile, and the log says so once per
address, not once per request."""

import http.client
import socket
import time

from harness.procfile import web_args
from project.settings import (
    SERVER_MAX_CONNECTIONS_PER_ADDRESS,
    SERVER_MIN_BODY_RATE,
    SERVER_REQUEST_TIMEOUT,
)

SLOW = "127.0.0.3"  # no trusted proxy (TRUSTED_PROXIES is 127.0.0.1 and ::1 by default)
OTHER = "127.0.0.4"
PROMISED = 20_000  # bytes: the deadline is SERVER_REQUEST_TIMEOUT + PROMISED / min rate


def slow_post(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(SLOW, 0))
    sock.sendall(
        b"POST /webhooks/sns/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: text/plain\r\nContent-Length: %d\r\n\r\nx" % PROMISED
    )
    return sock


def closed_now(sock: socket.socket) -> bool:
    """The server closed this connection (within a second)."""
    sock.settimeout(1)
    try:
        return sock.recv(1024) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def served(port: int) -> int:
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=10, source_address=(OTHER, 0)
    )
    connection.request("GET", "/accounts/login/")
    status = connection.getresponse().status
    connection.close()
    return status


def test_slow_bodies_are_bounded_per_address_and_in_time(make_stack):
    stack = make_stack(redis_url="")
    port = stack.start_server(args=web_args())
    assert served(port) == 200
    held = [slow_post(port) for _ in range(SERVER_MAX_CONNECTIONS_PER_ADDRESS)]
    over = [slow_post(port) for _ in range(5)]
    assert all(closed_now(sock) for sock in over)
    assert served(port) == 200  # another client meanwhile

    deadline = SERVER_REQUEST_TIMEOUT + PROMISED / SERVER_MIN_BODY_RATE
    started = time.monotonic()
    # A byte every few seconds: no idle timeout would ever fire.
    while time.monotonic() - started < deadline - 3:
        for sock in held[:10]:
            sock.sendall(b"x")
        time.sleep(3)
    answers = []
    for sock in held:
        sock.settimeout(10)
        data = b""
        try:
            while chunk := sock.recv(4096):
                data += chunk
        except (TimeoutError, ConnectionResetError):
            pass
        answers.append(data.split(b"\r\n", 1)[0])
        sock.close()
    assert set(answers) == {b"HTTP/1.1 408 Request Timeout"}
    assert time.monotonic() - started < deadline + 10
    assert served(port) == 200

    log = (stack.workdir / f"daphne-{port}.log").read_text()
    assert log.count(f"request not received in time from {SLOW}") == 1
    assert log.count(f"too many connections from {SLOW}") == 1
    assert "Traceback" not in log
