"""A notification's actions (notifications/validators.py `clean_actions`, threads/actions.py):
what may be stored, and a click recorded once, read, told to every tab and, as
`message.interacted`, to the producer."""

import json

import pytest
from django.test import Client

from notifications import bulk, services
from notifications.models import Message
from notifications.validators import InvalidNotification
from outbound.models import OutboundEvent
from threads import actions

pytestmark = pytest.mark.django_db

TWO = [{"label": "View invoice", "url": "/billing/118/"}, {"label": "Approve", "post": "approve"}]


@pytest.fixture
def alice_client(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


def test_up_to_two_actions_are_stored_and_sent_in_the_frame(
    alice, pushed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.notify(alice, "Invoice 118", actions=TWO)
    assert Message.objects.get(pk=message.pk).actions == TWO
    assert pushed[-1][1]["message"]["actions"] == TWO
    assert "acted" not in pushed[-1][1]["message"]


@pytest.mark.parametrize(
    "bad",
    [
        [*TWO, {"label": "Third", "post": "x"}],
        [{"label": "Elsewhere", "url": "https://evil.example/"}],
        [{"label": "Script", "url": "javascript:alert(1)"}],
        [{"label": "Other host", "url": "//evil.example/"}],
        [{"label": "", "post": "x"}],
        [{"label": "x" * 41, "post": "x"}],
        [{"label": "Both", "post": "x", "url": "/a/"}],
        [{"label": "Bad id", "post": "has space"}],
        [{"label": 3, "post": "x"}],
        "not a list",
        [["label", "post"]],
    ],
)
def test_bad_actions_are_refused_and_nothing_is_stored(alice, bad):
    with pytest.raises(InvalidNotification, match="action"):
        services.notify(alice, "x", actions=bad)
    results, _ = bulk.notify_many([bulk.NotifySpec(text="x", user_id=alice.pk, actions=bad)])
    assert isinstance(results[0], bulk.Refused)
    assert not Message.objects.exists()


def test_a_click_is_recorded_once_reads_the_message_and_tells_every_tab(
    alice, pushed, django_capture_on_commit_callbacks
):
    message = services.notify(alice, "Invoice 118", actions=TWO)
    services.notify(alice, "another")
    pushed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        acted = actions.act(user=alice, message_id=message.pk, index=1)
        again = actions.act(user=alice, message_id=message.pk, index=0)
    assert acted == actions.Acted(TWO[1], first=True)
    assert again == actions.Acted(TWO[0], first=False)
    assert pushed == [
        (alice.pk, {"type": "read", "ids": [message.pk], "unread_count": 1}),
        (alice.pk, {"type": "interacted", "id": message.pk, "action": 1, "unread_count": 1}),
    ]
    stored = Message.objects.get(pk=message.pk)
    assert stored.acted == 1 and stored.read_at is not None and stored.acted_at is not None
    assert stored.to_payload()["acted"] == 1


def test_a_click_on_a_read_message_sends_no_read_frame(
    alice, pushed, django_capture_on_commit_callbacks
):
    message = services.notify(alice, "x", actions=TWO)
    services.mark_read(user=alice, ids=[message.pk])
    pushed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.act(user=alice, message_id=message.pk, index=0)
    assert [frame["type"] for _, frame in pushed] == ["interacted"]


@pytest.mark.parametrize("index", [2, -1])
def test_unknown_actions_and_other_users_messages_are_unknown(alice, bob, index):
    message = services.notify(alice, "x", actions=TWO)
    with pytest.raises(actions.UnknownAction):
        actions.act(user=alice, message_id=message.pk, index=index)
    with pytest.raises(actions.UnknownAction):
        actions.act(user=bob, message_id=message.pk, index=0)
    with pytest.raises(actions.UnknownAction):
        actions.act(user=alice, message_id=2**70, index=0)
    assert Message.objects.get().acted_at is None


def test_the_producer_hears_of_the_click_through_the_outbound_webhook(alice, settings):
    settings.OUTBOUND_WEBHOOK_URL = "https://receiver.example/hook"
    message = services.notify(alice, "Invoice 118", actions=TWO)
    actions.act(user=alice, message_id=message.pk, index=1)
    actions.act(user=alice, message_id=message.pk, index=1)  # once
    interacted = [
        json.loads(e.body) for e in OutboundEvent.objects.filter(type="message.interacted")
    ]
    assert len(interacted) == 1
    data = interacted[0]["data"]
    assert data["user"] == {"id": alice.pk, "username": "alice"}
    assert data["message"]["id"] == message.pk
    assert data["action"] == {"index": 1, "label": "Approve", "post": "approve"}
    types = list(OutboundEvent.objects.order_by("id").values_list("type", flat=True))
    assert types == ["message.created", "message.interacted", "message.read"]


def test_the_inbox_row_shows_the_actions_and_a_link_action_goes_to_its_url(alice, alice_client):
    message = services.notify(alice, "Invoice 118", actions=TWO)
    html = alice_client.get("/notifications/").content.decode()
    assert f'action="/notifications/{message.pk}/actions/0/"' in html
    assert ">View invoice</button>" in html and ">Approve</button>" in html
    response = alice_client.post(f"/notifications/{message.pk}/actions/0/", {"next": "/x/"})
    assert response.status_code == 303 and response["Location"] == "/billing/118/"
    html = alice_client.get("/notifications/").content.decode()
    assert "disabled>Approve</button>" in html and "Done</span>" in html


def test_a_post_action_answers_json_to_a_script_and_redirects_a_form_back(alice, alice_client):
    first = services.notify(alice, "a", actions=TWO)
    second = services.notify(alice, "b", actions=TWO)
    response = alice_client.post(
        f"/notifications/{first.pk}/actions/1/", HTTP_ACCEPT="application/json"
    )
    assert response.json() == {"id": first.pk, "action": 1, "url": "", "first": True}
    response = alice_client.post(
        f"/notifications/{second.pk}/actions/1/", {"next": "/notifications/"}
    )
    assert response.status_code == 302 and response["Location"] == "/notifications/"


def test_the_action_view_is_404_for_others_and_needs_csrf(alice, bob):
    message = services.notify(alice, "a", actions=TWO)
    other = Client()
    other.force_login(bob)
    assert other.post(f"/notifications/{message.pk}/actions/0/").status_code == 404
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.post(f"/notifications/{message.pk}/actions/0/").status_code == 403
    assert Message.objects.get().acted_at is None
