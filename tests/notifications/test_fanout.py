"""Notify many users at once: the service, the notify API's forms and the admin action.

One message per recipient, written in chunked inserts, and each recipient's frame pushed
after commit (the timing is measured in bench/fanout.py, not here)."""

import json

import pytest
from django.contrib.auth.models import Group
from django.test import Client

import live
from notifications import bulk, selectors, services
from notifications.models import Message

SERVICE = "s3rvice-token-for-tests"


@pytest.fixture
def pushed(monkeypatch) -> list[tuple[int, dict]]:
    frames: list[tuple[int, dict]] = []
    frames_calls = []

    async def record(pushes):
        frames_calls.append(len(pushes))
        frames.extend((user, json.loads(live.encode(frame))) for user, frame in pushes)
        return True

    monkeypatch.setattr(live, "send_many", record)
    monkeypatch.setattr(live, "calls", frames_calls, raising=False)
    return frames


@pytest.mark.django_db
def test_a_fan_out_stores_one_message_per_recipient_and_pushes_to_each(
    make_user, pushed, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(bulk, "FANOUT_CHUNK", 3)  # several chunks with a handful of users
    # Pushed in slices, each with the push timeout to itself.
    monkeypatch.setattr(live, "FANOUT_SLICE", 2)
    users = [make_user() for _ in range(7)]
    services.notify(users[0], "already unread")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = services.notify_users(
            user_ids=[u.pk for u in users] * 2, text="Maintenance at 22:00", level="warning"
        )
    assert result == bulk.FanOut(recipients=7, created=7)
    assert pushed == []  # nothing before commit
    for callback in callbacks:
        callback()
    stored = Message.objects.filter(text="Maintenance at 22:00")
    assert sorted(stored.values_list("recipient_id", flat=True)) == sorted(u.pk for u in users)
    by_user = {user: frame for user, frame in pushed}
    assert sorted(by_user) == sorted(u.pk for u in users) and len(pushed) == 7
    assert live.calls == [2, 2, 2, 1]
    for message in stored:
        frame = by_user[message.recipient_id]
        assert frame["type"] == "notification" and frame["message"]["id"] == message.pk
        assert frame["message"]["level"] == "warning"
        assert frame["unread_count"] == (2 if message.recipient_id == users[0].pk else 1)


@pytest.mark.django_db
def test_a_fan_out_with_a_source_id_is_stored_once_per_recipient(make_user, pushed):
    first, second = make_user(), make_user()
    services.notify_users(user_ids=[first.pk], text="x", source_id="maint-1")
    again = services.notify_users(user_ids=[first.pk, second.pk], text="x", source_id="maint-1")
    assert again == bulk.FanOut(recipients=2, created=1)
    assert Message.objects.filter(source_id="maint-1").count() == 2


@pytest.mark.django_db
def test_a_fan_out_refuses_a_bad_notification_and_stores_nothing(alice):
    with pytest.raises(services.InvalidNotification):
        services.notify_users(user_ids=[alice.pk], text="x", link="javascript:alert(1)")
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_recipients_by_names_all_or_group(make_user):
    a, b, c = make_user("a"), make_user("b"), make_user("c")
    make_user("gone", is_active=False)
    staff = Group.objects.create(name="staff")
    a.groups.add(staff)
    c.groups.add(staff)
    assert selectors.recipient_ids(usernames=["b", "a"]) == [a.pk, b.pk]
    assert len(selectors.recipient_ids(all_active=True)) == 3
    assert selectors.recipient_ids(group="staff") == [a.pk, c.pk]
    for kwargs in ({"usernames": ["a", "gone"]}, {"usernames": ["nobody"]}, {"group": "none"}):
        with pytest.raises(selectors.UnknownRecipients):
            selectors.recipient_ids(**kwargs)


# --- POST /api/notify/ ----------------------------------------------------------------
def notify_api(body):
    return Client().post(
        "/api/notify/",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {SERVICE}"},
    )


@pytest.mark.django_db(transaction=True)
def test_the_notify_api_fans_out_to_users_all_and_a_group(make_user, settings, pushed):
    settings.NOTIFY_SERVICE_TOKEN = SERVICE
    b, c = make_user("b"), make_user("c")
    make_user("a")
    Group.objects.create(name="ops").user_set.add(b, c)
    response = notify_api({"users": ["a", "b"], "text": "to two"})
    assert response.status_code == 201 and response.json() == {"recipients": 2, "created": 2}
    assert notify_api({"all": True, "text": "to all"}).json() == {"recipients": 3, "created": 3}
    assert notify_api({"group": "ops", "text": "to ops"}).json() == {"recipients": 2, "created": 2}
    assert sorted(Message.objects.filter(text="to ops").values_list("recipient", flat=True)) == [
        b.pk,
        c.pk,
    ]
    assert len(pushed) == 7
    assert notify_api({"user": "a", "text": "one"}).status_code == 201  # the single form stays


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"users": ["a", "nobody"], "text": "x"}, 404, "unknown_user"),
        ({"group": "nope", "text": "x"}, 404, "unknown_group"),
        ({"users": [], "text": "x"}, 400, "invalid_body"),
        ({"users": "a", "text": "x"}, 400, "invalid_body"),
        ({"users": [1], "text": "x"}, 400, "invalid_body"),
        ({"all": 1, "text": "x"}, 400, "invalid_body"),
        ({"group": "", "text": "x"}, 400, "invalid_body"),
        ({"user": "a", "all": True, "text": "x"}, 400, "invalid_body"),
        ({"text": "x"}, 400, "invalid_body"),
        ({"all": True, "text": "x", "level": "loud"}, 400, "invalid_notification"),
    ],
)
def test_the_notify_api_refuses_bad_fan_outs_and_stores_nothing(
    make_user, settings, pushed, body, status, code
):
    settings.NOTIFY_SERVICE_TOKEN = SERVICE
    make_user("a")
    response = notify_api(body)
    assert (response.status_code, response.json()["error"]) == (status, code)
    assert not Message.objects.exists() and pushed == []


# --- the admin action -----------------------------------------------------------------
@pytest.mark.django_db
def test_the_admin_action_sends_to_the_selected_active_users(
    make_user, pushed, django_capture_on_commit_callbacks
):
    admin_user = make_user("root", is_staff=True, is_superuser=True)
    picked, other = make_user("picked"), make_user("other")
    idle = make_user("idle", is_active=False)
    client = Client()
    client.force_login(admin_user)
    selected = {"action": "send_notification", "_selected_action": [picked.pk, idle.pk]}
    form = client.post("/admin/auth/user/", selected)
    assert form.status_code == 200 and b"Send a notification" in form.content
    assert not Message.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            "/admin/auth/user/",
            {**selected, "send": "Send", "text": "Hello", "level": "info", "link": ""},
        )
    assert done.status_code == 302
    assert list(Message.objects.values_list("recipient", "text")) == [(picked.pk, "Hello")]
    assert [user for user, _ in pushed] == [picked.pk]
    assert other.notifications.count() == 0
    bad = client.post(
        "/admin/auth/user/",
        {**selected, "send": "Send", "text": "x", "level": "info", "link": "javascript:x"},
    )
    assert bad.status_code == 200 and Message.objects.count() == 1
