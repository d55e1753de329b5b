"""Archive, unarchive and delete: services (own rows only, pushes after commit), the API
and the inbox's bulk form. The socket frames are in tests/consumers/test_archive_socket.py."""

import json

import pytest
from django.test import Client

from accounts.services import create_token
from notifications import selectors, services
from notifications.models import Message

pytestmark = pytest.mark.django_db


def test_archive_hides_keeps_uncounts_and_tells_every_tab(
    alice, pushed, django_capture_on_commit_callbacks
):
    a, b, c = (services.notify(alice, t) for t in "abc")
    pushed.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.archive(user=alice, ids=[c.pk, a.pk, a.pk]) == [a.pk, c.pk]
    assert pushed == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert pushed == [(alice.pk, {"type": "archived", "ids": [a.pk, c.pk], "unread_count": 1})]
    assert Message.objects.count() == 3  # kept
    page = selectors.inbox_page(user_id=alice.pk)
    assert [m.pk for m in page.messages] == [b.pk]
    archived = selectors.inbox_page(user_id=alice.pk, archived=True)
    assert [m.pk for m in archived.messages] == [c.pk, a.pk]
    assert [m["id"] for m in selectors.sync_frame(user_id=alice.pk)["unread"]] == [b.pk]


def test_unarchive_brings_unread_ones_back_as_quiet_notifications(
    alice, pushed, django_capture_on_commit_callbacks
):
    unread = services.notify(alice, "unread")
    read = services.notify(alice, "read")
    services.mark_read(user=alice, ids=[read.pk])
    services.archive(user=alice, ids=[unread.pk, read.pk])
    pushed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.unarchive(user=alice, ids=[read.pk, unread.pk]) == [unread.pk, read.pk]
    assert [(f["type"], f.get("message", {}).get("id"), f.get("toast")) for _, f in pushed] == [
        ("notification", unread.pk, False),
        ("unarchived", None, None),
    ]
    assert pushed[1][1] == {"type": "unarchived", "ids": [unread.pk, read.pk], "unread_count": 1}
    assert selectors.unread_count(user_id=alice.pk) == 1


def test_delete_removes_own_rows_and_tells_every_tab(
    alice, pushed, django_capture_on_commit_callbacks
):
    a, b = services.notify(alice, "a"), services.notify(alice, "b")
    pushed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.delete(user=alice, ids=[a.pk]) == [a.pk]
        assert services.delete(user=alice, ids=[a.pk]) == []  # gone: nothing, no push
    assert pushed == [(alice.pk, {"type": "deleted", "ids": [a.pk], "unread_count": 1})]
    assert list(Message.objects.values_list("id", flat=True)) == [b.pk]


@pytest.mark.parametrize("service", [services.archive, services.unarchive, services.delete])
def test_foreign_and_unknown_ids_are_silent_no_ops(
    alice, bob, pushed, service, django_capture_on_commit_callbacks
):
    theirs = services.notify(bob, "theirs")
    services.archive(user=bob, ids=[theirs.pk]) if service is services.unarchive else None
    before = Message.objects.values_list("id", "archived_at").get()
    pushed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert service(user=alice, ids=[theirs.pk, 999_999, True, 2**64]) == []
    assert pushed == []
    assert Message.objects.values_list("id", "archived_at").get() == before


def test_collapse_and_mark_unread_bring_an_archived_message_back(alice):
    job = services.notify(alice, "started", collapse_key="job-1")
    services.archive(user=alice, ids=[job.pk])
    services.notify(alice, "finished", collapse_key="job-1")
    job.refresh_from_db()
    assert job.archived_at is None and job.read_at is None
    assert selectors.unread_count(user_id=alice.pk) == 1
    services.mark_read(user=alice, ids=[job.pk])
    services.archive(user=alice, ids=[job.pk])
    assert services.mark_unread(user=alice, ids=[job.pk]) == [job.pk]
    job.refresh_from_db()
    assert job.archived_at is None and selectors.unread_count(user_id=alice.pk) == 1


# --- the API --------------------------------------------------------------------------
def post_json(client: Client, path: str, body, **kwargs):
    return client.post(path, json.dumps(body), content_type="application/json", **kwargs)


