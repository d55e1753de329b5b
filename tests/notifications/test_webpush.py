"""Web Push: subscriptions, the endpoints, and push_unread against a real local push service.

The push service is an HTTP server on 127.0.0.1 that records each POST; the test holds
the subscription's private key and auth secret, like a browser, and decrypts what came.
"""

import base64
import json
import os
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import http_ece
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from py_vapid import Vapid, Vapid02

from notifications import services
from notifications.management.commands.vapid_keys import generate
from notifications.models import Message, PushSubscription
from notifications.webpush import network as push_network
from notifications.webpush import send as push

pytestmark = pytest.mark.django_db

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


def test_pushes_an_encrypted_payload_signed_with_vapid(vapid, alice, browser, push_service):
    phone = browser(alice, "alice-phone")
    message = services.notify(alice, "Transcoded: talk.mp3", level="success", link="/uploads/7/")

    assert run() == 1

    [request] = push_service.to(phone.path)
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["content-encoding"] == "aes128gcm"
    assert int(headers["ttl"]) == push.TTL_SECONDS
    assert phone.decrypt(request) == {
        "id": message.pk,
        "text": "Transcoded: talk.mp3",
        "link": "/uploads/7/",
        "level": "success",
        "title": "Audio: Done",
    }
    # RFC 8292: "vapid t=<JWT>,k=<public key>", signed by our key, for this origin.
    auth = headers["authorization"]
    assert auth.startswith("vapid ")
    parts = dict(p.split("=", 1) for p in auth[len("vapid ") :].split(","))
    assert parts["k"] == vapid["public"]
    assert Vapid02.verify(auth)
    claims = json.loads(unb64url(parts["t"].split(".")[1]))
    assert claims["aud"] == push_service.origin
    assert claims["sub"] == SUBJECT
    assert claims["exp"] > timezone.now().timestamp()
    message.refresh_from_db()
    assert message.pushed_at is not None


def test_a_message_younger_than_the_delay_waits(vapid, alice, browser, push_service):
    phone = browser(alice, "alice-phone")
    message = services.notify(alice, "just now")

    assert run(now=message.created_at + timedelta(seconds=30)) == 0
    assert push_service.requests == []

    assert run(now=message.created_at + LATER) == 1
    assert len(push_service.to(phone.path)) == 1


def test_a_message_older_than_an_hour_past_the_delay_is_left(vapid, alice, browser, push_service):
    browser(alice, "alice-phone")
    message = services.notify(alice, "while the scheduler was down")

    assert run(now=message.created_at + LATER + push.MAX_AGE) == 0
    assert push_service.requests == []
    assert run(now=message.created_at + LATER + push.MAX_AGE - timedelta(seconds=2)) == 1


def test_read_and_seen_messages_are_not_pushed(vapid, alice, browser, push_service):
    browser(alice, "alice-phone")
    read = services.notify(alice, "read in a tab")
    seen = services.notify(alice, "shown as a toast")
    services.mark_read(user=alice, ids=[read.pk])
    services.mark_seen(user=alice, ids=[seen.pk])

    assert run() == 0
    assert push_service.requests == []


def test_each_message_is_pushed_once(vapid, alice, browser, push_service):
    phone = browser(alice, "alice-phone")
    laptop = browser(alice, "alice-laptop")
    first = services.notify(alice, "one")
    second = services.notify(alice, "two")

    assert run() == 2
    assert run() == 0
    assert run(now=timezone.now() + timedelta(hours=1)) == 0

    for device in (phone, laptop):
        got = [device.decrypt(r)["id"] for r in push_service.to(device.path)]
        assert sorted(got) == [first.pk, second.pk]


def test_another_users_subscription_never_receives_it(vapid, alice, bob, browser, push_service):
    alices = browser(alice, "alice-phone")
    bobs = browser(bob, "bob-phone")
    services.notify(alice, "alice's secret")

    assert run() == 1

    assert [alices.decrypt(r)["text"] for r in push_service.to(alices.path)] == ["alice's secret"]
    assert push_service.to(bobs.path) == []


def test_subscribing_does_not_replay_older_messages(vapid, alice, browser, push_service):
    message = services.notify(alice, "before the subscription")
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(hours=1))
    browser(alice, "alice-phone")

    assert run() == 0
    assert push_service.requests == []


