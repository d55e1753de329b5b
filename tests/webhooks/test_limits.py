"""Verified deliveries whose Message would crash a parser: kept as unmatched, never a 500."""

import pytest

from tests.webhooks.factories import notification, post
from webhooks.models import ProcessedMessage, UnmatchedMessage

pytestmark = pytest.mark.django_db


def test_a_deeply_nested_message_is_unmatched_not_a_500(client, signed) -> None:
    # A signed envelope (so past every check) whose Message is JSON nested 100,000 deep.
    nested = "[" * 100_000 + "]" * 100_000
    data = notification(nested, key=signed.key, signing_cert_url=signed.url)
    response = post(client, data)
    assert response.status_code == 200
    assert ProcessedMessage.objects.get().message_id == data["MessageId"]
    assert UnmatchedMessage.objects.get().reason == "Message is not JSON"


def test_a_direct_notify_with_nul_is_unmatched_not_a_500(client, signed, make_user) -> None:
    make_user("carol")
    data = notification(
        {"notify": {"user": "carol", "text": "a\x00b", "link": "/\t/evil.example"}},
        key=signed.key,
        signing_cert_url=signed.url,
    )
    response = post(client, data)
    assert response.status_code == 200
    assert "text" in UnmatchedMessage.objects.get().reason
