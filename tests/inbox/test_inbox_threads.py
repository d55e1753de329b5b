"""The inbox's threads (inbox/inbox_threads.py and the views): one row per group,
"N updates", unread while any member is, actions on the whole thread, Mute and Unmute."""

import pytest
from django.test import Client

from inbox import inbox_threads
from notifications import follows, selectors, services
from notifications.models import Message
from tests.inbox.pages import row_ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_client(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


def thread(user, key: str, n: int) -> list[Message]:
    return [services.notify(user, f"{key} update {i}", group=key) for i in range(1, n + 1)]


def test_one_row_per_thread_with_the_newest_text_and_the_count(alice, bob, alice_client):
    first, second, newest = thread(alice, "upload:42", 3)
    plain = services.notify(alice, "no thread")
    thread(bob, "upload:42", 2)  # bob's messages of the same key are not alice's thread
    services.mark_read(user=alice, ids=[newest.pk])  # an older member unread: the row is
    html = alice_client.get("/notifications/").content.decode()
    assert row_ids(html) == [plain.pk, newest.pk]
    row = html[html.index(f'data-id="{newest.pk}"') :]
    assert 'data-state="unseen"' in row[:200]
    assert f'data-members="{newest.pk} {second.pk} {first.pk}"' in row
    assert "<summary>3 updates</summary>" in row
    assert "upload:42 update 3" in row and "upload:42 update 1" in row
    assert ">Mute</button>" in row
    assert html.count("<summary>") == 1


def test_a_thread_read_everywhere_is_a_read_row(alice, alice_client):
    messages = thread(alice, "g", 2)
    services.mark_read(user=alice, ids=[m.pk for m in messages])
    html = alice_client.get("/notifications/").content.decode()
    assert f'data-id="{messages[-1].pk}" data-level="info"\n    data-state="read"' in html
    assert f'action="/notifications/{messages[-1].pk}/unread/"' in html


def test_keyset_pages_never_show_a_thread_twice(alice):
    older = thread(alice, "g", 3)
    plain = [services.notify(alice, f"plain {i}") for i in range(3)]
    newest = services.notify(alice, "g update 4", group="g")
    first = selectors.inbox_page(user_id=alice.pk, limit=2, threads=True)
    assert [m.pk for m in first.messages] == [newest.pk, plain[2].pk]
    second = selectors.inbox_page(user_id=alice.pk, before=first.next_before, limit=2, threads=True)
    assert [m.pk for m in second.messages] == [plain[1].pk, plain[0].pk]
    assert second.next_before is None
    # Without threads (the API's list), every message, as before.
    flat = selectors.inbox_page(user_id=alice.pk, limit=10)
    assert len(flat.messages) == len(older) + len(plain) + 1


def test_the_views_count_their_own_members(alice):
    _, b, c = thread(alice, "g", 3)
    services.archive(user=alice, ids=[c.pk])
    inbox = selectors.inbox_page(user_id=alice.pk, threads=True).messages
    assert [m.pk for m in inbox] == [b.pk]
    assert inbox_threads.summaries(user_id=alice.pk, rows=inbox)[b.pk].count == 2
    archived = selectors.inbox_page(user_id=alice.pk, archived=True, threads=True).messages
    assert [m.pk for m in archived] == [c.pk]
    assert inbox_threads.summaries(user_id=alice.pk, rows=archived, archived=True)[c.pk].count == 1


def test_mark_read_on_a_thread_row_reads_the_whole_thread(alice, alice_client):
    messages = thread(alice, "g", 3)
    other = services.notify(alice, "other")
    response = alice_client.post(
        f"/notifications/{messages[-1].pk}/read/", HTTP_ACCEPT="application/json"
    )
    assert response.json() == {"ids": [m.pk for m in messages], "unread_count": 1}
    assert Message.objects.unread().get() == other


@pytest.mark.parametrize("action", ["archive", "delete", "read"])
def test_bulk_actions_on_a_thread_row_act_on_every_member(alice, bob, alice_client, action):
    messages = thread(alice, "g", 3)
    bobs = thread(bob, "g", 1)
    response = alice_client.post(
        "/notifications/bulk/",
        {"action": action, "ids": [messages[-1].pk, bobs[0].pk]},
        HTTP_ACCEPT="application/json",
    )
    assert response.json()["ids"] == [m.pk for m in messages]
    assert Message.objects.filter(recipient=bob).unread().count() == 1  # bob's untouched


def test_expand_stays_within_the_user_and_ignores_junk_ids(alice, bob):
    mine = thread(alice, "g", 2)
    theirs = thread(bob, "g", 1)
    assert inbox_threads.expand(user_id=alice.pk, ids=[mine[0].pk, 2**70]) == sorted(
        [mine[0].pk, mine[1].pk, 2**70]
    )
    assert inbox_threads.expand(user_id=alice.pk, ids=[theirs[0].pk]) == [theirs[0].pk]


def test_mute_and_unmute_from_the_row_without_javascript(alice, alice_client):
    messages = thread(alice, "upload:42", 2)
    response = alice_client.post(
        "/notifications/threads/mute/", {"group": "upload:42", "next": "/notifications/"}
    )
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert follows.is_muted(user_id=alice.pk, key="upload:42")
    html = alice_client.get("/notifications/").content.decode()
    row = html[html.index(f'data-id="{messages[-1].pk}"') :]
    assert ">Unmute</button>" in row and "Muted</span>" in row and " data-muted" in row[:400]
    response = alice_client.post(
        "/notifications/threads/unmute/", {"group": "upload:42"}, HTTP_ACCEPT="application/json"
    )
    assert response.json() == {"group": "upload:42", "muted": False}
    assert not follows.is_muted(user_id=alice.pk, key="upload:42")


def test_mute_refuses_a_bad_key_and_needs_login_and_post(alice_client):
    response = alice_client.post("/notifications/threads/mute/", {"group": "bad key"})
    assert response.status_code == 400 and response.json()["error"] == "invalid_body"
    assert alice_client.get("/notifications/threads/mute/").status_code == 405
    assert Client().post("/notifications/threads/mute/", {"group": "g"}).status_code == 302


def test_mute_needs_csrf(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post("/notifications/threads/mute/", {"group": "g"}).status_code == 403
    assert not follows.is_muted(user_id=alice.pk, key="g")