def test_api_archive_unarchive_delete_and_the_archived_list(alice, bob):
    token = create_token(user=alice, name="script")[1]
    auth = {"Authorization": f"Bearer {token}"}
    client = Client()
    mine = services.notify(alice, "mine")
    other = services.notify(alice, "other")
    theirs = services.notify(bob, "theirs")
    answer = post_json(
        client, "/api/notifications/archive/", {"ids": [mine.pk, theirs.pk]}, headers=auth
    )
    assert answer.status_code == 200
    assert answer.json() == {"ids": [mine.pk], "unread_count": 1}
    listed = client.get("/api/notifications/", headers=auth).json()
    assert [m["id"] for m in listed["results"]] == [other.pk]
    archived = client.get("/api/notifications/?archived=1", headers=auth).json()
    assert [m["id"] for m in archived["results"]] == [mine.pk]
    assert archived["results"][0]["archived_at"] is not None
    answer = post_json(client, "/api/notifications/unarchive/", {"ids": [mine.pk]}, headers=auth)
    assert answer.json() == {"ids": [mine.pk], "unread_count": 2}
    answer = post_json(
        client, "/api/notifications/delete/", {"ids": [mine.pk, theirs.pk]}, headers=auth
    )
    assert answer.json() == {"ids": [mine.pk], "unread_count": 1}
    assert Message.objects.filter(pk=theirs.pk).exists()
    for body in ({}, {"ids": "1"}, {"ids": []}, [1]):
        bad = post_json(client, "/api/notifications/delete/", body, headers=auth)
        assert bad.status_code == 400 and bad.json()["error"] == "invalid_body"


def test_api_archive_needs_csrf_with_a_session(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    message = services.notify(alice, "x")
    response = post_json(client, "/api/notifications/archive/", {"ids": [message.pk]})
    assert response.status_code == 403
    assert Message.objects.get().archived_at is None


# --- the inbox's bulk form ------------------------------------------------------------
def inbox_list(client: Client, path: str) -> str:
    """The page's list of rows alone (the toast stack is on the page too)."""
    page = client.get(path).content.decode()
    start = page.index('<ol id="inbox"')
    return page[start : page.index("</ol>", start)]


def test_inbox_bulk_form_works_without_javascript(alice, bob):
    client = Client()
    client.force_login(alice)
    a, b, c = (services.notify(alice, t) for t in ("alpha", "bravo", "charlie"))
    theirs = services.notify(bob, "bob's")
    page = client.get("/notifications/").content.decode()
    assert page.count('form="inbox-bulk"') == 3 and 'value="archive"' in page
    response = client.post(
        "/notifications/bulk/",
        {"action": "archive", "ids": [a.pk, b.pk, theirs.pk], "next": "/notifications/"},
    )
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    inbox = inbox_list(client, "/notifications/")
    assert "charlie" in inbox and "alpha" not in inbox and "bravo" not in inbox
    archived = inbox_list(client, "/notifications/?archived=1")
    assert "alpha" in archived and "bravo" in archived and "charlie" not in archived
    assert 'value="unarchive"' in client.get("/notifications/?archived=1").content.decode()
    client.post("/notifications/bulk/", {"action": "delete", "ids": [a.pk], "next": "/"})
    client.post("/notifications/bulk/", {"action": "read", "ids": [c.pk], "next": "/"})
    assert set(Message.objects.values_list("id", flat=True)) == {b.pk, c.pk, theirs.pk}
    assert Message.objects.get(pk=c.pk).read_at is not None
    assert Message.objects.get(pk=theirs.pk).archived_at is None


def test_inbox_bulk_answers_json_and_refuses_bad_input(alice):
    client = Client()
    client.force_login(alice)
    a = services.notify(alice, "a")
    json_accept = {"Accept": "application/json"}
    ok = client.post(
        "/notifications/bulk/", {"action": "archive", "ids": [a.pk]}, headers=json_accept
    )
    assert ok.json() == {"ids": [a.pk], "unread_count": 0}
    for data in (
        {"action": "explode", "ids": [a.pk]},
        {"action": "delete", "ids": ["x"]},
        {"action": "delete"},
    ):
        assert client.post("/notifications/bulk/", data, headers=json_accept).status_code == 400
    assert Message.objects.filter(pk=a.pk).exists()
