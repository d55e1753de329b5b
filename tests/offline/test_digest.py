"""offline/digest.py and `email_unread`: what is due, once per message, one email per user.

Most tests use Django's locmem backend (mail.outbox); one goes end to end through a real
SMTP server on 127.0.0.1 (aiosmtpd) with `manage.py email_unread`.
"""

import email
import email.policy
import socket
from datetime import timedelta
from io import StringIO

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from notifications import preferences, services
from notifications.models import Message
from offline import digest
from offline.models import Channel, Taken
from tests.offline.conftest import DELAY

# email_settings, carol, dave: tests/offline/conftest.py.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("email_settings")]

LATER = timedelta(seconds=DELAY + 1)


def run(now=None) -> int:
    return digest.email_unread(now=now or timezone.now() + LATER)


def emailed():
    return Taken.objects.filter(channel=Channel.EMAIL)


def test_one_digest_per_user_with_every_due_message(carol, dave):
    first = services.notify(carol, "Transcoded: talk.mp3", level="success", link="/uploads/7/")
    services.notify(carol, "Transcoding failed: b.wav", level="error")
    services.notify(dave, "Hello dave")

    assert run() == 3

    assert len(mail.outbox) == 2
    [to_carol] = [m for m in mail.outbox if m.to == ["carol@example.com"]]
    assert to_carol.subject == "2 unread notifications"
    assert to_carol.from_email == "notifications@example.com"
    assert "[Success] Transcoded: talk.mp3" in to_carol.body
    assert "https://audio.example.com/uploads/7/" in to_carol.body
    assert "[Error] Transcoding failed: b.wav" in to_carol.body
    assert "Hello dave" not in to_carol.body
    html, mimetype = to_carol.alternatives[0]
    assert mimetype == "text/html"
    assert '<a href="https://audio.example.com/uploads/7/">Transcoded: talk.mp3</a>' in html
    # RFC 8058 one-click unsubscribe, signed for carol.
    link = digest.unsubscribe_url(carol.pk)
    assert to_carol.extra_headers["List-Unsubscribe"] == f"<{link}>"
    assert to_carol.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in to_carol.body and link.startswith("https://audio.example.com/")
    [to_dave] = [m for m in mail.outbox if m.to == ["dave@example.com"]]
    assert to_dave.subject == "Hello dave"
    assert emailed().filter(message=first).exists()


def test_each_message_is_emailed_once(carol):
    services.notify(carol, "once")
    assert run() == 1
    assert run() == 0
    assert run(timezone.now() + LATER + timedelta(hours=2)) == 0
    assert len(mail.outbox) == 1


def test_not_before_the_delay_nor_when_read_or_seen_nor_when_stale(carol):
    fresh = services.notify(carol, "fresh")
    assert digest.email_unread(now=timezone.now() + timedelta(seconds=DELAY - 5)) == 0
    read = services.notify(carol, "read")
    services.mark_read(user=carol, ids=[read.pk])
    seen = services.notify(carol, "seen")
    Message.objects.filter(pk=seen.pk).update(seen_at=timezone.now())
    # A day past the delay: too stale to email (the inbox has it).
    assert digest.email_unread(now=timezone.now() + LATER + digest.MAX_AGE) == 0
    assert mail.outbox == []
    assert run() == 1
    assert mail.outbox[0].subject == fresh.text


def test_users_without_an_address_inactive_or_opted_out_get_nothing(make_user, carol, dave):
    nobody = make_user("nobody")  # no email address
    gone = make_user("gone", email="gone@example.com", is_active=False)
    preferences.update_preferences(user=dave, changes={"email": False})
    for user in (nobody, gone, dave, carol):
        services.notify(user, f"for {user.username}")
    assert run() == 1
    assert [m.to for m in mail.outbox] == [["carol@example.com"]]
    assert not emailed().exclude(message__recipient=carol).exists()


def test_do_not_disturb_holds_the_digest_until_it_ends(carol):
    preferences.set_quiet(user=carol, choice="1h")
    services.notify(carol, "while quiet")
    assert digest.email_unread(now=timezone.now() + LATER) == 0
    # After the hour, the held message goes out (it is within MAX_AGE).
    assert digest.email_unread(now=timezone.now() + timedelta(hours=1, minutes=1)) == 1


def test_an_overlapping_run_takes_only_what_the_other_left(carol):
    taken = services.notify(carol, "taken by the other run")
    free = services.notify(carol, "free")
    messages = digest.due(now=timezone.now() + LATER)
    Taken.objects.create(message=taken, channel=Channel.EMAIL, taken_at=timezone.now())
    # The other run's row is skipped, not an error: this run takes the free one only.
    assert digest._claim(messages, now=timezone.now()) == [free]
    assert run() == 0 and mail.outbox == []  # both taken: neither is emailed again


