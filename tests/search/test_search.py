"""Search and filters (search/) through the inbox page; the same on SQLite
(every word a substring) and PostgreSQL (full text, plus substrings)."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

import search
from notifications import selectors, services
from notifications.models import Message
from tests.inbox.pages import client_for, row_ids

pytestmark = pytest.mark.django_db


def found(user, **params) -> list[int]:
    filters = search.parse(params)
    return [m.pk for m in selectors.inbox_page(user_id=user.pk, filters=filters).messages]


def test_text_search_finds_every_word_in_any_case(alice, bob):
    invoice = services.notify(alice, "Invoice 118 is paid")
    upload = services.notify(alice, "Your upload song.mp3 is ready")
    services.notify(alice, "Something else")
    services.notify(bob, "Invoice 118 is paid")  # another user's: never found
    assert found(alice, q="invoice") == [invoice.pk]
    assert found(alice, q="INVOICE paid") == [invoice.pk]
    assert found(alice, q="upload ready") == [upload.pk]
    assert found(alice, q="invoice ready") == []
    assert found(alice, q="song.mp3") == [upload.pk]


def test_full_text_on_postgresql_stems_words(alice):
    if connection.vendor != "postgresql":
        pytest.skip("full-text search is PostgreSQL's; SQLite matches substrings")
    uploads = services.notify(alice, "Two uploads finished")
    assert found(alice, q="upload finishing") == [uploads.pk]
    assert found(alice, q='"uploads finished" -invoice') == [uploads.pk]


def test_filters_by_level_read_state_and_date(alice):
    old = services.notify(alice, "old error", level="error")
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    error = services.notify(alice, "new error", level="error")
    info = services.notify(alice, "new info")
    services.mark_read(user=alice, ids=[info.pk])
    assert found(alice, level="error") == [error.pk, old.pk]
    assert found(alice, state="read") == [info.pk]
    assert found(alice, state="unread") == [error.pk, old.pk]
    today = timezone.localdate().isoformat()
    assert found(alice, **{"from": today}) == [info.pk, error.pk]
    ten_days_ago = (timezone.localdate() - timedelta(days=10)).isoformat()
    assert found(alice, to=ten_days_ago) == [old.pk]
    assert found(alice, level="error", q="new", **{"from": today}) == [error.pk]


@pytest.mark.parametrize(
    "params",
    [
        {"level": "loud"},
        {"state": "maybe"},
        {"from": "yesterday"},
        {"from": "2026-02-02", "to": "2026-02-01"},
        {"q": "x" * 201},
        {"q": "a\x00b"},  # PostgreSQL refuses a NUL in a query parameter: a 500 before
    ],
)
def test_filters_we_cannot_apply_are_a_400_in_the_inbox(alice, params):
    with pytest.raises(search.InvalidFilters):
        search.parse(params)
    assert client_for(alice).get("/notifications/", params).status_code == 400


def test_the_url_holds_the_query_and_results_page_like_the_inbox(alice, settings):
    settings.NOTIFICATIONS_PAGE_SIZE = 2
    matches = [services.notify(alice, f"build {i} failed", level="error").pk for i in range(3)]
    services.notify(alice, "build 9 passed")
    client = client_for(alice)
    html = client.get("/notifications/", {"q": "failed", "level": "error"}).content.decode()
    assert row_ids(html) == [matches[2], matches[1]]
    assert 'value="failed"' in html  # the box shows the query
    assert '<option value="error" selected>' in html
    older = re.search(r'<a rel="next" href="\?([^"]+)"', html).group(1).replace("&amp;", "&")
    assert older == f"q=failed&level=error&before={matches[1]}"
    html = client.get("/notifications/?" + older).content.decode()
    assert row_ids(html) == [matches[0]]
    assert 'data-filtered="1"' in html
    empty = client.get("/notifications/", {"q": "nothing like it"}).content.decode()
    assert row_ids(empty) == [] and "No matches" in empty


def test_search_works_in_the_snoozed_and_archived_views(alice):
    a, b = services.notify(alice, "alpha"), services.notify(alice, "beta")
    services.archive(user=alice, ids=[a.pk, b.pk])
    html = client_for(alice).get("/notifications/", {"archived": "1", "q": "alpha"}).content
    assert row_ids(html.decode()) == [a.pk]


def test_filters_by_thread_and_lists_each_of_its_messages(alice, bob):
    first = services.notify(alice, "Upload 42 queued", group="upload:42")
    second = services.notify(alice, "Upload 42 ready", group="upload:42")
    services.notify(alice, "Upload 43 ready", group="upload:43")
    services.notify(alice, "no thread")
    services.notify(bob, "Upload 42 ready", group="upload:42")  # another user's
    assert found(alice, thread="upload:42") == [second.pk, first.pk]
    html = client_for(alice).get("/notifications/?thread=upload:42").content.decode()
    # A filtered view lists messages one by one, the thread's older one included.
    assert row_ids(html) == [second.pk, first.pk]
    assert search.parse({"thread": "upload:42"}).query_string() == {"thread": "upload:42"}


def test_a_bad_thread_key_is_a_clear_400(alice):
    response = client_for(alice).get("/notifications/?thread=has space")
    assert response.status_code == 400
    assert b"thread" in response.content
