"""The API answers JSON past its limits too: oversized bodies, a database outage (#19)."""

import pytest
from django.db import OperationalError, connection
from django.test import Client

from tests.api.test_api import alice_token, bearer  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def service_token(settings) -> str:
    settings.NOTIFY_SERVICE_TOKEN = "s" * 40
    return settings.NOTIFY_SERVICE_TOKEN


@pytest.mark.parametrize(
    "path", ["/api/notifications/read/", "/api/notifications/archive/", "/api/notify/"]
)
def test_an_oversized_body_is_413_json(alice_token, service_token, settings, path):  # noqa: F811
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    token = service_token if path == "/api/notify/" else alice_token
    client = Client(raise_request_exception=False)
    body = '{"ids": [' + ", ".join(["1"] * 600) + "]}"
    response = client.post(path, body, content_type="application/json", headers=bearer(token))
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "too_large"


def _database_down(execute, sql, params, many, context):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


@pytest.mark.parametrize(
    "path", ["/api/notifications/", "/api/notifications/unread-count/", "/api/notifications/1/"]
)
def test_reads_during_a_database_outage_are_503_json(alice_token, path):  # noqa: F811
    client = Client(raise_request_exception=False)
    with connection.execute_wrapper(_database_down):
        response = client.get(path, headers=bearer(alice_token))
    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
    assert int(response["Retry-After"]) > 0
