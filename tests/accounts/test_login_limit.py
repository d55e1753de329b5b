"""Password log-ins are limited per client address (issue #19)."""

import logging

import pytest
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def log_in(client: Client, password: str):
    return client.post("/accounts/login/", {"username": "alice", "password": password})


def test_failed_log_ins_past_the_limit_are_refused_even_with_the_right_password(
    alice, settings, caplog
):
    settings.LOGIN_FAILURE_LIMIT = 3
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    with caplog.at_level(logging.WARNING, logger="accounts.login"):
        for _ in range(3):
            assert log_in(guesser, "wrong").status_code == 200  # the form again
        assert log_in(guesser, "wrong").status_code == 200  # the fourth failure counts too
        for _ in range(5):
            refused = log_in(guesser, PASSWORD)
            assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= settings.LOGIN_FAILURE_WINDOW
    assert "Too many failed log-ins" in refused.content.decode()
    assert "_auth_user_id" not in guesser.session
    warnings = [r for r in caplog.records if "failed log-ins" in r.getMessage()]
    assert len(warnings) == 1  # one line per address and window, not per guess
    # Another address is not affected.
    assert log_in(Client(REMOTE_ADDR="198.51.100.7"), PASSWORD).status_code == 302
