"""The JSON API answers in English whatever the request's language (docs/api.md, "Errors"):
`error` codes are for programs, and `detail` is for the developer reading logs."""

import pytest

pytestmark = pytest.mark.django_db


def test_error_codes_and_details_stay_english_for_a_polish_user(alice, client):
    from accounts import account

    account.update_settings(user=alice, language="pl", time_zone="Europe/Warsaw")
    client.force_login(alice)
    response = client.get("/api/nothing-here/", HTTP_ACCEPT_LANGUAGE="pl")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "no such endpoint"}
    response = client.get("/api/notifications/?limit=0", HTTP_ACCEPT_LANGUAGE="pl")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_query"
    assert response.json()["detail"].isascii()
