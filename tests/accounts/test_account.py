"""The account page's writers: a confirmed email address, language and time zone."""

import pytest
from django.core import mail, signing
from django.test import Client

from accounts import account
from accounts.models import AccountSettings

pytestmark = pytest.mark.django_db


def test_the_address_is_stored_only_through_its_signed_link(alice, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://audio.example.com"
    token = account.request_email_change(user=alice, email="alice@example.com")
    alice.refresh_from_db()
    assert alice.email == ""
    assert mail.outbox[0].to == ["alice@example.com"]
    assert f"https://audio.example.com/accounts/email/confirm/{token}/" in mail.outbox[0].body
    assert Client().get(f"/accounts/email/confirm/{token}/").status_code == 200  # a button
    alice.refresh_from_db()
    assert alice.email == ""  # a GET (a mail scanner) changes nothing
    assert Client().post(f"/accounts/email/confirm/{token}/").status_code == 200
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


@pytest.mark.parametrize(
    "token",
    [
        "not-a-token",
        signing.dumps({"user": 1, "email": "x@example.com"}, salt="another.salt"),
        signing.dumps(["not", "a", "dict"], salt=account.EMAIL_SALT),
    ],
    # Named: a signed token holds the time, and parallel workers (make test) must collect
    # the same test ids.
    ids=["not-a-token", "another-salt", "not-a-dict"],
)
def test_a_bad_token_is_a_400_and_changes_nothing(alice, token):
    response = Client().post(f"/accounts/email/confirm/{token}/")
    assert response.status_code == 400
    alice.refresh_from_db()
    assert alice.email == ""


def test_an_expired_token_is_refused(alice, settings, monkeypatch):
    token = account.email_token(alice.pk, "late@example.com")
    monkeypatch.setattr(account, "EMAIL_MAX_AGE", -1)
    assert account.confirm_email(token) is None


def test_language_and_time_zone_are_checked_and_kept(alice):
    account.update_settings(user=alice, language="pl", time_zone="Asia/Tokyo")
    row = AccountSettings.objects.get(user=alice)
    assert (row.language, row.time_zone) == ("pl", "Asia/Tokyo")
    with pytest.raises(account.InvalidSettings):
        account.update_settings(user=alice, language="xx-nope", time_zone="")
    with pytest.raises(account.InvalidSettings):  # one Django knows, but no catalogue here
        account.update_settings(user=alice, language="fr", time_zone="")
    with pytest.raises(account.InvalidSettings):
        account.update_settings(user=alice, language="", time_zone="Mars/Olympus")


def test_the_account_page_needs_a_login():
    response = Client().get("/accounts/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
