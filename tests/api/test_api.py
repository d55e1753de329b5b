"""The JSON API: session + CSRF or bearer token, JSON errors, nothing revealed."""

import json

import pytest
from django.test import Client

import live
from accounts.services import create_token
from notifications import services
from notifications.models import Message

pytestmark = pytest.mark.django_db


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def alice_token(alice) -> str:
    return create_token(user=alice, name="script")[1]


def post_json(client: Client, path: str, body, **kwargs):
    return client.post(path, json.dumps(body), content_type="application/json", **kwargs)


def test_create_token_returns_a_raw_token(alice_token):
    assert isinstance(alice_token, str) and len(alice_token) > 20


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/notifications/"),
        ("get", "/api/notifications/unread-count/"),
        ("get", "/api/notifications/1/"),
        ("post", "/api/notifications/read/"),
        ("post", "/api/notifications/read-all/"),
        ("post", "/api/notifications/1/read/"),
        ("post", "/api/notifications/1/unread/"),
    ],
)
def test_no_credentials_is_401_json(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "unauthenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer ", "Basic abc", "Token x"])
def test_bad_bearer_is_401_even_with_a_session(alice, header):
    client = Client()
    client.force_login(alice)
    response = client.get("/api/notifications/", headers={"Authorization": header})
    assert response.status_code == 401


def test_bearer_lists_own_messages_newest_first(alice, bob, alice_token, client):
    ids = [services.notify(alice, f"m{i}", link="/x/").pk for i in range(3)]
    services.notify(bob, "bob only")
    services.mark_read(user=alice, ids=[ids[0]])
    body = client.get("/api/notifications/", headers=bearer(alice_token)).json()
    assert [r["id"] for r in body["results"]] == ids[::-1]
    assert body["unread_count"] == 2 and body["next_before"] is None
    first = body["results"][0]
    assert set(first) == {
        "id",
        "text",
        "level",
        "link",
        "created_at",
        "read_at",
        "seen_at",
        "archived_at",
        "snoozed_until",
    }
    assert first["read_at"] is None and body["results"][2]["read_at"] is not None


def test_list_pages_and_filters(alice, alice_token, client):
    ids = [services.notify(alice, f"m{i}").pk for i in range(5)]
    services.mark_read(user=alice, ids=[ids[3]])
    got, before = [], ""
    while True:
        body = client.get(
            f"/api/notifications/?unread=1&limit=2&before={before}", headers=bearer(alice_token)
        ).json()
        got += [r["id"] for r in body["results"]]
        if body["next_before"] is None:
            break
        before = body["next_before"]
    assert got == [ids[4], ids[2], ids[1], ids[0]]


def test_a_page_size_setting_over_the_cap_is_capped(alice, alice_token, client, settings):
    settings.NOTIFICATIONS_PAGE_SIZE = 500
    Message.objects.bulk_create([Message(recipient=alice, text=f"m{i}") for i in range(101)])
    body = client.get("/api/notifications/", headers=bearer(alice_token)).json()
    assert len(body["results"]) == 100 and body["next_before"] is not None


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=x", "before=x", "before=0"])
def test_bad_query_is_400(alice_token, client, query):
    response = client.get(f"/api/notifications/?{query}", headers=bearer(alice_token))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_query"


def test_session_reads_without_csrf_but_writes_need_it(alice):
    message = services.notify(alice, "x")
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.get("/api/notifications/unread-count/").json() == {"unread_count": 1}
    response = post_json(client, "/api/notifications/read/", {"ids": [message.pk]})
    assert response.status_code == 403
    assert response.json()["error"] == "csrf_failed"
    assert Message.objects.get().read_at is None
    client.get("/notifications/")  # sets the CSRF cookie, as any page does
    token = client.cookies["csrftoken"].value
    response = post_json(
        client, "/api/notifications/read/", {"ids": [message.pk]}, headers={"X-CSRFToken": token}
    )
    assert response.json() == {"ids": [message.pk], "unread_count": 0}


def test_bearer_writes_need_no_csrf(alice, alice_token):
    message = services.notify(alice, "x")
    client = Client(enforce_csrf_checks=True)
    response = post_json(
        client, "/api/notifications/read/", {"ids": [message.pk]}, headers=bearer(alice_token)
    )
    assert response.status_code == 200
    assert Message.objects.get().read_at is not None


def test_mark_read_skips_foreign_ids_silently(alice, bob, alice_token, client):
    mine = services.notify(alice, "mine")
    theirs = services.notify(bob, "theirs")
    response = post_json(
        client,
        "/api/notifications/read/",
        {"ids": [mine.pk, theirs.pk, 999_999]},
        headers=bearer(alice_token),
    )
    assert response.json() == {"ids": [mine.pk], "unread_count": 0}
    assert Message.objects.get(pk=theirs.pk).read_at is None


