"""Web Push test fixtures: a real local push service, VAPID keys, a browser's subscription.

The push service is an HTTP server on 127.0.0.1 that records each POST; the test holds
the subscription's private key and auth secret, like a browser, and decrypts what came.
tests/offline/webpush/conftest.py makes them every Web Push test's; other tests import
what they use from here.
"""

import base64
import json
import os
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.utils import timezone

from offline.management.commands.vapid_keys import generate
from offline.models import PushSubscription
from offline.webpush import network as push_network
from offline.webpush import send as push

SUBJECT = "mailto:ops@example.com"
LATER = timedelta(seconds=61)  # past the default 60 second delay


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PushService:
    """Records every POST; answers `status[path]` (201 by default)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status: dict[str, int] = {}
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                service.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                self.send_response(service.status.get(self.path, 201))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def to(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["path"] == path]


# Test DNS: names under example.com answer these, anything else the system's resolver.
DNS = {
    "push.example.com": ["93.184.215.14"],
    "internal.example.com": ["10.1.2.3"],
    "mixed.example.com": ["93.184.215.14", "127.0.0.1"],
    "metadata.example.com": ["169.254.169.254"],
    "v6.example.com": ["::ffff:10.0.0.1"],
    "local-push.example.com": ["127.0.0.1"],
}


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch) -> dict[str, list[str]]:
    real = push_network.resolve
    table = dict(DNS)

    def resolve(host: str, port: int):
        if host in table:
            return [push_network.ipaddress.ip_address(a) for a in table[host]]
        return real(host, port)

    monkeypatch.setattr(push_network, "resolve", resolve)
    return table


@pytest.fixture
def loopback_allowed(monkeypatch) -> None:
    """Let Web Push reach a push service on this machine (the tests' own)."""
    real = push_network.is_public_address
    monkeypatch.setattr(push_network, "is_public_address", lambda a: a.is_loopback or real(a))


@pytest.fixture
def push_service(loopback_allowed) -> Iterator[PushService]:
    service = PushService()
    service.thread.start()
    yield service
    service.server.shutdown()
    service.server.server_close()


@pytest.fixture
def vapid(settings) -> dict[str, str]:
    public, private = generate()
    settings.WEBPUSH_VAPID_PUBLIC_KEY = public
    settings.WEBPUSH_VAPID_PRIVATE_KEY = private
    settings.WEBPUSH_VAPID_SUBJECT = SUBJECT
    settings.WEBPUSH_DELAY_SECONDS = 60
    return {"public": public, "private": private}


@pytest.fixture
def push_off(settings) -> None:
    settings.WEBPUSH_VAPID_PUBLIC_KEY = ""
    settings.WEBPUSH_VAPID_PRIVATE_KEY = ""


class Browser:
    """A browser's side of one subscription: its own key pair and auth secret."""

    def __init__(self, user, endpoint: str) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        public = self.key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        self.p256dh = b64url(public)
        self.path = "/" + endpoint.split("/", 3)[3]
        # Stored directly: the subscribe endpoint only takes https push service URLs.
        self.subscription = PushSubscription.objects.create(
            user=user, endpoint=endpoint, p256dh=self.p256dh, auth=b64url(self.auth)
        )

    def decrypt(self, request: dict) -> dict:
        plain = http_ece.decrypt(
            request["body"], private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return json.loads(plain)


@pytest.fixture
def browser(push_service):
    def make(user, name: str) -> Browser:
        return Browser(user, f"{push_service.origin}/push/{name}")

    return make


def run(now=None) -> int:
    return push.push_unread(now=now or timezone.now() + LATER)
