"""The JSON API of threads (api/threads.py), the action click (api/messages.py) and the
notify API's `thread` and `actions` (api/notify.py; docs/api.md, "Threads and actions")."""

import json

import pytest
from django.test import Client

from accounts.services import create_token
from notifications import follows, services
from notifications.models import Message
from threads import services as threads

pytestmark = pytest.mark.django_db
SERVICE = "s3rvice-token-for-threads"
ACTIONS = [{"label": "Approve", "post": "approve"}]


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def post_json(client: Client, path: str, body, **kwargs):
    return client.post(path, json.dumps(body), content_type="application/json", **kwargs)


@pytest.fixture
def service(settings) -> str:
    settings.NOTIFY_SERVICE_TOKEN = SERVICE
    return SERVICE


@pytest.fixture
def alice_token(alice) -> str:
    return create_token(user=alice, name="script")[1]


@pytest.mark.django_db(transaction=True)
def test_notify_takes_a_thread_and_actions_and_lists_them(alice, alice_token, service):
    client = Client(enforce_csrf_checks=True)
    body = {"user": "alice", "text": "Invoice 118", "thread": "invoice:118", "actions": ACTIONS}
    response = post_json(client, "/api/notify/", body, headers=bearer(service))
    assert response.status_code == 201
    message = Message.objects.get()
    assert (message.group, message.actions) == ("invoice:118", ACTIONS)
    listed = client.get("/api/notifications/", headers=bearer(alice_token)).json()
    row = listed["results"][0]
    assert (row["group"], row["actions"]) == ("invoice:118", ACTIONS)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("extra", "detail"),
    [
        ({"thread": "bad key"}, "group must be"),
        ({"thread": 5}, "group must be"),
        ({"actions": [{"label": "x", "url": "https://evil.example/"}]}, "action"),
        ({"actions": "nope"}, "action"),
    ],
)
def test_notify_refuses_a_bad_thread_or_actions_with_400(alice, service, extra, detail):
    body = {"user": "alice", "text": "x", **extra}
    response = post_json(Client(), "/api/notify/", body, headers=bearer(service))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_notification"
    assert detail in response.json()["detail"]
    assert not Message.objects.exists()


def test_a_fan_out_refuses_thread_and_actions(alice, service):
    body = {"users": ["alice"], "text": "x", "thread": "t"}
    response = post_json(Client(), "/api/notify/", body, headers=bearer(service))
    assert response.status_code == 400 and "thread" in response.json()["detail"]


def test_a_user_reads_follows_mutes_and_unmutes_a_thread(alice, alice_token):
    client = Client()
    services.notify(alice, "x", group="upload:42")
    state = client.get("/api/threads/?thread=upload:42", headers=bearer(alice_token)).json()
    assert state == {"key": "upload:42", "following": True, "muted": False}
    for verb, expected in [
        ("mute", {"following": True, "muted": True}),
        ("unfollow", {"following": False, "muted": True}),
        ("unmute", {"following": False, "muted": False}),
        ("follow", {"following": True, "muted": False}),
    ]:
        response = post_json(
            client, f"/api/threads/{verb}/", {"thread": "upload:42"}, headers=bearer(alice_token)
        )
        assert response.status_code == 200
        assert response.json() == {"key": "upload:42", **expected}


def test_thread_writes_refuse_bad_bodies_and_need_auth_and_csrf(alice, alice_token):
    client = Client()
    for body in ({}, {"thread": ""}, {"thread": "a b"}, {"thread": 3}):
        response = post_json(client, "/api/threads/mute/", body, headers=bearer(alice_token))
        assert response.status_code == 400 and response.json()["error"] == "invalid_body"
    response = client.get("/api/threads/", headers=bearer(alice_token))
    assert response.status_code == 400
    assert post_json(client, "/api/threads/mute/", {"thread": "t"}).status_code == 401
    session = Client(enforce_csrf_checks=True)
    session.force_login(alice)
    response = post_json(session, "/api/threads/mute/", {"thread": "t"})
    assert response.status_code == 403 and response.json()["error"] == "csrf_failed"
    assert not follows.is_muted(user_id=alice.pk, key="t")