@pytest.mark.parametrize(
    "body",
    [{}, {"ids": []}, {"ids": "1"}, {"ids": [True]}, {"ids": [1.5]}, {"ids": [2**64]}, [1], "x"],
)
def test_mark_read_bad_body_is_400(alice_token, client, body):
    response = post_json(client, "/api/notifications/read/", body, headers=bearer(alice_token))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_body"


def test_not_json_is_400(alice_token, client):
    response = client.post(
        "/api/notifications/read/",
        "{nope",
        content_type="application/json",
        headers=bearer(alice_token),
    )
    assert response.status_code == 400


def test_single_item_endpoints_404_for_other_users_ids(alice, bob, alice_token, client):
    theirs = services.notify(bob, "theirs")
    services.mark_all_read(user=bob)
    unknown = {"error": "not_found"}
    for path in (
        f"/api/notifications/{theirs.pk}/",
        "/api/notifications/999999/",
        f"/api/notifications/{2**63}/",
    ):
        response = client.get(path, headers=bearer(alice_token))
        assert (response.status_code, response.json()) == (404, unknown)
    for action in ("read", "unread"):
        for message_id in (theirs.pk, 999_999, 2**63):
            response = client.post(
                f"/api/notifications/{message_id}/{action}/", headers=bearer(alice_token)
            )
            assert (response.status_code, response.json()) == (404, unknown)
    assert Message.objects.get().read_at is not None  # bob's row untouched


def test_single_item_read_unread_and_detail(alice, alice_token, client):
    message = services.notify(alice, "x")
    headers = bearer(alice_token)
    path = f"/api/notifications/{message.pk}/"
    assert client.post(path + "read/", headers=headers).json() == {
        "ids": [message.pk],
        "unread_count": 0,
    }
    assert client.post(path + "read/", headers=headers).json()["ids"] == []  # already read
    assert client.get(path, headers=headers).json()["read_at"] is not None
    assert client.post(path + "unread/", headers=headers).json() == {
        "ids": [message.pk],
        "unread_count": 1,
    }


def test_mark_all_read_pushes_read_to_the_users_sockets(
    alice, alice_token, client, django_capture_on_commit_callbacks, monkeypatch
):

    sent = []
    monkeypatch.setattr(live, "send_now", lambda user_id, frame: sent.append(frame))
    ids = [services.notify(alice, f"m{i}").pk for i in range(2)]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/notifications/read-all/", headers=bearer(alice_token))
    assert response.json() == {"ids": ids, "unread_count": 0}
    assert sent[-1] == {"type": "read", "ids": ids, "unread_count": 0}


def test_wrong_method_is_405_json(alice_token, client):
    response = client.post("/api/notifications/", headers=bearer(alice_token))
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert client.get("/api/notifications/read/", headers=bearer(alice_token)).status_code == 405


# --- POST /api/notify/ ----------------------------------------------------------------
SERVICE = "s3rvice-token-for-tests"


@pytest.fixture
def service_token(settings) -> str:
    settings.NOTIFY_SERVICE_TOKEN = SERVICE
    return SERVICE


def test_notify_is_disabled_without_a_configured_token(alice, client, settings):
    settings.NOTIFY_SERVICE_TOKEN = ""
    response = post_json(
        client, "/api/notify/", {"user": "alice", "text": "hi"}, headers=bearer("")
    )
    assert response.status_code == 404
    assert Message.objects.count() == 0


def test_notify_needs_the_service_token(alice, alice_token, service_token):
    client = Client(enforce_csrf_checks=True)
    body = {"user": "alice", "text": "hi"}
    assert post_json(client, "/api/notify/", body).status_code == 401
    assert post_json(client, "/api/notify/", body, headers=bearer("wrong")).status_code == 403
    # A user's personal token is not the service token.
    assert post_json(client, "/api/notify/", body, headers=bearer(alice_token)).status_code == 403
    assert Message.objects.count() == 0


@pytest.fixture
def pushed(monkeypatch) -> list[tuple[int, dict]]:
    """What the batching writer pushes after its commits."""

    frames: list[tuple[int, dict]] = []

    async def record(pushes):
        frames.extend(pushes)
        return True

    monkeypatch.setattr(live, "send_many", record)
    return frames