@pytest.mark.parametrize("status", [404, 410])
def test_a_gone_subscription_is_deleted(vapid, alice, browser, push_service, status):
    gone = browser(alice, "alice-old-phone")
    kept = browser(alice, "alice-phone")
    push_service.status[gone.path] = status
    services.notify(alice, "hello")

    assert run() == 1

    assert len(push_service.to(gone.path)) == 1
    assert list(PushSubscription.objects.values_list("pk", flat=True)) == [kept.subscription.pk]
    assert len(push_service.to(kept.path)) == 1


def test_other_errors_are_recorded_and_logged(vapid, alice, browser, push_service, caplog):
    phone = browser(alice, "alice-phone")
    push_service.status[phone.path] = 500
    first = services.notify(alice, "hello")

    assert run() == 1

    phone.subscription.refresh_from_db()
    assert phone.subscription.last_error.startswith("Push failed: 500")
    assert f"push to subscription {phone.subscription.pk} failed" in caplog.text
    # Not retried: a push is a hint, and the inbox still has the message.
    first.refresh_from_db()
    assert first.pushed_at is not None
    assert run() == 0

    del push_service.status[phone.path]
    services.notify(alice, "again")
    assert run() == 1
    phone.subscription.refresh_from_db()
    assert phone.subscription.last_error == ""


def test_an_unreachable_push_service_is_recorded(vapid, alice, loopback_allowed):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    phone = Browser(alice, f"http://127.0.0.1:{port}/push/x")
    services.notify(alice, "hello")

    assert run() == 1

    phone.subscription.refresh_from_db()
    assert phone.subscription.last_error.startswith("ConnectionError")


def test_a_long_text_is_cut_to_fit_a_push(vapid, alice, browser, push_service):
    phone = browser(alice, "alice-phone")
    services.notify(alice, "🎧" * 1000, link="/" + "x" * 499)

    assert run() == 1

    [request] = push_service.to(phone.path)
    payload = phone.decrypt(request)
    assert payload["text"].startswith("🎧🎧🎧") and payload["text"].endswith("…")
    assert len(json.dumps(payload, ensure_ascii=False).encode()) <= push.MAX_PAYLOAD_BYTES


def test_push_is_off_without_keys(push_off, alice, browser, push_service):
    browser(alice, "alice-phone")
    services.notify(alice, "hello")

    assert run() == 0
    assert push_service.requests == []
    out = StringIO()
    call_command("push_unread", stdout=out)
    assert "Web Push is off" in out.getvalue()


def test_push_unread_command(vapid, alice, browser, push_service):
    phone = browser(alice, "alice-phone")
    message = services.notify(alice, "hello")
    PushSubscription.objects.filter(pk=phone.subscription.pk).update(
        created_at=timezone.now() - 2 * LATER
    )
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - LATER)

    out = StringIO()
    call_command("push_unread", stdout=out)

    assert out.getvalue().strip() == "pushed 1 messages"
    assert len(push_service.requests) == 1


def test_vapid_keys_prints_a_pair_pywebpush_accepts():
    out = StringIO()
    call_command("vapid_keys", "--subject", SUBJECT, stdout=out)
    lines = dict(line.split("=", 1) for line in out.getvalue().splitlines())

    public, private = lines["WEBPUSH_VAPID_PUBLIC_KEY"], lines["WEBPUSH_VAPID_PRIVATE_KEY"]
    assert lines["WEBPUSH_VAPID_SUBJECT"] == SUBJECT
    assert "=" not in public + private
    assert len(unb64url(public)) == 65 and unb64url(public)[0] == 4
    assert len(unb64url(private)) == 32
    key = Vapid.from_string(private)
    derived = key.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    assert b64url(derived) == public
    headers = key.sign({"sub": SUBJECT, "aud": "https://push.example.com"})
    assert Vapid02.verify(headers["Authorization"])


# The endpoints behind the inbox's button.


def subscription_json(endpoint: str = "https://push.example.com/send/abc") -> dict:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    return {
        "endpoint": endpoint,
        "keys": {
            "p256dh": b64url(key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)),
            "auth": b64url(os.urandom(16)),
        },
    }


def post_json(client: Client, url: str, body: object, **extra):
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


