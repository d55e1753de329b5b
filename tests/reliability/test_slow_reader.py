"""A client that stops reading cannot make the server buffer for it forever: the
WebSocket keepalive (daphne's --ping-interval / --ping-timeout) drops it."""

import base64
import os
import socket
import subprocess
import sys
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
