"""Schemathesis against the served document, invalid requests: every operation that takes
any input; no answer is a 5xx and every answer is one the document declares (a module of
its own so that parallel workers share the fuzzing: tests/api/fuzz.py)."""

import pytest
from schemathesis import GenerationMode

from tests.api import fuzz

# The fixtures (tests/api/fuzz.py): the document served once per module, data seeded per test.
served = fuzz.served
credentials = fuzz.credentials


@pytest.mark.parametrize(("operation_id", "mode"), fuzz.operations(GenerationMode.NEGATIVE))
def test_every_operation_answers_as_documented(served, credentials, operation_id, mode):
    fuzz.answers_as_documented(served, credentials, operation_id, mode)
