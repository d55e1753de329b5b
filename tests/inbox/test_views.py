"""The inbox page and its form actions, with and without JavaScript."""

import re

import pytest
from django.test import Client

from notifications import services
from notifications.models import Message
from tests.inbox.pages import row_ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_for():
    def make(user, **kwargs) -> Client:
        client = Client(**kwargs)
        client.force_login(user)
        return client

    return make


def test_inbox_needs_login(client):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_inbox_lists_own_messages_newest_first_with_states(alice, bob, client_for):
    read = services.notify(alice, "read one", link="/uploads/1/")
    seen = services.notify(alice, "seen one")
    new = services.notify(alice, "new one", level="error")
    services.notify(bob, "bob's secret")
    services.mark_read(user=alice, ids=[read.pk])
    services.mark_seen(user=alice, ids=[seen.pk])
    html = client_for(alice).get("/notifications/").content.decode()
    assert row_ids(html) == [new.pk, seen.pk, read.pk]
    assert "bob&#x27;s secret" not in html and "bob's secret" not in html
    assert f'data-id="{new.pk}" data-level="error"\n    data-state="unseen"' in html
    assert f'data-id="{seen.pk}" data-level="info"\n    data-state="seen"' in html
    assert f'data-id="{read.pk}" data-level="info"\n    data-state="read"' in html
    assert '<a class="inbox-text" href="/uploads/1/">read one</a>' in html
    assert f'action="/notifications/{read.pk}/unread/"' in html
    assert f'action="/notifications/{new.pk}/read/"' in html
    assert 'aria-current="page"' in html  # the Inbox link in the navigation


def test_inbox_pages_by_cursor(alice, client_for, settings):
    settings.NOTIFICATIONS_PAGE_SIZE = 2
    ids = [services.notify(alice, f"m{i}").pk for i in range(5)]
    client = client_for(alice)
    html = client.get("/notifications/").content.decode()
    assert row_ids(html) == [ids[4], ids[3]]
    assert f'href="?before={ids[3]}"' in html
    html = client.get(f"/notifications/?before={ids[3]}").content.decode()
    assert row_ids(html) == [ids[2], ids[1]]
    html = client.get(f"/notifications/?before={ids[1]}").content.decode()
    assert row_ids(html) == [ids[0]]
    assert "before=" not in html.split('class="inbox-pages"')[1].split("</nav>")[0].replace(
        'href="/notifications/"', ""
    )
    assert client.get("/notifications/?before=abc").status_code == 400
    assert client.get("/notifications/?before=-1").status_code == 400


def test_unread_filter(alice, client_for):
    a = services.notify(alice, "a")
    b = services.notify(alice, "b")
    services.mark_read(user=alice, ids=[a.pk])
    html = client_for(alice).get("/notifications/?unread=1").content.decode()
    assert row_ids(html) == [b.pk]


def test_forms_are_csrf_protected(alice, client_for):
    message = services.notify(alice, "x")
    client = client_for(alice, enforce_csrf_checks=True)
    assert client.post(f"/notifications/{message.pk}/read/").status_code == 403
    assert client.post("/notifications/read-all/").status_code == 403
    assert Message.objects.get().read_at is None
    html = client.get("/notifications/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    response = client.post(
        f"/notifications/{message.pk}/read/",
        {"csrfmiddlewaretoken": token, "next": "/notifications/?before=99"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/notifications/?before=99"
    assert Message.objects.get().read_at is not None


def test_without_javascript_actions_redirect_back_and_with_it_answer_json(alice, client_for):
    message = services.notify(alice, "x")
    client = client_for(alice)
    response = client.post(f"/notifications/{message.pk}/read/", {"next": "/notifications/"})
    assert response.status_code == 302
    response = client.post(
        f"/notifications/{message.pk}/unread/",
        {"next": "/notifications/"},
        headers={"Accept": "application/json"},
    )
    assert response.json() == {"ids": [message.pk], "unread_count": 1}
    response = client.post("/notifications/read-all/", {"next": "/notifications/"})
    assert response.status_code == 302
    assert Message.objects.unread().count() == 0


def test_next_must_stay_on_this_site(alice, client_for):
    services.notify(alice, "x")
    response = client_for(alice).post("/notifications/read-all/", {"next": "https://evil.test/"})
    assert response["Location"] == "/notifications/"


def test_other_users_ids_are_404_and_change_nothing(alice, bob, client_for):
    theirs = services.notify(bob, "theirs")
    client = client_for(alice)
    for action in ("read", "unread"):
        response = client.post(f"/notifications/{theirs.pk}/{action}/")
        assert response.status_code == 404
        assert response.json() == {"error": "not_found"}
    assert client.post("/notifications/999999/read/").json() == {"error": "not_found"}
    # Past what an id column holds: still unknown, never a server error.
    for action in ("read", "unread"):
        response = client.post(f"/notifications/{2**63}/{action}/")
        assert (response.status_code, response.json()) == (404, {"error": "not_found"})
    assert Message.objects.get().read_at is None


def test_mark_unread_pushes_the_message_again(
    alice, client_for, django_capture_on_commit_callbacks
):
    message = services.notify(alice, "x")
    services.mark_read(user=alice, ids=[message.pk])
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for(alice).post(f"/notifications/{message.pk}/unread/")
    assert response.json() == {"ids": [message.pk], "unread_count": 1}
    assert len(callbacks) == 1


def test_every_page_has_the_inbox_link_and_badge(alice, client_for):
    services.notify(alice, "x")
    html = client_for(alice).get("/").content.decode()
    assert 'href="/notifications/"' in html
    assert 'id="unread-badge" class="badge" data-count="1">1<' in html
    assert "<title>(1) Audio</title>" in html


def test_toasts_render_newest_first_and_past_the_limit_hidden(alice, client_for, settings):
    settings.NOTIFICATIONS_TOAST_LIMIT = 2
    settings.NOTIFICATIONS_TOAST_HIDE_SECONDS = 3.5
    ids = [services.notify(alice, f"m{i}").pk for i in range(4)]
    html = client_for(alice).get("/").content.decode()
    toasts = re.findall(r'<div class="toast toast-info" data-id="(\d+)"[^>]*?( hidden)?>', html)
    assert toasts == [
        (str(ids[3]), ""),
        (str(ids[2]), ""),
        (str(ids[1]), " hidden"),
        (str(ids[0]), " hidden"),
    ]
    assert '+<span class="toast-more-count">2</span> more' in html
    assert 'data-toast-limit="2"' in html and 'data-hide-after="3.5"' in html


def test_the_ack_limit_reaches_the_client_from_the_setting(alice, client_for, settings):
    """client.js batches acks and seen ids by data-max-ack-ids, never a copied 500."""
    settings.NOTIFICATIONS_MAX_ACK_IDS = 40
    html = client_for(alice).get("/").content.decode()
    assert 'data-max-ack-ids="40"' in html
