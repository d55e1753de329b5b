"""api/urls.py: every path under /api/ answers the API's JSON, whatever the method."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/nope/", "/api/notifications/-1/read/", "/api/x/y"])
@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_an_unsafe_method_on_no_endpoint_is_json_404_not_the_csrf_page(method, path):
    """Found by Schemathesis: a POST to a path no endpoint names (e.g. a negative id)
    was refused by Django's CSRF middleware with its HTML 403 page."""
    client = Client(enforce_csrf_checks=True)
    response = getattr(client, method)(path)
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.json()["error"] == "not_found"


def test_a_method_the_path_does_not_take_is_json_405_listing_the_ones_it_does(alice):
    client = Client()
    client.force_login(alice)
    response = client.put("/api/notifications/preferences/")
    assert (response.status_code, response["Content-Type"]) == (405, "application/json")
    assert response.json() == {"error": "method_not_allowed"}
    assert response["Allow"] == "GET, PATCH"