# The notify API writes through the batching writer, whose thread has a connection of its
# own: these tests commit for real.
@pytest.mark.django_db(transaction=True)
def test_notify_with_the_service_token(alice, service_token, pushed):
    client = Client(enforce_csrf_checks=True)
    body = {
        "user": "alice",
        "text": "Done",
        "level": "success",
        "link": "/uploads/3/",
        "source_id": "job-3",
    }
    response = post_json(client, "/api/notify/", body, headers=bearer(service_token))
    assert response.status_code == 201
    message = Message.objects.get()
    assert response.json() == {"id": message.pk}
    assert (message.recipient, message.text, message.level, message.link) == (
        alice,
        "Done",
        "success",
        "/uploads/3/",
    )
    # Pushed after commit, like any notify, with the unread count.
    assert [
        (user, frame["type"], frame["message"]["id"], frame["unread_count"])
        for user, frame in pushed
    ] == [(alice.pk, "notification", message.pk, 1)]
    again = post_json(client, "/api/notify/", body, headers=bearer(service_token))
    assert again.json() == {"id": message.pk}  # idempotent on source_id
    assert Message.objects.count() == 1
    assert len(pushed) == 1  # a repeat pushes nothing


@pytest.mark.django_db(transaction=True)
def test_a_source_id_is_scoped_to_its_recipient(alice, bob, service_token, pushed):
    """One producer's id can never name, or suppress, another user's message."""
    client = Client()
    body = {"text": "Your report", "source_id": "report-7"}
    first = post_json(client, "/api/notify/", {**body, "user": "alice"}, headers=bearer(SERVICE))
    second = post_json(client, "/api/notify/", {**body, "user": "bob"}, headers=bearer(SERVICE))
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert Message.objects.get(pk=second.json()["id"]).recipient == bob
    assert sorted(user for user, _ in pushed) == sorted([alice.pk, bob.pk])


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"user": "nobody", "text": "x"}, 404, "unknown_user"),
        ({"user": "alice", "text": ""}, 400, "invalid_notification"),
        ({"user": "alice", "text": "x", "level": "loud"}, 400, "invalid_notification"),
        (
            {"user": "alice", "text": "x", "link": "javascript:alert(1)"},
            400,
            "invalid_notification",
        ),
        ({"user": "alice", "text": 5}, 400, "invalid_body"),
        ({"user": "alice", "text": "x", "source_id": 7}, 400, "invalid_body"),
        ({"text": "x"}, 400, "invalid_body"),
    ],
)
@pytest.mark.django_db(transaction=True)
def test_notify_rejects_bad_requests(alice, client, service_token, body, status, code):
    response = post_json(client, "/api/notify/", body, headers=bearer(service_token))
    assert (response.status_code, response.json()["error"]) == (status, code)
    assert Message.objects.count() == 0


def test_notify_compares_in_constant_time(alice, client, service_token, monkeypatch):
    from accounts import auth  # the API checks the service token there

    calls = []
    real = auth.hmac.compare_digest
    monkeypatch.setattr(auth.hmac, "compare_digest", lambda a, b: calls.append(1) or real(a, b))
    post_json(client, "/api/notify/", {"user": "alice", "text": "x"}, headers=bearer("guess"))
    assert calls == [1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "body",
    [
        {"user": "alice", "text": "nul\x00byte"},
        {"user": "alice", "text": "x", "link": "/x\x00"},
        {"user": "alice", "text": "x", "link": "/\t/evil.example"},
        {"user": "alice", "text": "x", "link": "/\n/evil.example"},
        {"user": "alice", "text": "x", "link": "/\r/evil.example"},
        {"user": "alice", "text": "lone \ud800 surrogate"},
    ],
)
def test_notify_refuses_what_the_database_or_a_browser_would_misread(
    alice, client, service_token, body
):
    response = post_json(client, "/api/notify/", body, headers=bearer(service_token))
    assert (response.status_code, response.json()["error"]) == (400, "invalid_notification")
    assert Message.objects.count() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "body",
    [
        {"user": "ali\x00ce", "text": "x"},
        {"user": "alice", "text": "x", "source_id": "job\x00"},
        {"user": "alice", "text": "x", "level": "in\x00fo"},
        {"user": "ali\udc00ce", "text": "x"},
        {"user": "alice", "text": "x", "source_id": "\ud800"},
    ],
)
def test_notify_refuses_nul_in_any_field(alice, client, service_token, body):
    response = post_json(client, "/api/notify/", body, headers=bearer(service_token))
    assert response.status_code == 400
    assert Message.objects.count() == 0


NESTED = b"[" * 100_000 + b"]" * 100_000
NESTED_OBJECT = b'{"ids": ' + NESTED + b"}"


@pytest.mark.parametrize("body", [NESTED, NESTED_OBJECT])
def test_deeply_nested_json_is_400_not_a_recursion_error(
    alice, alice_token, client, service_token, body
):
    read = client.post(
        "/api/notifications/read/",
        body,
        content_type="application/json",
        headers=bearer(alice_token),
    )
    assert (read.status_code, read.json()["error"]) == (400, "invalid_body")
    notify = client.post(
        "/api/notify/", body, content_type="application/json", headers=bearer(service_token)
    )
    assert (notify.status_code, notify.json()["error"]) == (400, "invalid_body")