def test_producers_add_followers_and_notify_them(alice, bob, service, make_user):
    make_user("carol")
    client = Client(enforce_csrf_checks=True)
    response = post_json(
        client,
        "/api/threads/followers/",
        {"thread": "doc:1", "user": "bob"},
        headers=bearer(service),
    )
    assert response.json() == {"key": "doc:1", "following": True, "muted": False}
    threads.follow(user=alice, key="doc:1")
    body = {"thread": "doc:1", "text": "Alice edited doc 1", "exclude": "alice", "source_id": "e1"}
    response = post_json(client, "/api/threads/notify/", body, headers=bearer(service))
    assert response.status_code == 201
    assert response.json() == {"recipients": 1, "created": 1}
    assert list(Message.objects.values_list("recipient__username", "group")) == [("bob", "doc:1")]
    again = post_json(client, "/api/threads/notify/", body, headers=bearer(service))
    assert again.json() == {"recipients": 1, "created": 0}


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/api/threads/notify/", {"thread": "t", "text": ""}, 400),
        ("/api/threads/notify/", {"thread": "t", "text": "x", "level": "loud"}, 400),
        ("/api/threads/notify/", {"thread": "t", "text": 3}, 400),
        ("/api/threads/notify/", {"text": "x"}, 400),
        ("/api/threads/notify/", {"thread": "t", "text": "x", "exclude": "nobody"}, 404),
        ("/api/threads/notify/", {"thread": "t", "text": "x", "source_id": "\x00"}, 400),
        ("/api/threads/followers/", {"thread": "t", "user": "nobody"}, 404),
        ("/api/threads/followers/", {"thread": "t", "user": ["alice"]}, 400),
    ],
)
def test_producer_endpoints_refuse_bad_input_with_4xx(alice, service, path, body, status):
    response = post_json(Client(), path, body, headers=bearer(service))
    assert response.status_code == status
    assert not Message.objects.exists()


def test_producer_endpoints_need_the_service_token(alice, service, alice_token):
    body = {"thread": "t", "text": "x"}
    assert post_json(Client(), "/api/threads/notify/", body).status_code == 401
    response = post_json(Client(), "/api/threads/notify/", body, headers=bearer(alice_token))
    assert response.status_code == 403


def test_a_click_through_the_api(alice, bob, alice_token):
    message = services.notify(alice, "x", actions=ACTIONS)
    client = Client()
    path = f"/api/notifications/{message.pk}/actions/0/"
    response = post_json(client, path, {}, headers=bearer(alice_token))
    assert response.json() == {"id": message.pk, "action": 0, "url": "", "first": True}
    bob_token = create_token(user=bob, name="script")[1]
    assert post_json(client, path, {}, headers=bearer(bob_token)).status_code == 404
    missing = f"/api/notifications/{message.pk}/actions/1/"
    assert post_json(client, missing, {}, headers=bearer(alice_token)).status_code == 404


def test_a_listed_message_shows_the_click_and_a_plain_one_has_no_thread_keys(alice, alice_token):
    clicked = services.notify(alice, "x", group="doc:7", actions=ACTIONS)
    plain = services.notify(alice, "y")
    client = Client()
    post_json(
        client, f"/api/notifications/{clicked.pk}/actions/0/", {}, headers=bearer(alice_token)
    )
    rows = client.get("/api/notifications/", headers=bearer(alice_token)).json()["results"]
    by_id = {row["id"]: row for row in rows}
    assert (by_id[clicked.pk]["group"], by_id[clicked.pk]["acted"]) == ("doc:7", 0)
    assert by_id[clicked.pk]["read_at"] is not None
    assert not {"group", "actions", "acted"} & set(by_id[plain.pk])
    one = client.get(f"/api/notifications/{clicked.pk}/", headers=bearer(alice_token)).json()
    assert one["actions"] == ACTIONS and one["acted"] == 0


def test_a_click_on_no_such_action_or_message_is_404_and_changes_nothing(alice, alice_token):
    message = services.notify(alice, "x", actions=ACTIONS)
    client = Client()
    for path in (
        f"/api/notifications/{message.pk}/actions/2/",
        f"/api/notifications/{message.pk + 1}/actions/0/",
    ):
        response = post_json(client, path, {}, headers=bearer(alice_token))
        assert response.status_code == 404 and response.json() == {"error": "not_found"}
    assert Message.objects.get().acted is None


def test_a_user_token_cannot_use_the_producer_endpoints_nor_the_service_token_a_users(
    alice, alice_token, service
):
    body = {"thread": "t", "user": "alice"}
    response = post_json(Client(), "/api/threads/followers/", body, headers=bearer(alice_token))
    assert response.status_code == 403
    response = Client().get("/api/threads/?thread=t", headers=bearer(service))
    assert response.status_code == 401


def test_the_list_takes_the_inboxs_thread_filter(alice, alice_token):
    ours = services.notify(alice, "x", group="doc:1")
    services.notify(alice, "y", group="doc:2")
    services.notify(alice, "z")
    client = Client()
    rows = client.get("/api/notifications/?thread=doc:1", headers=bearer(alice_token)).json()
    assert [row["id"] for row in rows["results"]] == [ours.pk]
    response = client.get("/api/notifications/?thread=a%20b", headers=bearer(alice_token))
    assert response.status_code == 400 and "'thread'" in response.json()["detail"]
