"""Threads (a message's `group`), follow and mute: the writers (threads/services.py),
the reads (notifications/follows.py) and what mute holds back (toasts, Web Push, email)."""

import json

import pytest
from django.core.management import call_command
from django.utils import timezone

import live
from notifications import bulk, follows, frames, preferences, selectors, services
from notifications.models import Follow, Message
from notifications.validators import InvalidNotification, clean_group
from threads import services as threads

pytestmark = pytest.mark.django_db


def test_notify_stores_the_group_and_the_frame_carries_it(
    alice, pushed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.notify(alice, "Upload 42 is 50% done", group="upload:42")
    assert Message.objects.get(pk=message.pk).group == "upload:42"
    (_, frame) = pushed[-1]
    assert frame["message"]["group"] == "upload:42"
    assert "toast" not in frame  # not muted: toasts as ever


def test_a_message_without_a_group_is_the_same_object_as_before_threads(alice):
    payload = services.notify(alice, "plain").to_payload()
    assert set(payload) == {"id", "text", "level", "link", "created_at"}


@pytest.mark.parametrize("bad", ["has space", "x" * 101, "é", "tab\there", 42])
def test_bad_group_keys_are_refused_before_anything_is_stored(alice, bad):
    with pytest.raises(InvalidNotification, match="group"):
        services.notify(alice, "hello", group=bad)
    assert not Message.objects.exists()


def test_group_keys_as_producers_write_them():
    assert clean_group("upload:42") == "upload:42"
    assert clean_group("") == clean_group(None) == ""


def test_the_notify_command_takes_a_group(alice):
    call_command("notify", "alice", "Invoice 118 paid", "--group", "invoice:118")
    assert Message.objects.get().group == "invoice:118"


def test_the_batched_writer_stores_the_group(alice):
    _, pushes = bulk.notify_many(
        [
            bulk.NotifySpec(text="t", username="alice", group="g:1"),
            bulk.NotifySpec(text="u", user_id=alice.pk),
        ]
    )
    assert [m.group for m in Message.objects.order_by("id")] == ["g:1", ""]
    assert [frame["message"].get("group") for _, frame in pushes] == ["g:1", None]


def test_the_batched_writer_refuses_a_bad_group_alone(alice):
    results, _ = bulk.notify_many(
        [
            bulk.NotifySpec(text="t", username="alice", group="bad key"),
            bulk.NotifySpec(text="u", username="alice"),
        ]
    )
    assert isinstance(results[0], bulk.Refused) and results[0].code == "invalid_notification"
    assert isinstance(results[1], bulk.Stored)


def test_a_muted_thread_is_stored_listed_and_counted_but_never_toasted(
    alice, bob, pushed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        threads.mute(user=alice, key="upload:42")
    assert pushed == [(alice.pk, {"type": "muted", "group": "upload:42", "muted": True})]
    pushed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        muted = services.notify(alice, "muted", group="upload:42")
        other = services.notify(alice, "another thread", group="upload:43")
        bobs = services.notify(bob, "bob's, same key", group="upload:42")
    toasts = {frame["message"]["id"]: frame.get("toast", True) for _, frame in pushed}
    assert toasts == {muted.pk: False, other.pk: True, bobs.pk: True}
    # Counted: mute changes no count (docs/inbox.md).
    assert selectors.unread_count(user_id=alice.pk) == 2
    assert [m.pk for m in selectors.inbox_page(user_id=alice.pk).messages] == [other.pk, muted.pk]
    # A page load and a sync say the same as the live frame.
    sync = {m["id"]: m.get("toast", True) for m in selectors.sync_frame(user_id=alice.pk)["unread"]}
    assert sync == {muted.pk: False, other.pk: True}


def test_the_batched_writer_honours_mute_with_one_read_more_only_for_groups(
    alice, django_assert_num_queries
):
    threads.mute(user=alice, key="g")
    messages = [
        Message.objects.create(recipient=alice, text="a", group="g"),
        Message.objects.create(recipient=alice, text="b"),
    ]
    with django_assert_num_queries(3):  # counts, preferences, mutes
        built = frames.notification_frames(messages)
    assert [frame.get("toast", True) for _, frame in built] == [False, True]
    with django_assert_num_queries(2):  # no group: no read of mutes
        frames.notification_frames(messages[1:])


def test_unmute_toasts_again(alice, pushed, django_capture_on_commit_callbacks):
    threads.mute(user=alice, key="g")
    with django_capture_on_commit_callbacks(execute=True):
        threads.unmute(user=alice, key="g")
        message = services.notify(alice, "again", group="g")
    assert pushed[0] == (alice.pk, {"type": "muted", "group": "g", "muted": False})
    assert pushed[-1][1]["message"]["id"] == message.pk and "toast" not in pushed[-1][1]
    assert not follows.is_muted(user_id=alice.pk, key="g")


def test_web_push_and_email_skip_muted_threads_only(alice, bob):
    threads.mute(user=alice, key="g")
    for user in (alice, bob):
        Message.objects.create(recipient=user, text="in g", group="g")
        Message.objects.create(recipient=user, text="no group")
    now = timezone.now()
    every = Message.objects.all()
    pushable = preferences.webpush_held(every, now=now)
    emailable = preferences.email_held(every, now=now)
    expected = {(bob.pk, "in g"), (bob.pk, "no group"), (alice.pk, "no group")}
    assert set(pushable.values_list("recipient_id", "text")) == expected
    assert set(emailable.values_list("recipient_id", "text")) == expected


def test_followers_are_those_notified_or_who_chose_to_follow_minus_who_unfollowed(
    alice, bob, make_user
):
    carol, dave, inactive = make_user("carol"), make_user("dave"), make_user("eve", is_active=False)
    services.notify(alice, "you were notified", group="invoice:118")
    services.notify(inactive, "inactive users are left out", group="invoice:118")
    threads.follow(user=bob, key="invoice:118")  # bob created it
    services.notify(carol, "carol too", group="invoice:118")
    threads.unfollow(user=carol, key="invoice:118")
    services.notify(dave, "another key", group="invoice:119")
    assert follows.follower_ids(key="invoice:118") == [alice.pk, bob.pk]
    assert follows.follow_state(user_id=carol.pk, key="invoice:118") == {
        "key": "invoice:118",
        "following": False,
        "muted": False,
    }
    assert follows.follow_state(user_id=alice.pk, key="invoice:118")["following"] is True
    threads.follow(user=carol, key="invoice:118")
    assert follows.follower_ids(key="invoice:118") == [alice.pk, bob.pk, carol.pk]


def test_notify_followers_notifies_each_follower_once_in_the_thread(
    alice, bob, pushed, monkeypatch, django_capture_on_commit_callbacks
):
    async def record(pushes):  # a fan-out sends in slices (live.send_many)
        pushed.extend((user, json.loads(live.encode(frame))) for user, frame in pushes)
        return True

    monkeypatch.setattr(live, "send_many", record)
    services.notify(alice, "first", group="invoice:118")
    threads.follow(user=bob, key="invoice:118")
    threads.mute(user=bob, key="invoice:118")
    pushed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = threads.notify_followers(
            key="invoice:118", text="Invoice 118 paid", source_id="paid-118"
        )
        again = threads.notify_followers(
            key="invoice:118", text="Invoice 118 paid", source_id="paid-118"
        )
    assert (result.recipients, result.created) == (2, 2)
    assert (again.recipients, again.created) == (2, 0)  # a repeat of the source id
    assert Message.objects.filter(group="invoice:118", text="Invoice 118 paid").count() == 2
    toasts = {user: frame.get("toast", True) for user, frame in pushed}
    assert toasts == {alice.pk: True, bob.pk: False}  # bob muted it: stored, not toasted


def test_notify_followers_leaves_out_who_caused_it(alice, bob):
    for user in (alice, bob):
        threads.follow(user=user, key="doc:1")
    result = threads.notify_followers(key="doc:1", text="Alice edited doc 1", exclude=alice.pk)
    assert result.recipients == 1
    assert list(Message.objects.values_list("recipient_id", flat=True)) == [bob.pk]


def test_thread_writes_need_a_key(alice):
    for write in (threads.mute, threads.follow, threads.unfollow):
        with pytest.raises(InvalidNotification):
            write(user=alice, key="")
    with pytest.raises(InvalidNotification):
        threads.notify_followers(key="bad key", text="x")
    assert not Follow.objects.exists()
