"""The home page's test notification, with and without JavaScript."""

import pytest

from notifications.models import Message

pytestmark = pytest.mark.django_db


def test_without_javascript_the_form_post_returns_home_showing_the_toast(client, alice):
    client.force_login(alice)
    response = client.post("/notifications/test/", follow=True)
    assert response.redirect_chain == [("/", 303)]
    message = Message.objects.get(recipient=alice)
    assert f'data-id="{message.pk}"' in response.content.decode()


def test_a_script_gets_the_id_as_json(client, alice):
    client.force_login(alice)
    response = client.post("/notifications/test/", headers={"Accept": "application/json"})
    assert response.status_code == 201
    assert response.json() == {"id": Message.objects.get(recipient=alice).pk}


def test_the_home_page_has_no_inline_script(client, alice):
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert "<script>" not in html and "<script " in html


def test_test_notifications_are_limited_per_user(client, alice, bob, settings):
    # 460 in 10 s from one user went through (issue #19): a write and a push each.
    settings.NOTIFICATIONS_TEST_LIMIT = 3
    client.force_login(alice)
    json_accept = {"Accept": "application/json"}
    for _ in range(3):
        assert client.post("/notifications/test/", headers=json_accept).status_code == 201
    refused = client.post("/notifications/test/", headers=json_accept)
    assert refused.status_code == 429
    assert refused.json()["error"] == "too_many_requests"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert client.post("/notifications/test/").status_code == 429  # the form post too
    # One message, updated in place by each accepted click (its collapse key).
    assert Message.objects.filter(recipient=alice).count() == 1
    client.force_login(bob)  # another user has a count of their own
    assert client.post("/notifications/test/", headers=json_accept).status_code == 201


def test_clicked_again_it_updates_one_success_message_without_a_server_clock(client, alice):
    client.force_login(alice)
    for _ in range(3):
        client.post("/notifications/test/", headers={"Accept": "application/json"})
    message = Message.objects.get(recipient=alice)  # one, updated in place
    assert message.level == "success"
    assert ":" not in message.text.split("Test notification:")[1]
