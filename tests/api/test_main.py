"""api/main.py: the OpenAPI document at /api/openapi.json and the docs page at /api/docs."""

import re
from pathlib import Path

import pytest
import schemathesis

pytestmark = pytest.mark.django_db

API_MD = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _documented() -> set[tuple[str, str]]:
    """(method, path) of every endpoint docs/api.md names, placeholders as in the document."""
    found = set()
    for method, path in re.findall(r"`(GET|POST|PATCH|DELETE) (/api/[^ `?]+)", API_MD.read_text()):
        if path in {"/api/openapi.json", "/api/docs"}:  # the document itself, not an operation
            continue
        path = re.sub(r"<id>", "{message_id}", path)
        path = re.sub(r"/actions/<n>/", "/actions/{index}/", path)
        path = re.sub(r"/jobs/<?j>?/", "/jobs/{job_id}/", path)
        found.add((method.lower(), path))
    return found


def test_the_document_is_served_valid_and_lists_every_documented_endpoint(client):
    response = client.get("/api/openapi.json")
    assert (response.status_code, response["Content-Type"]) == (200, "application/json")
    document = response.json()
    assert document["openapi"].startswith("3.")
    schemathesis.openapi.from_dict(document).validate()  # against the OpenAPI meta-schema
    served = {(method, path) for path, item in document["paths"].items() for method in item}
    assert len(_documented()) >= 25
    assert _documented() <= served
    schemes = document["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}


def test_every_operation_declares_its_errors_with_the_error_shape(client):
    document = client.get("/api/openapi.json").json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            statuses = set(operation["responses"])
            assert {"401", "429", "503"} <= statuses, (method, path)
            error = operation["responses"]["401"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}


def test_the_docs_page_loads_its_files_from_this_site_under_the_csp(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<script src="/static/ninja/swagger-ui-bundle.js">' in page
    assert "cdn" not in page.lower()
    assert "script-src 'self'" in response["Content-Security-Policy"]
