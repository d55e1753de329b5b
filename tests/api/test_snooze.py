"""The JSON API's snooze and unsnooze (api/snooze.py) and the list's search and filters
(api/messages.py; docs/api.md)."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.services import create_token
from notifications import services
from notifications.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(alice) -> Client:
    return Client(headers={"Authorization": f"Bearer {create_token(user=alice, name='t')[1]}"})


def post(client: Client, path: str, body) -> tuple[int, dict]:
    response = client.post(path, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_snooze_by_choice_or_time_and_unsnooze(api, alice):
    a, b = services.notify(alice, "a"), services.notify(alice, "b")
    status, body = post(api, "/api/notifications/snooze/", {"ids": [a.pk], "until": "1h"})
    assert status == 200 and body["ids"] == [a.pk] and body["unread_count"] == 1
    assert body["until"] == Message.objects.get(pk=a.pk).snoozed_until.isoformat()
    until = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    status, body = post(
        api, "/api/notifications/snooze/", {"ids": [b.pk], "until": until.isoformat()}
    )
    assert status == 200 and Message.objects.get(pk=b.pk).snoozed_until == until
    listed = api.get("/api/notifications/", {"snoozed": "1"}).json()
    assert [row["id"] for row in listed["results"]] == [b.pk, a.pk]
    assert listed["results"][0]["snoozed_until"] == until.isoformat()
    assert api.get("/api/notifications/").json()["results"] == []
    status, body = post(api, "/api/notifications/unsnooze/", {"ids": [a.pk, b.pk]})
    assert (status, body) == (200, {"ids": [a.pk, b.pk], "unread_count": 2})


def test_a_time_without_an_offset_is_in_the_given_zone(api, alice):
    message = services.notify(alice, "m")
    day = (timezone.now() + timedelta(days=3)).date().isoformat()
    status, body = post(
        api,
        "/api/notifications/snooze/",
        {"ids": [message.pk], "until": f"{day}T09:00", "tz": "Asia/Tokyo"},
    )
    assert status == 200 and body["until"] == f"{day}T09:00:00+09:00"


@pytest.mark.parametrize(
    "body",
    [
        {"ids": [1]},
        {"ids": [1], "until": 5},
        {"ids": [1], "until": "later"},
        {"ids": [1], "until": "2000-01-01T00:00:00+00:00"},
        {"ids": [1], "until": "1h", "tz": "Nowhere/Else"},
        {"ids": [], "until": "1h"},
        {"ids": [1], "until": "1h", "tz": ["x"]},
    ],
)
def test_bad_bodies_are_a_clear_400(api, body):
    status, answer = post(api, "/api/notifications/snooze/", body)
    assert status == 400 and answer["error"] == "invalid_body"


def test_other_users_messages_are_untouched(api, bob):
    theirs = services.notify(bob, "bob's")
    assert (
        post(api, "/api/notifications/snooze/", {"ids": [theirs.pk], "until": "1h"})[1]["ids"] == []
    )
    assert Message.objects.get(pk=theirs.pk).snoozed_until is None


def test_snooze_needs_authentication_and_csrf_with_a_session(alice):
    assert post(Client(), "/api/notifications/snooze/", {"ids": [1], "until": "1h"})[0] == 401
    session = Client(enforce_csrf_checks=True)
    session.force_login(alice)
    assert post(session, "/api/notifications/snooze/", {"ids": [1], "until": "1h"})[0] == 403


def test_the_list_takes_the_inboxs_search_parameters(api, alice):
    error = services.notify(alice, "Build 3 failed", level="error")
    services.notify(alice, "Build 4 passed", level="success")
    read = services.notify(alice, "Invoice paid")
    services.mark_read(user=alice, ids=[read.pk])
    rows = api.get("/api/notifications/", {"q": "build", "level": "error"}).json()["results"]
    assert [row["id"] for row in rows] == [error.pk]
    rows = api.get("/api/notifications/", {"state": "read"}).json()["results"]
    assert [row["id"] for row in rows] == [read.pk]
    today = timezone.localdate().isoformat()
    assert len(api.get("/api/notifications/", {"from": today, "to": today}).json()["results"]) == 3
    response = api.get("/api/notifications/", {"level": "loud"})
    assert response.status_code == 400 and "'level'" in response.json()["detail"]
    assert api.get("/api/notifications/", {"snoozed": "maybe"}).status_code == 400


@pytest.mark.parametrize(
    "query",
    [{"q": "a\x00b"}, {"from": "2026-13-01"}, {"from": "2026-02-02", "to": "2026-02-01"}],
)
def test_a_search_the_database_cannot_run_is_a_400_not_a_500(api, alice, query):
    """A NUL in `q`: PostgreSQL refuses it in a query parameter (a 500 there before)."""
    services.notify(alice, "a b")
    response = api.get("/api/notifications/", query)
    assert response.status_code == 400 and response.json()["error"] == "invalid_query"


def test_a_message_shows_its_snooze_time_alone_too(api, alice):
    message = services.notify(alice, "m")
    post(api, "/api/notifications/snooze/", {"ids": [message.pk], "until": "1h"})
    one = api.get(f"/api/notifications/{message.pk}/").json()
    assert one["snoozed_until"] == Message.objects.get().snoozed_until.isoformat()
