"""Every API answer is JSON, errors included, and filters it does not understand are refused."""

import pytest

from accounts.services import create_token
from notifications import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth(alice) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(user=alice, name='script')[1]}"}


@pytest.mark.parametrize(
    "path",
    ["/api/", "/api/nope/", "/api/notifications/1/nope/", "/api/notifications", "/api/x/y/z"],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_unknown_api_paths_are_json_404(client, auth, method, path):
    response = getattr(client, method)(path, headers=auth)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "not_found"


def test_unknown_api_paths_are_json_404_without_credentials_too(client):
    response = client.get("/api/unknown/")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


@pytest.mark.parametrize("value", ["yes", "no", "2", "on", "unread"])
def test_an_unread_value_not_understood_is_400(client, auth, value):
    response = client.get(f"/api/notifications/?unread={value}", headers=auth)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_query"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", 1), ("true", 1), ("TRUE", 1), ("0", 2), ("false", 2), ("", 2)],
)
def test_unread_values_understood(alice, client, auth, value, expected):
    first = services.notify(alice, "one")
    services.notify(alice, "two")
    services.mark_read(user=alice, ids=[first.pk])
    body = client.get(f"/api/notifications/?unread={value}", headers=auth).json()
    assert len(body["results"]) == expected
