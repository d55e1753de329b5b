"""The inbox's snooze and unsnooze actions and the Snoozed view (inbox/views_triage.py)."""

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AccountSettings
from notifications import services
from notifications.models import Message
from snooze import services as snooze
from tests.inbox.pages import client_for, row_ids

pytestmark = pytest.mark.django_db


def test_snooze_from_a_script_answers_json_and_the_row_moves_to_the_snoozed_view(alice):
    kept, away = services.notify(alice, "kept"), services.notify(alice, "away")
    client = client_for(alice)
    response = client.post(
        "/notifications/snooze/",
        {"ids": [away.pk], "until": "1h"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    assert response.json() == {"ids": [away.pk], "unread_count": 1}
    html = client.get("/notifications/").content.decode()
    assert row_ids(html) == [kept.pk]
    assert f'popovertarget="snooze-{kept.pk}"' in html and ">1 hour</button>" in html
    snoozed = client.get("/notifications/?snoozed=1").content.decode()
    assert row_ids(snoozed) == [away.pk]
    assert '<strong aria-current="page">Snoozed</strong>' in snoozed
    assert "Unsnooze: away" in snoozed


def test_a_plain_form_post_redirects_back_and_unsnooze_brings_it_back(alice):
    message = services.notify(alice, "m")
    client = client_for(alice)
    response = client.post(
        "/notifications/snooze/",
        {"ids": [message.pk], "until": "tomorrow", "next": "/notifications/"},
    )
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    response = client.post(
        "/notifications/unsnooze/", {"ids": [message.pk], "next": "/notifications/?snoozed=1"}
    )
    assert response.status_code == 302
    assert Message.objects.get(pk=message.pk).snoozed_until is None


def test_the_accounts_time_zone_wins_over_the_browsers(alice):
    AccountSettings.objects.create(user=alice, time_zone="Asia/Tokyo")
    message = services.notify(alice, "m")
    client_for(alice).post(
        "/notifications/snooze/",
        {"ids": [message.pk], "until": "at", "at": "2099-01-01T09:00", "tz": "Europe/Paris"},
        HTTP_ACCEPT="application/json",
    )
    # 2099 is past the longest snooze: refused, nothing stored.
    assert Message.objects.get(pk=message.pk).snoozed_until is None
    at = timezone.localtime(timezone.now() + timezone.timedelta(days=2)).strftime("%Y-%m-%d")
    response = client_for(alice).post(
        "/notifications/snooze/",
        {"ids": [message.pk], "until": "at", "at": f"{at}T09:00", "tz": "Europe/Paris"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    until = Message.objects.get(pk=message.pk).snoozed_until
    assert until.astimezone(UTC).hour == 0  # 09:00 in Tokyo
    assert until.date() == datetime.fromisoformat(at).date()


@pytest.mark.parametrize(
    "body",
    [
        {"until": "1h"},
        {"ids": ["x"], "until": "1h"},
        {"ids": ["1"], "until": "never"},
        {"ids": ["1"], "until": "at", "at": "yesterday"},
        {"ids": ["1"], "until": "1h", "tz": "Nowhere/Else"},
    ],
)
def test_bad_input_is_a_clear_400(alice, body):
    response = client_for(alice).post(
        "/notifications/snooze/", body, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_body"


def test_another_users_message_is_not_snoozed(alice, bob):
    theirs = services.notify(bob, "bob's")
    response = client_for(alice).post(
        "/notifications/snooze/",
        {"ids": [theirs.pk], "until": "1h"},
        HTTP_ACCEPT="application/json",
    )
    assert response.json()["ids"] == []
    assert Message.objects.get(pk=theirs.pk).snoozed_until is None
    snooze.snooze(user=bob, ids=[theirs.pk], until=timezone.now() + timezone.timedelta(hours=1))
    response = client_for(alice).post(
        "/notifications/unsnooze/", {"ids": [theirs.pk]}, HTTP_ACCEPT="application/json"
    )
    assert response.json()["ids"] == []
    assert "bob" not in client_for(alice).get("/notifications/?snoozed=1").content.decode()


def test_snooze_needs_login_and_post(alice):
    assert Client().post("/notifications/snooze/", {"ids": ["1"], "until": "1h"}).status_code == 302
    assert client_for(alice).get("/notifications/snooze/").status_code == 405


def test_snoozing_a_thread_row_snoozes_every_message_of_the_thread(alice):
    older = services.notify(alice, "Upload 42 queued", group="upload:42")
    newest = services.notify(alice, "Upload 42 ready", group="upload:42")
    other = services.notify(alice, "unrelated")
    client = client_for(alice)
    response = client.post(
        "/notifications/snooze/",
        {"ids": [newest.pk], "until": "1h"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    assert sorted(response.json()["ids"]) == sorted([older.pk, newest.pk])
    assert row_ids(client.get("/notifications/").content.decode()) == [other.pk]
    assert set(
        Message.objects.filter(snoozed_until__isnull=False).values_list("pk", flat=True)
    ) == {older.pk, newest.pk}
    response = client.post(
        "/notifications/unsnooze/", {"ids": [newest.pk]}, HTTP_ACCEPT="application/json"
    )
    assert sorted(response.json()["ids"]) == sorted([older.pk, newest.pk])
