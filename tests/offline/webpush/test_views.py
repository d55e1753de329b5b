"""offline/webpush/views.py: the endpoints behind the inbox's button, and the worker script."""

import json
import os

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.test import Client

from offline.models import PushSubscription
from offline.webpush import send as push
from tests.offline.webpush.fixtures import b64url

pytestmark = pytest.mark.django_db


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
