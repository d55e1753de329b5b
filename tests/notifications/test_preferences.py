"""Preferences: the pure decisions, the writes, the page, the API, and Web Push honouring them."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from accounts.services import create_token
from notifications import preferences, services
from notifications.models import NotificationPreference
from notifications.preferences import DEFAULTS, LEVELS, InvalidPreferences, PreferenceSnapshot
from tests.conftest import PASSWORD

# Web Push's fixtures: a local push service, VAPID keys, a browser's subscription.
from tests.offline.webpush.fixtures import (  # noqa: F401
    browser,
    loopback_allowed,
    push_service,
    run,
    vapid,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 22, 30, tzinfo=UTC)


# --- the decisions ------------------------------------------------------------------------
def test_defaults_let_everything_through():
    assert all(DEFAULTS.shows_toast(level, NOW) for level in LEVELS)
    assert all(DEFAULTS.wants_webpush(level, NOW) for level in LEVELS)
    assert DEFAULTS.wants_email(NOW)


def test_levels_off_are_quiet_per_channel():
    snap = PreferenceSnapshot(
        toast_levels=frozenset({"error"}), webpush_levels=frozenset({"warning", "error"})
    )
    assert [lv for lv in LEVELS if snap.shows_toast(lv, NOW)] == ["error"]
    assert [lv for lv in LEVELS if snap.wants_webpush(lv, NOW)] == ["warning", "error"]


def test_do_not_disturb_holds_toasts_pushes_and_email_until_it_ends():
    snap = PreferenceSnapshot(quiet_until=NOW + timedelta(hours=1))
    assert not snap.shows_toast("error", NOW)
    assert not snap.wants_webpush("error", NOW)
    assert not snap.wants_email(NOW)
    later = NOW + timedelta(hours=1)
    assert snap.shows_toast("error", later) and snap.wants_webpush("error", later)
    assert snap.wants_email(later)


def test_snapshots_for_many_users_is_one_query(make_user, django_assert_num_queries):
    users = [make_user() for _ in range(5)]
    NotificationPreference.objects.create(user=users[0], toast_info=False, email=False)
    with django_assert_num_queries(1):
        snaps = preferences.snapshots_for([u.pk for u in users])
    assert set(snaps) == {u.pk for u in users}
    assert snaps[users[0].pk].toast_levels == frozenset({"success", "warning", "error"})
    assert not snaps[users[0].pk].email
    assert all(snaps[u.pk] == DEFAULTS for u in users[1:])


# --- writes ------------------------------------------------------------------------------
def test_update_is_partial(alice):
    preferences.update_preferences(user=alice, changes={"toast": {"info": False}})
    snap = preferences.update_preferences(
        user=alice, changes={"webpush": {"error": False}, "email": False}
    )
    assert snap.toast_levels == frozenset({"success", "warning", "error"})
    assert snap.webpush_levels == frozenset({"info", "success", "warning"})
    assert snap.email is False
    assert preferences.snapshot_for(alice.pk) == snap


@pytest.mark.parametrize(
    "changes",
    [
        {"toast": {"debug": False}},
        {"toast": {"info": "no"}},
        {"toast": ["info"]},
        {"email": 0},
        {"quiet_until": None},
        {"sms": True},
    ],
)
def test_bad_changes_are_refused_and_nothing_is_stored(alice, changes):
    with pytest.raises(InvalidPreferences):
        preferences.update_preferences(user=alice, changes=changes)
    assert not NotificationPreference.objects.exists()


def test_quiet_for_one_hour_until_tomorrow_and_off(alice):
    assert preferences.set_quiet(user=alice, choice="1h", now=NOW).quiet_until == NOW + timedelta(
        hours=1
    )
    # 22:30 UTC is 18:30 in New York: "tomorrow" is 8:00 there on the next day.
    until = preferences.set_quiet(user=alice, choice="tomorrow", tz="America/New_York", now=NOW)
    assert until.quiet_until == datetime(2026, 3, 11, 8, 0, tzinfo=ZoneInfo("America/New_York"))
    # In Tokyo it is already 7:30 on the 11th: tomorrow is the 12th.
    until = preferences.set_quiet(user=alice, choice="tomorrow", tz="Asia/Tokyo", now=NOW)
    assert until.quiet_until == datetime(2026, 3, 12, 8, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert preferences.set_quiet(user=alice, choice="off", now=NOW).quiet_until is None


@pytest.mark.parametrize(("choice", "tz"), [("2h", ""), ("", ""), ("tomorrow", "Mars/Base")])
def test_bad_quiet_choices_are_refused(alice, choice, tz):
    with pytest.raises(InvalidPreferences):
        preferences.set_quiet(user=alice, choice=choice, tz=tz)


# --- Web Push honours them, server side --------------------------------------------------
def test_web_push_skips_levels_turned_off(vapid, alice, bob, browser, push_service):  # noqa: F811
    alice_phone, bob_phone = browser(alice, "alice"), browser(bob, "bob")
    preferences.update_preferences(user=alice, changes={"webpush": {"info": False}})
    services.notify(alice, "fyi", level="info")
    services.notify(alice, "broken", level="error")
    services.notify(bob, "fyi", level="info")

    assert run() == 2
    [request] = push_service.to(alice_phone.path)
    assert alice_phone.decrypt(request)["text"] == "broken"
    assert len(push_service.to(bob_phone.path)) == 1
    # Never pushed later either: the level is off, not held.
    assert run(timezone.now() + timedelta(minutes=5)) == 0


def test_web_push_holds_messages_during_do_not_disturb(vapid, alice, browser, push_service):  # noqa: F811
    phone = browser(alice, "alice")
    preferences.set_quiet(user=alice, choice="1h")
    services.notify(alice, "while quiet", level="error")

    assert run() == 0
    assert push_service.to(phone.path) == []
    preferences.set_quiet(user=alice, choice="off")
    assert run() == 1
    assert phone.decrypt(push_service.to(phone.path)[0])["text"] == "while quiet"


# --- the page ----------------------------------------------------------------------------
@pytest.fixture
def alice_client(alice) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    return client


def csrf(client: Client) -> str:
    client.get("/notifications/preferences/")
    return client.cookies["csrftoken"].value


def test_page_needs_a_login():
    response = Client().get("/notifications/preferences/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_page_shows_and_saves_every_level(alice, alice_client):
    page = alice_client.get("/notifications/preferences/").content.decode()
    assert 'name="toast_info" aria-label="Info: toast" checked' in page
    assert "no email address" in page  # alice was created without one

    form = {"csrfmiddlewaretoken": csrf(alice_client), "toast_error": "on", "webpush_info": "on"}
    response = alice_client.post("/notifications/preferences/", form)
    assert response.status_code == 302
    snap = preferences.snapshot_for(alice.pk)
    assert snap.toast_levels == frozenset({"error"})
    assert snap.webpush_levels == frozenset({"info"})
    assert snap.email is False
    page = alice_client.get("/notifications/preferences/").content.decode()
    assert "Preferences saved." in page
    assert 'name="toast_info" aria-label="Info: toast">' in page


def test_page_refuses_a_post_without_the_csrf_token(alice, alice_client):
    response = alice_client.post("/notifications/preferences/", {"toast_error": "on"})
    assert response.status_code == 403
    response = alice_client.post("/notifications/preferences/quiet/", {"for": "1h"})
    assert response.status_code == 403
    assert not NotificationPreference.objects.exists()


def test_quiet_buttons(alice, alice_client):
    token = csrf(alice_client)
    response = alice_client.post(
        "/notifications/preferences/quiet/", {"csrfmiddlewaretoken": token, "for": "1h"}
    )
    assert response.status_code == 302
    assert preferences.snapshot_for(alice.pk).is_quiet(timezone.now())
    assert "data-until>until " in alice_client.get("/notifications/preferences/").content.decode()
    alice_client.post(
        "/notifications/preferences/quiet/", {"csrfmiddlewaretoken": token, "for": "off"}
    )
    assert not preferences.snapshot_for(alice.pk).is_quiet(timezone.now())
    bad = alice_client.post(
        "/notifications/preferences/quiet/", {"csrfmiddlewaretoken": token, "for": "forever"}
    )
    assert bad.status_code == 400


# --- the API -----------------------------------------------------------------------------
API = "/api/notifications/preferences/"


def patch(client: Client, body, **kwargs):
    return client.patch(API, json.dumps(body), content_type="application/json", **kwargs)


def test_api_reads_defaults_and_patches(alice):
    token = create_token(user=alice, name="script")[1]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client = Client()
    assert client.get(API, **auth).json() == {
        "toast": dict.fromkeys(LEVELS, True),
        "webpush": dict.fromkeys(LEVELS, True),
        "email": True,
        "quiet_until": None,
    }
    body = patch(client, {"toast": {"info": False}, "email": False}, **auth).json()
    assert body["toast"]["info"] is False and body["toast"]["error"] is True
    assert body["email"] is False
    assert client.get(API, **auth).json() == body

    quiet = client.post(
        API + "quiet/", json.dumps({"for": "1h"}), content_type="application/json", **auth
    )
    assert quiet.status_code == 200
    until = datetime.fromisoformat(quiet.json()["quiet_until"])
    assert timezone.now() < until <= timezone.now() + timedelta(hours=1)


@pytest.mark.parametrize(
    "body", [[], "x", {"toast": {"info": 1}}, {"webpush": {"loud": True}}, {"nope": 1}]
)
def test_api_refuses_bad_bodies_with_400(alice, body):
    client = Client()
    client.force_login(alice)
    response = patch(client, body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_body"


def test_api_quiet_refuses_bad_bodies(alice):
    client = Client()
    client.force_login(alice)
    for body in ({"for": "2h"}, {"for": 1}, {"for": "tomorrow", "tz": "Nowhere/Land"}, {}):
        response = client.post(API + "quiet/", json.dumps(body), content_type="application/json")
        assert response.status_code == 400, body


def test_api_needs_auth_and_csrf_for_sessions(alice):
    assert Client().get(API).status_code == 401
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="alice", password=PASSWORD)
    assert client.get(API).status_code == 200
    response = patch(client, {"email": False})
    assert response.status_code == 403 and response.json()["error"] == "csrf_failed"
    client.get("/notifications/preferences/")  # a page that sets the CSRF cookie
    response = patch(client, {"email": False}, HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert response.status_code == 200
    assert Client().put(API).status_code in {401, 405}


@pytest.mark.django_db
def test_the_sync_frame_and_the_page_say_toast_false_where_preferences_hold_it(alice):
    from notifications import selectors

    info = services.notify(alice, "an info", level="info")
    error = services.notify(alice, "an error", level="error")
    sync = selectors.sync_frame(user_id=alice.pk)
    assert [m.get("toast", True) for m in sync["unread"]] == [True, True]

    preferences.update_preferences(user=alice, changes={"toast": {"info": False}})
    sync = selectors.sync_frame(user_id=alice.pk)
    assert {m["id"]: m.get("toast", True) for m in sync["unread"]} == {
        info.pk: False,
        error.pk: True,
    }
    preferences.set_quiet(user=alice, choice="1h", tz="UTC")
    sync = selectors.sync_frame(user_id=alice.pk)
    assert [m.get("toast", True) for m in sync["unread"]] == [False, False]
    assert selectors.quiet_ids([info, error], user_id=alice.pk) == {info.pk, error.pk}


def test_without_web_push_the_page_has_no_column_and_saving_keeps_its_levels(
    alice, alice_client, settings
):
    settings.WEBPUSH_VAPID_PUBLIC_KEY = ""
    preferences.update_preferences(user=alice, changes={"webpush": {"info": False}})
    page = alice_client.get("/notifications/preferences/").content.decode()
    assert "Web Push" not in page
    form = {"csrfmiddlewaretoken": csrf(alice_client), "toast_error": "on", "email": "on"}
    for level in ("success", "warning", "error"):  # what the page's hidden inputs carry
        assert f'name="webpush_{level}" value="on"' in page
        form[f"webpush_{level}"] = "on"
    alice_client.post("/notifications/preferences/", form)
    assert preferences.snapshot_for(alice.pk).webpush_levels == frozenset(
        {"success", "warning", "error"}
    )
