"""A client that stops reading cannot make the server buffer for it forever: the
WebSocket keepalive (daphne's --ping-interval / --ping-timeout) drops a client that
answers nothing, and the send-buffer bound (consumers/backpressure.py) closes one that
keeps sending frames but never reads."""

import base64
import os
import socket
import subprocess
import sys
import threading
import time

from tests.e2e.servers import REPO

# A producer inside the stack: many large notifications to one user, as fast as it can.
FLOOD = """
from django.contrib.auth import get_user_model
from notifications.services import notify
user = get_user_model().objects.get(username="alice")
for n in range(%d):
    notify(user, ("flood %%d " %% n) + "x" * 900)
"""


def open_raw_socket(port: int, token: str) -> socket.socket:
    """A WebSocket handshake by hand, so that afterwards nothing is read, not even pings."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            "GET /ws/notifications/ HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Authorization: Bearer {token}\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def test_a_client_that_stops_reading_is_dropped(make_stack, own_redis):
    stack = make_stack(redis_url=own_redis.url)
    stack.create_user("alice", "correct-horse-battery-staple")
    token = stack.manage("create_token", "alice")
    port = stack.start_server(args=("--ping-interval", "1", "--ping-timeout", "2"))
    sock = open_raw_socket(port, token)

    flood = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", FLOOD % 3000],
        cwd=REPO,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert flood.returncode == 0, flood.stderr
    # Several megabytes were pushed; the reader never read. The keepalive must have ended
    # the connection: draining the socket now ends in EOF or a reset, not in a wait.
    sock.settimeout(10)
    deadline = time.monotonic() + 30
    ended = False
    try:
        while time.monotonic() < deadline:
            if not sock.recv(1 << 20):
                ended = True
                break
    except ConnectionResetError:
        ended = True
    except TimeoutError:
        ended = False
    finally:
        sock.close()
    assert ended, "the server kept buffering for a client that never read"


def masked_text_frame(text: str) -> bytes:
    """A client frame (clients must mask) with a short text payload."""
    payload = text.encode()
    mask = os.urandom(4)
    return (
        bytes([0x81, 0x80 | len(payload)])
        + mask
        + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    )


def flood(stack, count: int) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", FLOOD % count],
        cwd=REPO,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_a_client_that_sends_but_never_reads_is_closed_at_the_buffer_bound(make_stack, own_redis):
    stack = make_stack(
        redis_url=own_redis.url,
        extra_env={
            "NOTIFICATIONS_SEND_BUFFER_BYTES": str(64 * 1024),
            "NOTIFICATIONS_RATE": "100",
        },
    )
    stack.create_user("alice", "correct-horse-battery-staple")
    token = stack.manage("create_token", "alice")
    # Keepalive pings far apart: only the bound can end this connection.
    port = stack.start_server(args=("--ping-interval", "3600", "--ping-timeout", "3600"))
    sock = open_raw_socket(port, token)

    # The client keeps talking (each frame resets daphne's keepalive) and never reads.
    stop = threading.Event()

    def chatter() -> None:
        while not stop.wait(0.2):
            try:
                sock.sendall(masked_text_frame('{"type":"ping"}'))
            except OSError:
                return  # the server has ended the connection

    talker = threading.Thread(target=chatter, daemon=True)
    talker.start()
    try:
        flood(stack, 3000)  # ~3 MB for a client that reads nothing
    finally:
        stop.set()
        talker.join(timeout=5)

    log = (stack.workdir / f"daphne-{port}.log").read_text()
    assert "with 4408" in log, log[-2000:]
    # And the connection is gone: draining what the kernel holds ends in EOF or a reset.
    sock.settimeout(10)
    received = 0
    try:
        while chunk := sock.recv(1 << 20):
            received += len(chunk)
    except ConnectionResetError:
        pass
    finally:
        sock.close()
    # Far less than the ~3 MB pushed reached the client: the rest was never queued.
    assert received < 2 * 1024 * 1024
