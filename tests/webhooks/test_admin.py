"""The admin: both models visible, and the re-drive action re-runs dispatch."""

import pytest
from django.urls import reverse

from notifications.models import Message
from tests.webhooks.factories import notification, post
from webhooks.models import ProcessedMessage, UnmatchedMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_logged_in(client, make_user):
    make_user("admin", is_staff=True, is_superuser=True)
    client.login(username="admin", password="correct-horse-battery-staple")
    return client


def test_changelists_render(admin_client_logged_in, signed) -> None:
    data = notification(
        {"notify": {"user": "carol", "text": "Hi"}}, key=signed.key, signing_cert_url=signed.url
    )
    post(admin_client_logged_in, data)
    for model in ("processedmessage", "unmatchedmessage"):
        response = admin_client_logged_in.get(reverse(f"admin:webhooks_{model}_changelist"))
        assert response.status_code == 200
        assert data["MessageId"].encode() in response.content


def test_redrive_action_applies_once_the_user_exists(
    admin_client_logged_in, signed, make_user
) -> None:
    data = notification(
        {"notify": {"user": "carol", "text": "Hi"}}, key=signed.key, signing_cert_url=signed.url
    )
    assert post(admin_client_logged_in, data).status_code == 200
    unmatched = UnmatchedMessage.objects.get()
    url = reverse("admin:webhooks_unmatchedmessage_changelist")
    action = {"action": "redrive", "_selected_action": [unmatched.pk]}

    # Still no such user: kept, counted, reason refreshed.
    admin_client_logged_in.post(url, action, follow=True)
    unmatched.refresh_from_db()
    assert unmatched.redrive_count == 1 and unmatched.resolved_at is None
    assert not Message.objects.exists()

    carol = make_user("carol")
    response = admin_client_logged_in.post(url, action, follow=True)
    assert b"1 applied, 0 still unmatched" in response.content
    unmatched.refresh_from_db()
    assert unmatched.resolved_at is not None and unmatched.redrive_count == 2
    message = Message.objects.get()
    assert (message.recipient, message.source_id) == (carol, data["MessageId"])
    assert ProcessedMessage.objects.get().outcome.startswith("re-driven: notified user")

    # Re-driving a resolved row changes nothing.
    admin_client_logged_in.post(url, action, follow=True)
    assert Message.objects.count() == 1
