"""offline/webpush/send.py and its commands: push_unread against a real local push
service (tests/offline/webpush/fixtures.py), each message once; vapid_keys."""

import json
import socket
from datetime import timedelta
from io import StringIO

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.management import call_command
from django.utils import timezone
from py_vapid import Vapid, Vapid02

from notifications import services
from notifications.models import Message
from offline.models import Channel, PushSubscription, Taken
from offline.webpush import send as push
from tests.offline.webpush.fixtures import LATER, SUBJECT, Browser, b64url, run, unb64url

pytestmark = pytest.mark.django_db


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
    assert Taken.objects.filter(message=message, channel=Channel.PUSH).exists()


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
    assert Taken.objects.filter(message=first, channel=Channel.PUSH).exists()
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


def test_the_title_is_in_the_recipients_language(vapid, alice, browser, push_service):
    from accounts import account

    account.update_settings(user=alice, language="pl", time_zone="")
    phone = browser(alice, "alice-phone")
    services.notify(alice, "Przetworzono: talk.mp3", level="error")
    assert run() == 1
    [request] = push_service.to(phone.path)
    assert phone.decrypt(request)["title"] == "Audio: Błąd"
