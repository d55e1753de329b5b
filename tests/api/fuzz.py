"""Schemathesis against the served document, shared by its two test modules
(test_schemathesis.py: valid requests; test_schemathesis_negative.py: invalid ones, two
modules so that parallel workers, which keep a module on one, share the minutes): the
operations, the served document, seeded data and a credential, and the test itself.

(schemathesis.pytest's own parametrisation does not run on pytest 9 yet: it reads a node
attribute pytest removed. Its documented Hypothesis strategies are used instead.)
"""

import os
from datetime import timedelta

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import create_token
from api.main import api
from notifications import services
from snooze import services as snooze
from threads import actions
from threads import services as threads

SERVICE = "schemathesis-service-token"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Per operation and mode. Raise it for a deeper run: API_FUZZ_EXAMPLES=500 pytest tests/api.
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "15"))


def operations(mode: GenerationMode) -> list[tuple[str, GenerationMode]]:
    """Every operation of the document, valid requests; and invalid ones where it takes
    any input (an operation with no parameter and no body has nothing to get wrong).
    Those of `mode`."""
    found = []
    for item in api.get_openapi_schema()["paths"].values():
        for operation in item.values():
            found.append((operation["operationId"], GenerationMode.POSITIVE))
            if operation.get("parameters") or "requestBody" in operation:
                found.append((operation["operationId"], GenerationMode.NEGATIVE))
    return sorted(pair for pair in found if pair[1] == mode)


@pytest.fixture(scope="module")
def served(django_db_setup, django_db_blocker):
    """The document as served, loaded once (a request's end closes old connections)."""
    with django_db_blocker.unblock():
        return schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())


@pytest.fixture
def credentials(transactional_db, make_user, settings) -> dict[str, str]:
    """Seeded: alice with messages in every state (in a thread, with actions, one clicked,
    snoozed), a thread bob follows, bob with one message, alice's token.

    Committed for real: the notify endpoint writes from the batching writer's thread.
    """
    settings.NOTIFY_SERVICE_TOKEN = SERVICE
    alice, bob = make_user("alice"), make_user("bob")
    messages = [services.notify(alice, f"m{i}", link="/x/") for i in range(6)]
    services.mark_read(user=alice, ids=[messages[0].pk])
    services.archive(user=alice, ids=[messages[1].pk])
    snooze.snooze(user=alice, ids=[messages[2].pk], until=timezone.now() + timedelta(days=1))
    buttons = [{"label": "Open", "url": "/x/"}, {"label": "Approve", "post": "approve"}]
    clicked = [services.notify(alice, "doc 1", group="doc:1", actions=buttons) for _ in "ab"]
    actions.act(user=alice, message_id=clicked[0].pk, index=1)
    threads.follow(user=bob, key="doc:1")
    services.notify(bob, "bob's")
    return {
        "user": f"Bearer {create_token(user=alice, name='schemathesis')[1]}",
        "service": f"Bearer {SERVICE}",
    }


def answers_as_documented(served, credentials: dict[str, str], operation_id: str, mode) -> None:
    """Every generated request of `mode` to the operation is answered as documented."""
    operation = served.find_operation_by_id(operation_id)
    schemes = {name for item in operation.definition.raw["security"] for name in item}
    who = "service" if schemes == {"ServiceToken"} else "user"

    @given(case=operation.as_strategy(mode))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(headers={"Authorization": credentials[who]}, checks=CHECKS)

    check()
