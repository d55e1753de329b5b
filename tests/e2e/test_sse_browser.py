"""The Server-Sent Events fallback (issue 21): with WebSockets refused on the way, as some
proxies do, the browser gets its frames over GET /sse/notifications/ and sends its acks as
POSTs; toasts, dismissals and the leader's relay to other tabs work as on the socket.
"""

import contextlib
import json
import socket
import threading
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.e2e.pages import live, log_in
from tests.e2e.test_inbox_browser import QUIET, badge
from tests.e2e.test_shared_socket_browser import METRICS_TOKEN, notify, open_sockets

pytestmark = pytest.mark.browser


class NoWebSocketProxy:
    """A reverse proxy in front of the server that passes HTTP (long responses too) and
    answers every WebSocket upgrade with 502, as some corporate proxies do: the browser's
    handshake fails and the socket never opens."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.refused = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self.handle, args=(client,), daemon=True).start()

    def handle(self, client: socket.socket) -> None:
        # Chromium opens a connection of its own for each WebSocket handshake, so the
        # first request of a connection tells which kind it is.
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(65536)
            if not chunk:
                client.close()
                return
            head += chunk
        if b"\r\nupgrade: websocket" in head.lower():
            self.refused += 1
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            client.close()
            return
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
        upstream.sendall(head)
        threading.Thread(target=pump, args=(upstream, client), daemon=True).start()
        pump(client, upstream)

    def close(self) -> None:
        self.listener.close()


def pump(source: socket.socket, target: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
    except OSError:
        pass
    finally:
        for end in (source, target):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


def log_in_on(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=f"Hello, {username}")).to_be_visible()


def requests_of(page: Page) -> list[str]:
    """The event-stream requests this page makes from now on (the stream, and its client
    frames POSTed to the API): method, path and body."""
    seen: list[str] = []

    def on_request(request) -> None:
        if "/sse/notifications/" in request.url or "/api/streams/send/" in request.url:
            seen.append(f"{request.method} {request.url} {request.post_data or ''}")

    page.on("request", on_request)
    return seen


def on_sse(page: Page) -> Page:
    live(page)
    expect(page.locator("#connection")).to_have_attribute("data-transport", "sse")
    return page


def toast(page: Page, text: str):
    return page.get_by_role("status").filter(has_text=text)


def message_state(base_url: str, token: str, message: int) -> dict:
    request = urllib.request.Request(
        f"{base_url}/api/notifications/{message}/", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


# Two browsers, two log-ins and two fallbacks: more than the default 120 s on a loaded machine.
@pytest.mark.timeout(300)
def test_with_websockets_refused_toasts_and_dismissals_go_over_sse(browser, make_stack):
    stack = make_stack(extra_env={**QUIET, "METRICS_TOKEN": METRICS_TOKEN})
    stack.create_user("alice", PASSWORD)
    token = stack.manage("create_token", "alice").strip()
    server_url = f"http://127.0.0.1:{stack.start_server()}"
    proxy = NoWebSocketProxy(int(server_url.rsplit(":", 1)[1]))
    base_url = f"http://127.0.0.1:{proxy.port}"
    # Chromium's own line for each refused handshake: the scenario itself, not a bug.
    browser.expect_console("Error during WebSocket handshake: Unexpected response code: 502")
    context = browser.new_context()
    first = context.new_page()
    first_requests = requests_of(first)
    log_in_on(first, base_url, "alice")
    on_sse(first)
    assert proxy.refused >= 2, "the page tried the socket first"
    assert any(r.startswith("GET ") for r in first_requests), first_requests
    # A second tab of the browser follows the leader's stream; a second browser (context)
    # of the same user holds a stream of its own.
    second = context.new_page()
    second_requests = requests_of(second)
    second.goto(base_url + "/")
    on_sse(second)
    other_context, other = log_in(browser, base_url, "alice")
    on_sse(other)
    # The server holds one connection per browser (the gauge counts streams with sockets,
    # and no socket ever reached it).
    assert open_sockets(base_url) == 2

    message = notify(base_url, "alice", "Backup finished over SSE")
    pages = [first, second, other]
    for page in pages:
        expect(toast(page, "Backup finished over SSE")).to_be_visible()
        badge(page, 1)

    with browser.js_only(second):
        second.get_by_role("button", name="Dismiss notification: Backup finished over SSE").click()
    for page in pages:
        expect(toast(page, "Backup finished over SSE")).to_have_count(0)
        badge(page, 0)
    # The ack went from the follower to the leader, and as a POST for the leader's stream.
    acks = [r for r in first_requests if r.startswith("POST ") and '"ack"' in r]
    assert len(acks) == 1 and f"[{message}]" in acks[0], first_requests
    assert not second_requests, "the follower holds no stream of its own"
    assert message_state(base_url, token, message)["read_at"] is not None
    assert open_sockets(base_url) == 2
    # One stream all along: neither the server nor the proxy cut it (no reconnect).
    assert len([r for r in first_requests if r.startswith("GET ")]) == 1, first_requests
    context.close()
    other_context.close()
    proxy.close()
