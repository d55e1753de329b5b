"""The email digest in the recipient's language and time zone (offline/digest.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import translation

from accounts import account
from notifications import services
from notifications.models import Message
from offline import digest

pytestmark = pytest.mark.django_db

CREATED = datetime(2026, 1, 15, 12, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def email_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFICATIONS_EMAIL_DELAY_SECONDS = 7200
    settings.SITE_URL = "https://audio.example.com"


@pytest.fixture
def carol(make_user):
    return make_user("carol", email="carol@example.com")


def send_two(user) -> mail.EmailMessage:
    services.notify(user, "Transcoded: talk.mp3", level="success")
    services.notify(user, "Transcoding failed: b.wav", level="error")
    Message.objects.update(created_at=CREATED)
    assert digest.email_unread(now=CREATED + timedelta(hours=2, seconds=1)) == 2
    [sent] = mail.outbox
    return sent


def test_a_polish_users_digest_is_polish_and_in_their_zone(carol):
    account.update_settings(user=carol, language="pl", time_zone="Europe/Warsaw")
    sent = send_two(carol)
    html = sent.alternatives[0][0]
    assert sent.subject == "2 nieprzeczytane powiadomienia"
    assert "Cześć carol," in sent.body
    assert "Czekają na Ciebie 2 powiadomienia:" in sent.body
    assert "15 Sty 2026, 13:30 CET [Sukces] Transcoded: talk.mp3" in sent.body
    assert "nieprzeczytane 2 godziny po nadejściu" in sent.body
    assert '<html lang="pl">' in html
    assert "15 Sty 2026, 13:30 CET" in html and "<strong>Błąd</strong>" in html


def test_a_german_users_digest_is_german(carol):
    account.update_settings(user=carol, language="de", time_zone="America/New_York")
    sent = send_two(carol)
    assert sent.subject == "2 ungelesene Benachrichtigungen"
    assert "15 Jan 2026, 07:30 EST [Erfolg]" in sent.body


def test_without_settings_the_site_defaults_are_used_whatever_was_active(carol, settings):
    settings.TIME_ZONE = "UTC"
    # A management command or a worker may have any language active; the digest does not
    # take it.
    with translation.override("de"):
        sent = send_two(carol)
    assert sent.subject == "2 unread notifications"
    assert "15 Jan 2026, 12:30 UTC [Success] Transcoded: talk.mp3" in sent.body
    assert "still unread 2 hours after they arrived" in sent.body
    assert '<html lang="en">' in sent.alternatives[0][0]
