"""The admin's Message form goes through the service: validated, and pushed after commit."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from notifications import services
from notifications.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user):
    make_user("admin", is_staff=True, is_superuser=True)
    client.login(username="admin", password="correct-horse-battery-staple")
    return client


@pytest.fixture
def pushed(monkeypatch) -> list[tuple[int, dict]]:
    frames: list[tuple[int, dict]] = []
    monkeypatch.setattr("live.send_now", lambda user_id, frame: frames.append((user_id, frame)))
    return frames


ADD = "/admin/notifications/message/add/"


def change_url(message: Message) -> str:
    return reverse("admin:notifications_message_change", args=[message.pk])


@pytest.mark.parametrize(
    "link",
    ["javascript:alert(1)", "/\t/evil.example", "/\n/evil.example", "//evil.example", "/x\x00"],
)
def test_adding_refuses_a_bad_link_and_stores_nothing(admin_client, alice, pushed, link):
    response = admin_client.post(
        ADD, {"recipient": alice.pk, "text": "hi", "level": "info", "link": link}
    )
    assert response.status_code == 200  # the form again, with the error
    assert "link" in response.context["adminform"].form.errors
    assert Message.objects.count() == 0 and pushed == []


def test_adding_goes_through_notify_and_is_pushed(
    admin_client, alice, pushed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            ADD, {"recipient": alice.pk, "text": " Maintenance ", "level": "warning", "link": "/x/"}
        )
    assert response.status_code == 302
    message = Message.objects.get()
    assert (message.recipient, message.text, message.level, message.link) == (
        alice,
        "Maintenance",
        "warning",
        "/x/",
    )
    [(user_id, frame)] = pushed
    assert user_id == alice.pk and frame["type"] == "notification"
    assert frame["message"]["id"] == message.pk and frame["unread_count"] == 1


def test_changing_refuses_a_bad_link_and_keeps_the_row(admin_client, alice, pushed):
    message = services.notify(alice, "hi", link="/ok/")
    response = admin_client.post(
        change_url(message), {"text": "hi", "level": "info", "link": "javascript:alert(1)"}
    )
    assert response.status_code == 200
    assert "link" in response.context["adminform"].form.errors
    message.refresh_from_db()
    assert message.link == "/ok/"


def test_changing_is_validated_saved_and_pushed(
    admin_client, alice, pushed, django_capture_on_commit_callbacks
):
    message = services.notify(alice, "old", link="/ok/")
    services.mark_read(user=alice, ids=[message.pk])
    pushed.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            change_url(message), {"text": " new ", "level": "error", "link": "/new/"}
        )
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.text, message.level, message.link) == ("new", "error", "/new/")
    # New content is news: unread again, and every tab of the user gets it now.
    assert message.read_at is None
    [(user_id, frame)] = pushed
    assert user_id == alice.pk and frame["type"] == "notification"
    assert frame["message"]["text"] == "new" and frame["unread_count"] == 1


def test_the_change_form_does_not_offer_the_bookkeeping_fields(admin_client, alice):
    message = services.notify(alice, "hi")
    content = admin_client.get(change_url(message)).content
    for field in (b'name="source_id"', b'name="read_at_0"', b'name="recipient"'):
        assert field not in content


def _form_fields(html: str) -> list[tuple[str, str]]:
    """The hidden inputs of the confirmation page, as a browser would post them back."""
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)


def test_notify_selected_users_works_for_more_than_a_thousand_users(admin_client, pushed):
    # Past ~994 users the confirmation form had one hidden input per user and its post
    # went over DATA_UPLOAD_MAX_NUMBER_FIELDS (1000): a bare 400 (issue #19).
    User = get_user_model()
    User.objects.bulk_create(User(username=f"many{i:04d}", password="!") for i in range(1100))
    first = User.objects.filter(username__startswith="many").order_by("pk").first()
    changelist = "/admin/auth/user/?username__startswith=many"
    page = admin_client.post(
        changelist,
        {
            "action": "send_notification",
            "select_across": "1",
            "index": "0",
            "_selected_action": [str(first.pk)],
        },
    )
    assert page.status_code == 200
    assert "To 1100 active users" in page.content.decode()
    assert re.search(
        r'class="breadcrumbs">.*href="/admin/auth/user/">Users</a> &rsaquo;\s*Send a notification',
        page.content.decode(),
        re.S,
    )
    fields = _form_fields(page.content.decode())
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    data.update(
        {"text": ["Maintenance tonight"], "level": ["info"], "link": [""], "send": ["Send"]}
    )
    done = admin_client.post(changelist, data, follow=True)
    assert done.status_code == 200
    assert "Notification sent to 1100 active user(s)." in done.content.decode()
    assert Message.objects.filter(text="Maintenance tonight").count() == 1100


def test_the_admin_shows_a_message_s_thread_and_actions_and_lists_follows(admin_client_threads):
    from notifications import services
    from threads import services as threads

    client, user = admin_client_threads
    message = services.notify(
        user, "Invoice 118", group="invoice:118", actions=[{"label": "Pay", "url": "/pay/"}]
    )
    threads.mute(user=user, key="invoice:118")
    page = client.get(f"/admin/notifications/message/{message.pk}/change/").content.decode()
    assert "invoice:118" in page and "/pay/" in page
    listing = client.get("/admin/notifications/follow/?q=invoice").content.decode()
    assert "invoice:118" in listing
    assert client.get("/admin/notifications/message/?q=invoice:118").status_code == 200


@pytest.fixture
def admin_client_threads(make_user):
    from django.test import Client

    admin_user = make_user("root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin_user)
    return client, admin_user
