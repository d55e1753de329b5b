"""The user's language and time zone on every page (accounts/locale.py)."""

import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from accounts import account
from notifications import services
from notifications.models import Message

pytestmark = pytest.mark.django_db


def test_accept_language_pl_gives_a_polish_login_page():
    page = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="pl,en;q=0.5")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="pl"' in html
    assert "<h1>Zaloguj się</h1>" in html
    assert page["Content-Language"] == "pl"
    assert "Accept-Language" in page["Vary"]


def test_without_accept_language_the_site_default_is_used():
    html = Client().get("/accounts/login/").content.decode()
    assert '<html lang="en"' in html
    assert "<h1>Log in</h1>" in html


def test_a_language_not_offered_falls_back_to_the_default():
    html = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert '<html lang="en"' in html


def test_german_login_page():
    html = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<html lang="de"' in html
    assert "<h1>Anmelden</h1>" in html


def test_the_users_setting_beats_the_browsers_header(alice, client):
    account.update_settings(user=alice, language="pl", time_zone="")
    client.force_login(alice)
    html = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="pl"' in html
    assert "<h1>Powiadomienia</h1>" in html


def test_a_user_with_no_setting_follows_the_browser(alice, client):
    client.force_login(alice)
    html = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    assert '<html lang="pl"' in html
    html = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en"' in html


def test_no_js_pages_show_times_in_the_users_zone(alice, client):
    services.notify(alice, "zoned")
    Message.objects.update(created_at=datetime(2026, 1, 15, 12, 30, tzinfo=UTC))
    client.force_login(alice)
    row = re.search(r"<time datetime=[^>]*>[^<]*</time>", client.get("/notifications/").text)
    assert "15 Jan 2026, 12:30" in row.group(0)  # no zone set: the site's (UTC)
    account.update_settings(user=alice, language="", time_zone="Asia/Tokyo")
    page = client.get("/notifications/").content.decode()
    row = re.search(r"<time datetime=[^>]*>[^<]*</time>", page).group(0)
    assert "15 Jan 2026, 21:30" in row
    assert 'title="15 Jan 2026, 21:30 JST"' in row
    # The page tells the browser's formatting which zone to use.
    assert 'data-time-zone="Asia/Tokyo"' in page


def test_the_zone_does_not_leak_to_the_next_request(alice, bob, client):
    account.update_settings(user=alice, language="", time_zone="Asia/Tokyo")
    client.force_login(alice)
    client.get("/notifications/")
    other = Client()
    other.force_login(bob)
    assert 'data-time-zone=""' in other.get("/notifications/").content.decode()


def test_a_zone_the_system_no_longer_knows_is_ignored(alice, client):
    from accounts.models import AccountSettings

    AccountSettings.objects.create(user=alice, language="xx", time_zone="Mars/Olympus")
    client.force_login(alice)
    page = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert '<html lang="en"' in page.content.decode()


def test_the_account_page_offers_the_languages_by_their_own_names(alice, client):
    client.force_login(alice)
    html = client.get("/accounts/").content.decode()
    assert '<option value="pl">Polski</option>' in html
    assert '<option value="de">Deutsch</option>' in html
    response = client.post(
        "/accounts/",
        {"form": "settings", "settings-language": "pl", "settings-time_zone": "Europe/Warsaw"},
        follow=True,
    )
    html = response.content.decode()
    assert '<html lang="pl"' in html  # the page after saving is already in Polish
    assert "Zapisano ustawienia." in html


def test_until_tomorrow_without_javascript_is_8_in_the_users_zone(alice, client):
    from zoneinfo import ZoneInfo

    from notifications import preferences

    account.update_settings(user=alice, language="", time_zone="Pacific/Auckland")
    client.force_login(alice)
    client.post("/notifications/preferences/quiet/", {"for": "tomorrow", "tz": ""})
    until = preferences.snapshot_for(alice.pk).quiet_until
    assert until.astimezone(ZoneInfo("Pacific/Auckland")).hour == 8