@pytest.fixture
def alice_client(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


def test_key_gives_the_public_key(vapid, alice_client):
    response = alice_client.get("/notifications/push/key/")
    assert response.status_code == 200
    assert response.json() == {"public_key": vapid["public"]}


def test_subscribe_stores_the_subscription(vapid, alice, alice_client):
    body = subscription_json()
    response = post_json(alice_client, "/notifications/push/subscribe/", body)

    assert response.status_code == 201
    stored = PushSubscription.objects.get()
    assert (stored.user, stored.endpoint) == (alice, body["endpoint"])
    assert (stored.p256dh, stored.auth) == (body["keys"]["p256dh"], body["keys"]["auth"])

    # Sent again on the next visit: still one row.
    assert post_json(alice_client, "/notifications/push/subscribe/", body).status_code == 201
    assert PushSubscription.objects.count() == 1


def test_a_browser_belongs_to_the_user_who_subscribed_last(vapid, bob, alice_client):
    body = subscription_json()
    bobs = Client()
    bobs.force_login(bob)
    post_json(bobs, "/notifications/push/subscribe/", body)
    post_json(alice_client, "/notifications/push/subscribe/", body)

    assert PushSubscription.objects.get().user.username == "alice"


@pytest.mark.parametrize(
    "change",
    [
        {"endpoint": "http://push.example.com/send/abc"},
        {"endpoint": "https://127.0.0.1/send/abc"},
        {"endpoint": "https://[::1]/send/abc"},
        {"endpoint": "https://localhost/send/abc"},
        {"endpoint": "https://metadata.internal/x"},
        # Each of these reaches loopback or the private network once resolved.
        {"endpoint": "https://localhost.:8443/send/abc"},
        {"endpoint": "https://127.1/send/abc"},
        {"endpoint": "https://0x7f.0.0.1/send/abc"},
        {"endpoint": "https://2130706433/send/abc"},
        {"endpoint": "https://[::ffff:127.0.0.1]/send/abc"},
        {"endpoint": "https://internal.example.com/send/abc"},
        {"endpoint": "https://mixed.example.com/send/abc"},
        {"endpoint": "https://metadata.example.com/send/abc"},
        {"endpoint": "https://v6.example.com/send/abc"},
        {"endpoint": "https://nothing.invalid/send/abc"},
        {"endpoint": "https://push.example.com/send/a\x00b"},
        {"endpoint": "https://push.example.com/send/\ud800"},
        {"endpoint": 7},
        {"keys": {"p256dh": "short", "auth": b64url(os.urandom(16))}},
        {"keys": {"p256dh": b64url(b"\x04" + bytes(64)), "auth": b64url(b"x")}},
        {"keys": {"p256dh": "!!!", "auth": "!!!"}},
        {"keys": None},
    ],
)
def test_subscribe_refuses_bad_subscriptions(vapid, alice_client, change):
    body = subscription_json() | change
    response = post_json(alice_client, "/notifications/push/subscribe/", body)
    assert response.status_code == 400
    assert PushSubscription.objects.count() == 0


def test_subscribe_refuses_a_body_that_is_not_json(vapid, alice_client):
    response = alice_client.post(
        "/notifications/push/subscribe/", "nope", content_type="application/json"
    )
    assert response.status_code == 400


def test_subscribe_needs_login(vapid, client):
    response = post_json(client, "/notifications/push/subscribe/", subscription_json())
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/notifications/push/key/").status_code == 302


def test_subscribe_needs_the_csrf_token(vapid, alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    body = subscription_json()

    assert post_json(client, "/notifications/push/subscribe/", body).status_code == 403
    assert PushSubscription.objects.count() == 0

    client.get("/notifications/")
    token = client.cookies["csrftoken"].value
    response = post_json(client, "/notifications/push/subscribe/", body, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


def test_endpoints_404_when_push_is_off(push_off, alice_client):
    assert alice_client.get("/notifications/push/key/").json() == {"public_key": None}
    body = subscription_json()
    assert post_json(alice_client, "/notifications/push/subscribe/", body).status_code == 404
    assert post_json(alice_client, "/notifications/push/unsubscribe/", body).status_code == 404
    assert PushSubscription.objects.count() == 0


def test_unsubscribe_deletes_only_your_own(vapid, alice, bob, alice_client):
    mine = push.subscribe(user=alice, **flat(subscription_json("https://push.example.com/a")))
    bobs = push.subscribe(user=bob, **flat(subscription_json("https://push.example.com/b")))

    response = post_json(
        alice_client, "/notifications/push/unsubscribe/", {"endpoint": bobs.endpoint}
    )
    assert response.json() == {"unsubscribed": False}
    response = post_json(
        alice_client, "/notifications/push/unsubscribe/", {"endpoint": mine.endpoint}
    )
    assert response.json() == {"unsubscribed": True}

    assert list(PushSubscription.objects.all()) == [bobs]
    nul = {"endpoint": bobs.endpoint + "\x00"}
    response = post_json(alice_client, "/notifications/push/unsubscribe/", nul)
    assert response.json() == {"unsubscribed": False}
    assert post_json(alice_client, "/notifications/push/unsubscribe/", {}).status_code == 400


def flat(body: dict) -> dict[str, str]:
    return {"endpoint": body["endpoint"], **body["keys"]}


def test_service_worker_script(client):
    response = client.get("/notifications/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert b'addEventListener("push"' in response.content


def test_inbox_has_the_hidden_button_and_script(vapid, alice_client):
    html = alice_client.get("/notifications/").content.decode()
    assert '<p id="push-optin" class="push-optin" hidden><button type="button"' in html
    assert 'id="push-toggle">Notify me when no tab is open</button>' in html
    assert "notifications/push.js" in html


def test_subscribe_refuses_deeply_nested_json(vapid, alice_client):
    nested = "[" * 100_000 + "]" * 100_000
    for url in ("/notifications/push/subscribe/", "/notifications/push/unsubscribe/"):
        response = alice_client.post(url, nested, content_type="application/json")
        assert response.status_code == 400


def test_another_users_endpoint_cannot_be_taken_over(vapid, alice, bob, alice_client):
    bobs = subscription_json()
    bobs_client = Client()
    bobs_client.force_login(bob)
    assert post_json(bobs_client, "/notifications/push/subscribe/", bobs).status_code == 201

    # Alice knows Bob's endpoint but not his browser's keys: she cannot re-bind it.
    forged = subscription_json(bobs["endpoint"])
    response = post_json(alice_client, "/notifications/push/subscribe/", forged)

    assert response.status_code == 409
    stored = PushSubscription.objects.get()
    assert (stored.user, stored.p256dh, stored.auth) == (
        bob,
        bobs["keys"]["p256dh"],
        bobs["keys"]["auth"],
    )


def test_the_same_user_may_renew_the_keys_of_an_endpoint(vapid, alice, alice_client):
    first = subscription_json()
    post_json(alice_client, "/notifications/push/subscribe/", first)
    renewed = subscription_json(first["endpoint"])
    assert post_json(alice_client, "/notifications/push/subscribe/", renewed).status_code == 201
    assert PushSubscription.objects.get().p256dh == renewed["keys"]["p256dh"]


@pytest.fixture
def private_service() -> Iterator[PushService]:
    """A push service on loopback, without the loopback allowance the other tests have."""
    service = PushService()
    service.thread.start()
    yield service
    service.server.shutdown()
    service.server.server_close()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1", "local-push.example.com"])
def test_sending_never_connects_to_a_private_address(vapid, alice, private_service, host):
    port = private_service.server.server_address[1]
    # Stored directly, as a subscription made before the check, or a name that resolved
    # to a public address at subscribe time and to loopback now (DNS rebinding).
    phone = Browser(alice, f"http://{host}:{port}/push/x")
    services.notify(alice, "hello")

    assert run() == 1

    assert private_service.requests == []
    phone.subscription.refresh_from_db()
    assert "non-public address" in phone.subscription.last_error


def test_sending_connects_to_the_address_it_checked(vapid, alice, push_service):
    # Only the test DNS knows this name: the request reached the service, so the socket
    # went to the address the check resolved, not to a second lookup by the HTTP client.
    port = push_service.server.server_address[1]
    phone = Browser(alice, f"http://local-push.example.com:{port}/push/x")
    services.notify(alice, "hello")

    assert run() == 1

    [request] = push_service.to("/push/x")
    assert phone.decrypt(request)["text"] == "hello"
    assert request["headers"]["Host"] == f"local-push.example.com:{port}"


def test_the_title_is_in_the_recipients_language(vapid, alice, browser, push_service):
    from accounts import account

    account.update_settings(user=alice, language="pl", time_zone="")
    phone = browser(alice, "alice-phone")
    services.notify(alice, "Przetworzono: talk.mp3", level="error")
    assert run() == 1
    [request] = push_service.to(phone.path)
    assert phone.decrypt(request)["title"] == "Audio: Błąd"
