"""The inbox's threads, snooze, search and keyboard dialog in the user's language
(templates/notifications/_inbox_*.html, snooze_times.CHOICES, views_triage; docs/i18n.md)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import account
from notifications import services
from threads import actions
from threads import services as threads

pytestmark = pytest.mark.django_db

# What the threads, snooze and search branches wrote in English: none of it may reach a
# Polish or German page.
ENGLISH = [
    ">Mute</button>",
    ">Unmute</button>",
    "Muted</span>",
    " updates</summary>",
    ">Snooze</button>",
    "Snooze until",
    ">1 hour</button>",
    ">This evening</button>",
    "Date and time",
    "Search notifications",
    ">Keyboard shortcuts<",
    "Next / previous notification",
    "Shortcuts are off",
    ">Close</button>",
    ">Snoozed</a>",
    ">Done</span>",
    "<label>Level ",
    ">Any</option>",
]


def client_in(user, language: str) -> Client:
    account.update_settings(user=user, language=language, time_zone="")
    client = Client()
    client.force_login(user)
    return client


def inbox_with_threads(user) -> None:
    for i in range(2):
        services.notify(user, f"two {i}", group="two")
    for i in range(5):
        services.notify(user, f"five {i}", group="five")
    acted = services.notify(user, "act on me", actions=[{"label": "Approve", "post": "ok"}])
    actions.act(user=user, message_id=acted.pk, index=0)
    threads.mute(user=user, key="five")


def test_the_inbox_speaks_polish_with_its_plural_forms(alice):
    inbox_with_threads(alice)
    html = client_in(alice, "pl").get("/notifications/").content.decode()
    assert "<summary>2 aktualizacje</summary>" in html
    assert "<summary>5 aktualizacji</summary>" in html
    assert ">Wycisz</button>" in html and ">Wyłącz wyciszenie</button>" in html
    assert "Wyciszony</span>" in html
    assert ">Odłóż</button>" in html and ">Za godzinę</button>" in html
    assert 'placeholder="Szukaj w powiadomieniach"' in html
    assert ">Skróty klawiszowe</h2>" in html and ">Odłożone</a>" in html
    assert '<span class="inbox-acted">Gotowe</span>' in html
    for english in ENGLISH:
        assert english not in html, english


def test_the_inbox_speaks_german(alice):
    inbox_with_threads(alice)
    html = client_in(alice, "de").get("/notifications/").content.decode()
    assert "<summary>2 Aktualisierungen</summary>" in html
    assert ">Stummschalten</button>" in html and ">Heute Abend</button>" in html
    for english in ENGLISH:
        assert english not in html, english


def test_the_snoozed_view_and_no_matches_speak_polish(alice):
    message = services.notify(alice, "away")
    client = client_in(alice, "pl")
    client.post("/notifications/snooze/", {"ids": [message.pk], "until": "1h"})
    snoozed = client.get("/notifications/?snoozed=1").content.decode()
    assert '<strong aria-current="page">Odłożone</strong>' in snoozed
    assert 'aria-label="Cofnij odłożenie: away">Cofnij odłożenie</button>' in snoozed
    empty = client.get("/notifications/?q=nothing-like-this").content.decode()
    assert '<p class="empty-title">Brak wyników</p>' in empty
    assert "No matches" not in empty and "Clear the search" not in empty


def test_a_refused_snooze_says_why_in_the_pages_language(alice):
    message = services.notify(alice, "m")
    past = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    for language, text in [
        ("pl", "Czas musi przypadać w przyszłości."),
        ("de", "Der Zeitpunkt muss in der Zukunft liegen."),
        ("en", "The time must be in the future."),
    ]:
        response = client_in(alice, language).post(
            "/notifications/snooze/",
            {"ids": [message.pk], "until": "at", "at": past},
            HTTP_ACCEPT="application/json",
        )
        assert response.status_code == 400
        assert response.json() == {"error": "invalid_body", "detail": text}
    far = (timezone.now() + timedelta(days=400)).strftime("%Y-%m-%dT%H:%M")
    response = client_in(alice, "pl").post(
        "/notifications/snooze/", {"ids": [message.pk], "until": "at", "at": far}
    )
    assert response.json()["detail"] == "Czas może przypadać najwyżej 366 dni naprzód."
