"""webhooks/notify.py: a `{"notify": ...}` delivery parsed and cleaned once, where it enters."""

import json

import pytest

from notifications import validators
from notifications.models import Message
from tests.consumers.sockets import flush_layer
from tests.webhooks.factories import body, notification, sns_headers
from tests.webhooks.test_asgi import asgi_post
from webhooks import notify, sns
from webhooks.models import UnmatchedMessage


def envelope(signed, message: dict | str) -> sns.Envelope:
    data = notification(message, key=signed.key, signing_cert_url=signed.url)
    return sns.parse(body(data), sns_headers(data))


def test_a_notify_message_is_parsed_and_its_content_cleaned(signed):
    delivery = notify.parse(envelope(signed, {"notify": {"user": "alice", "text": "  Hi \n"}}))
    assert delivery is not None
    spec = delivery.notify.spec
    assert (spec.username, spec.text, spec.level, spec.link) == ("alice", "Hi", "info", "")
    assert spec.source_id == delivery.envelope.message_id
    assert (delivery.notify.refused, delivery.notify.invalid) == ("", "")


@pytest.mark.parametrize(
    "message",
    ["not json", "[1]", '{"detail": {}}', "[" * 100_000],
    ids=["not-json", "a-list", "a-job-event", "too-deep"],
)
def test_other_messages_are_not_notify_deliveries(signed, message):
    assert notify.parse(envelope(signed, message)) is None


@pytest.mark.parametrize(
    ("payload", "refused"),
    [
        ({"notify": {"user": "alice", "text": "Hi"}, "x": 1}, "expected exactly"),
        ({"notify": {"user": "alice", "text": "Hi", "tone": "x"}}, "unknown keys ['tone']"),
        ({"notify": {"user": "alice", "text": 3}}, "every value must be a string"),
        ({"notify": {"text": "Hi"}}, "user and text are required"),
        ({"notify": {"user": "al\x00ice", "text": "Hi"}}, "must not contain NUL"),
    ],
)
def test_an_invalid_payload_says_why(payload, refused):
    parsed = notify.from_payload(payload, message_id="m-1")
    assert parsed.spec is None
    assert parsed.refused.startswith("invalid notify payload: ") and refused in parsed.refused


@pytest.mark.django_db
def test_an_unknown_user_is_told_before_invalid_content(make_user):
    make_user("alice")
    unknown = notify.from_payload({"notify": {"user": "nobody", "text": ""}}, message_id="m-1")
    empty = notify.from_payload({"notify": {"user": "alice", "text": " "}}, message_id="m-2")
    assert empty.invalid == "text must not be empty"
    first, second = notify.resolve([unknown, empty])
    assert first == notify.Dispatched(False, "unknown user 'nobody'")
    assert second == notify.Dispatched(False, "invalid notify payload: text must not be empty")


@pytest.fixture
async def close_layer():
    async for _ in flush_layer():
        yield


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("close_layer")
async def test_the_asgi_entry_parses_and_cleans_a_delivery_once(signed, alice, monkeypatch):
    """Once at the edge: neither the writer's batch nor bulk.resolve parses or cleans again."""
    message = json.dumps({"notify": {"user": "alice", "text": "Hi"}})
    data = notification(message, key=signed.key, signing_cert_url=signed.url)
    parsed: list[str] = []
    cleaned: list[str] = []
    real_loads, real_clean_text = json.loads, validators.clean_text

    def loads(text, *args, **kwargs):
        if text == message:
            parsed.append(text)
        return real_loads(text, *args, **kwargs)

    def clean_text(text):
        cleaned.append(text)
        return real_clean_text(text)

    monkeypatch.setattr(json, "loads", loads)
    monkeypatch.setattr(validators, "clean_text", clean_text)
    response = await asgi_post("/webhooks/sns/", body(data), sns_headers(data))
    assert (response["status"], response["body"]) == (200, b"ok\n")
    assert [m async for m in Message.objects.values_list("text", flat=True)] == ["Hi"]
    assert (len(parsed), len(cleaned)) == (1, 1)


@pytest.mark.django_db
def test_the_classic_path_stores_one_and_sends_after_commit(
    alice, django_capture_on_commit_callbacks, monkeypatch
):
    sent: list[tuple[int, dict]] = []
    monkeypatch.setattr("live.send_now", lambda *pair: sent.append(pair))
    parsed = notify.from_payload({"notify": {"user": "alice", "text": " Hi "}}, message_id="m-1")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = notify.store_one(parsed)
    assert outcome == notify.Dispatched(True, f"notified user {alice.pk}")
    [message] = Message.objects.all()
    assert (message.text, message.source_id) == ("Hi", "m-1")
    assert [(user, frame["type"], frame["message"]["id"]) for user, frame in sent] == [
        (alice.pk, "notification", message.pk)
    ]
    assert not UnmatchedMessage.objects.exists()
