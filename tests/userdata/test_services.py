"""userdata/services.py, the API's /api/me/ endpoints, /account/data/ and the admin
actions: a user's notifications exported whole, or erased with their counter."""

import json
import re

import pytest
from django.test import Client

from accounts.services import create_token
from notifications import selectors, services
from notifications.models import Message, UnreadCounter
from offline.models import PushSubscription
from tests.conftest import PASSWORD
from userdata import services as userdata

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(alice, bob):
    """Alice: three messages (one read, one archived); Bob: one."""
    ids = [services.notify(alice, f"a{n}", link="/x/", source_id=f"s{n}").id for n in range(3)]
    services.mark_read(user=alice, ids=[ids[0]])
    services.archive(user=alice, ids=[ids[1]])
    services.notify(bob, "bob's")
    return ids


def test_export_holds_every_message_preferences_and_subscriptions_of_the_user_only(alice, inbox):
    PushSubscription.objects.create(
        user=alice, endpoint="https://push.example/1", p256dh="k", auth="a"
    )
    data = json.loads(json.dumps(userdata.export(user=alice)))  # JSON types only
    assert data["user"] == {"id": alice.pk, "username": "alice"}
    assert [m["id"] for m in data["messages"]] == inbox
    first, archived, unread = data["messages"]
    assert first["read_at"] is not None and first["source_id"] == "s0"
    assert archived["archived_at"] is not None
    assert archived["snoozed_until"] is None
    assert unread["read_at"] is None and unread["text"] == "a2"
    assert data["unread_count"] == 1
    assert set(data["preferences"]) == {"toast", "webpush", "email", "quiet_until"}
    assert [s["endpoint"] for s in data["push_subscriptions"]] == ["https://push.example/1"]


