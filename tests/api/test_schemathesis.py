"""Schemathesis against the served document: every operation, a valid credential, seeded
data. No answer is a 5xx, and every answer (status, content type, headers, body) is one
the document declares. The document is read from /api/openapi.json as a client would.

Valid requests here, invalid ones in test_schemathesis_negative.py; the seeding, the
checks and the test itself in tests/api/fuzz.py.
"""

import pytest
from schemathesis import GenerationMode

from api.main import api
from tests.api import fuzz

# The fixtures (tests/api/fuzz.py): the document served once per module, data seeded per test.
served = fuzz.served
credentials = fuzz.credentials


def test_the_served_document_is_the_one_tested(served):
    assert {op.label for op in (r.ok() for r in served.get_all_operations())} == {
        f"{method.upper()} {path}"
        for path, item in api.get_openapi_schema()["paths"].items()
        for method in item
    }


@pytest.mark.parametrize(("operation_id", "mode"), fuzz.operations(GenerationMode.POSITIVE))
def test_every_operation_answers_as_documented(served, credentials, operation_id, mode):
    fuzz.answers_as_documented(served, credentials, operation_id, mode)
