"""/metrics tokens are under the bearer failure limit, and refusals are not logged one by
one (issue #19)."""

import logging

from django.test import Client


def test_wrong_metrics_tokens_are_limited_and_logged_once(settings, caplog):
    settings.METRICS_TOKEN = "m" * 32
    settings.TOKEN_FAILURE_LIMIT = 3
    prober = Client(REMOTE_ADDR="203.0.113.9")
    with caplog.at_level(logging.INFO):
        answers = [
            prober.get("/metrics", headers={"Authorization": f"Bearer guess{n}"}).status_code
            for n in range(10)
        ]
    assert answers == [404] * 3 + [429] * 7
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(lines) == 1 and "failed bearer tokens" in lines[0]
    right = {"Authorization": f"Bearer {settings.METRICS_TOKEN}"}
    assert Client(REMOTE_ADDR="198.51.100.7").get("/metrics", headers=right).status_code == 200