def test_erase_deletes_every_message_and_the_counter_and_tells_the_sockets(
    alice, bob, inbox, pushed, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(userdata, "SLICE", 2)  # three messages: two slices
    with django_capture_on_commit_callbacks(execute=True):
        assert userdata.erase(user=alice) == 3
    assert not Message.objects.filter(recipient=alice).exists()
    assert not UnreadCounter.objects.filter(user=alice).exists()
    assert selectors.unread_count(user_id=alice.pk) == 0
    assert Message.objects.filter(recipient=bob).count() == 1  # nobody else's
    frames = [frame for user_id, frame in pushed if user_id == alice.pk]
    assert [f["type"] for f in frames] == ["deleted", "deleted", "sync"]
    assert sorted(frames[0]["ids"] + frames[1]["ids"]) == inbox
    assert frames[2] == {"type": "sync", "unread": [], "unread_count": 0}
    assert all(user_id == alice.pk for user_id, _ in pushed)
    # The counter starts anew.
    services.notify(alice, "after")
    assert selectors.unread_count(user_id=alice.pk) == 1


def test_erase_tells_outbound_webhooks(alice, inbox, settings):
    from outbound.models import OutboundEvent

    settings.OUTBOUND_WEBHOOK_URL = "https://hooks.example/in"
    settings.OUTBOUND_WEBHOOK_IN_PROCESS = False
    userdata.erase(user=alice)
    deleted = [
        json.loads(e.body)["data"] for e in OutboundEvent.objects.filter(type="message.deleted")
    ]
    assert sorted(i for d in deleted for i in d["message_ids"]) == inbox


# --- the JSON API ------------------------------------------------------------------------
def bearer(user) -> dict:
    _, raw = create_token(user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_api_export_is_a_json_download_of_the_callers_own_data(client, alice, inbox):
    response = client.get("/api/me/export/", **bearer(alice))
    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == f'attachment; filename="notifications-{alice.pk}.json"'
    )
    assert [m["id"] for m in response.json()["messages"]] == inbox
    assert client.get("/api/me/export").status_code == 401  # no credential; slash optional
    assert client.post("/api/me/export/", **bearer(alice)).status_code == 405


def test_api_erase_with_a_token_and_with_a_session_and_csrf(alice, bob, inbox):
    api = Client(enforce_csrf_checks=True)
    response = api.delete("/api/me/messages", **bearer(alice))
    assert response.status_code == 200
    assert response.json() == {"erased": 3, "unread_count": 0}
    assert Message.objects.filter(recipient=bob).count() == 1
    services.notify(bob, "second")
    browser = Client(enforce_csrf_checks=True)
    browser.login(username="bob", password=PASSWORD)
    refused = browser.delete("/api/me/messages/")
    assert refused.status_code == 403 and refused.json()["error"] == "csrf_failed"
    assert Message.objects.filter(recipient=bob).count() == 2
    browser.get("/account/data/")  # sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    done = browser.delete("/api/me/messages/", HTTP_X_CSRFTOKEN=token)
    assert done.json() == {"erased": 2, "unread_count": 0}
    assert api.get("/api/me/messages/", **bearer(bob)).status_code == 405


# --- /account/data/ ---------------------------------------------------------------------
def test_the_page_needs_a_login(client):
    response = client.get("/account/data/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_exports_and_erases_only_after_confirmation_with_csrf(alice, bob, inbox):
    browser = Client(enforce_csrf_checks=True)
    browser.login(username="alice", password=PASSWORD)
    page = browser.get("/account/data/")
    html = page.content.decode()
    assert "3 notifications will be deleted" in html
    assert 'action="/account/data/export/"' in html
    download = browser.get("/account/data/export/")
    assert download["Content-Type"] == "application/json"
    assert [m["id"] for m in json.loads(download.content)["messages"]] == inbox
    assert browser.post("/account/data/", {"confirm": "erase"}).status_code == 403  # no CSRF
    token = browser.cookies["csrftoken"].value
    unconfirmed = browser.post("/account/data/", {"csrfmiddlewaretoken": token}, follow=True)
    assert "Tick the box" in unconfirmed.content.decode()
    assert Message.objects.filter(recipient=alice).count() == 3
    done = browser.post(
        "/account/data/", {"csrfmiddlewaretoken": token, "confirm": "erase"}, follow=True
    )
    assert "Erased 3 notifications." in done.content.decode()
    assert not Message.objects.filter(recipient=alice).exists()
    assert Message.objects.filter(recipient=bob).count() == 1


# --- the admin ----------------------------------------------------------------------------
def test_admin_actions_export_and_erase_after_a_confirmation(admin_client, alice, bob, inbox):
    changelist = "/admin/auth/user/"
    export = admin_client.post(
        changelist, {"action": "export_notifications", "_selected_action": [alice.pk, bob.pk]}
    )
    assert [e["user"]["username"] for e in json.loads(export.content)] == ["alice", "bob"]
    form = {"action": "erase_notifications", "_selected_action": [alice.pk]}
    confirm = admin_client.post(changelist, form)
    assert b"Yes, erase" in confirm.content
    # The changelist's breadcrumbs, then the action's name (templates/admin/action_page.html).
    assert re.search(
        r'class="breadcrumbs">.*href="/admin/auth/user/">Users</a> &rsaquo;\s*Erase notifications',
        confirm.content.decode(),
        re.S,
    )
    assert Message.objects.filter(recipient=alice).count() == 3  # not yet
    admin_client.post(changelist, {**form, "erase": "Yes, erase"})
    assert not Message.objects.filter(recipient=alice).exists()
    assert Message.objects.filter(recipient=bob).count() == 1


def test_export_and_erase_cover_threads_actions_and_thread_choices(alice, bob):
    from notifications.models import Follow
    from threads import services as threads

    services.notify(alice, "x", group="upload:42", actions=[{"label": "Go", "url": "/go/"}])
    threads.mute(user=alice, key="upload:42")
    threads.unfollow(user=alice, key="doc:1")
    threads.mute(user=bob, key="upload:42")
    data = json.loads(json.dumps(userdata.export(user=alice)))
    (message,) = data["messages"]
    assert message["group"] == "upload:42"
    assert message["actions"] == [{"label": "Go", "url": "/go/"}]
    assert data["threads"] == [
        {"key": "doc:1", "following": False, "muted": False},
        {"key": "upload:42", "following": True, "muted": True},
    ]
    userdata.erase(user=alice)
    assert not Follow.objects.filter(user=alice).exists()
    assert Follow.objects.filter(user=bob).count() == 1