def test_an_unreachable_mail_server_loses_nothing(carol, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2
    services.notify(carol, "kept for the next run")
    assert run() == 0
    assert not emailed().exists()


def test_a_line_break_in_the_text_makes_a_one_line_subject_and_the_digest_goes(carol):
    # Django refuses a header with a line break at send time: the digest was lost (#19).
    services.notify(carol, "Disk almost full\r\non the backup server\u2028now")
    assert run() == 1
    [sent] = mail.outbox
    assert sent.subject == "Disk almost full on the backup server now"
    assert "on the backup server" in sent.body


def test_a_failed_send_is_not_marked_emailed_and_the_next_run_sends_it(carol, monkeypatch):
    services.notify(carol, "try again")
    real = digest.get_connection

    def failing(*args, **kwargs):
        connection = real(*args, **kwargs)

        def refuse(messages):
            raise OSError("452 mailbox full, try later")

        connection.send_messages = refuse
        return connection

    monkeypatch.setattr(digest, "get_connection", failing)
    assert run() == 0
    assert not emailed().exists()  # left for the next run
    monkeypatch.setattr(digest, "get_connection", real)
    assert run() == 1
    assert [m.subject for m in mail.outbox] == ["try again"]
    assert emailed().count() == 1


def test_a_stored_script_link_is_text_in_the_digest(carol):
    # Rows written before links were checked, or around the service.
    Message.objects.create(recipient=carol, text="click me", link="javascript:alert(1)")
    services.notify(carol, "fine", link="/uploads/7/")
    assert run() == 2
    [sent] = mail.outbox
    html = sent.alternatives[0][0]
    assert "javascript:" not in html and "javascript:" not in sent.body
    assert "click me" in html
    assert 'href="https://audio.example.com/uploads/7/"' in html


# --- end to end through SMTP -------------------------------------------------------------
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps each envelope it is handed."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=closed_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    yield inbox
    controller.stop()


def test_email_unread_command_sends_through_a_real_smtp_server(carol, dave, smtp_server, settings):
    settings.NOTIFICATIONS_EMAIL_DELAY_SECONDS = 0
    services.notify(carol, "Transcoded: talk.mp3 ✓", level="success", link="/uploads/7/")
    services.notify(dave, "Hello dave")
    out = StringIO()

    call_command("email_unread", stdout=out)

    assert out.getvalue().strip() == "emailed 2 messages"
    by_rcpt = {tuple(e.rcpt_tos): e for e in smtp_server.envelopes}
    assert set(by_rcpt) == {("carol@example.com",), ("dave@example.com",)}
    envelope = by_rcpt[("carol@example.com",)]
    assert envelope.mail_from == "notifications@example.com"
    parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert parsed["Subject"] == "Transcoded: talk.mp3 ✓"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Long enough to be folded onto a continuation line (RFC 5322), hence the strip().
    assert parsed["List-Unsubscribe"].strip() == f"<{digest.unsubscribe_url(carol.pk)}>"
    text = parsed.get_body(preferencelist=("plain",)).get_content()
    html = parsed.get_body(preferencelist=("html",)).get_content()
    assert "Transcoded: talk.mp3 ✓" in text and "https://audio.example.com/uploads/7/" in text
    assert 'href="https://audio.example.com/uploads/7/"' in html

    out = StringIO()
    call_command("email_unread", stdout=out)
    assert out.getvalue().strip() == "emailed 0 messages: every due message was emailed already"
    assert len(smtp_server.envelopes) == 2


def test_the_command_says_why_it_sent_nothing(make_user, carol):
    def command() -> str:
        out = StringIO()
        call_command("email_unread", stdout=out)
        return out.getvalue()

    assert "emailed 0 messages: no message is unread" in command()
    message = services.notify(make_user("noaddress"), "waiting")
    assert "older than NOTIFICATIONS_EMAIL_DELAY_SECONDS (15 minutes)" in command()
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - LATER)
    assert "have no email address (set on the account page" in command()
    services.notify(carol, "for carol")
    Message.objects.filter(recipient=carol).update(created_at=timezone.now() - LATER)
    preferences.update_preferences(user=carol, changes={"email": False})
    assert "turned email off or are in do not disturb" in command()


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 seconds"), (30, "30 seconds"), (900, "15 minutes"), (7200, "2 hours"), (90, "about")],
)
def test_the_footer_says_the_configured_delay(carol, settings, seconds, text):
    settings.NOTIFICATIONS_EMAIL_DELAY_SECONDS = seconds
    services.notify(carol, "hello")
    assert digest.email_unread(now=timezone.now() + timedelta(seconds=seconds + 1)) == 1
    body = mail.outbox[0].body
    assert f"still unread {text}" in body
    assert f"still unread {text}" in mail.outbox[0].alternatives[0][0]
