"""Shared test fixtures.

Tests that need something outside the repository (the shared AWS fixtures, Redis,
Chromium) skip with a reason on a newcomer's machine, and fail under CI=true.
"""

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from channels.layers import channel_layers
from django.contrib.auth import get_user_model

REPO = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"
PASSWORD = "correct-horse-battery-staple"


def require(condition: bool, reason: str) -> None:
    """Skip when `condition` is false, except in CI, where that is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    path = Path(os.environ.get("SHARED_FIXTURES_DIR", REPO.parent / "shared" / "fixtures"))
    require(path.is_dir(), f"shared fixtures not found at {path} (set SHARED_FIXTURES_DIR)")
    return path


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), 1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    require(_reachable(url), f"Redis is not reachable at {url} (set REDIS_URL)")
    return url


@pytest.fixture
def postgresql_only() -> None:
    """For tests of several statements in one Query message: PostgreSQL's simple query
    protocol runs them in one round trip; SQLite (the embedded default) has none, and the
    code under test runs them one by one there, which other tests cover."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("several statements in one Query message are PostgreSQL's (simple protocol)")


@pytest.fixture
def make_user(db):
    counter = iter(range(1, 10_000))

    def make(username: str | None = None, **fields: object):
        name = username or f"user{next(counter)}"
        return get_user_model().objects.create_user(username=name, password=PASSWORD, **fields)

    return make


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def bob(make_user):
    return make_user("bob")


@pytest.fixture(params=["memory", "redis"])
def layer(request: pytest.FixtureRequest, settings) -> Iterator[str]:
    """Run a test on the in-process layer and on the Redis pub/sub layer, as deployed."""
    if request.param == "memory":
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "live.layers.LocalChannelLayer"}}
    else:
        url = request.getfixturevalue("redis_url")
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "live.layers.PipelinedPubSubLayer",
                # A prefix per test run keeps parallel runs on one Redis apart.
                "CONFIG": {"hosts": [url], "prefix": f"test{os.getpid()}"},
            }
        }
    channel_layers.backends.clear()
    yield request.param
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def _forget_token_failures() -> Iterator[None]:
    """The bearer failure limit is per process: one test's bad tokens must not block the next."""
    from accounts.auth import limiter
    from accounts.login import failures
    from inbox.views import _test_sends

    for window in (limiter, failures, _test_sends):
        window.clear()
    yield
    for window in (limiter, failures, _test_sends):
        window.clear()


@pytest.fixture(autouse=True)
def _release_socket_readers() -> Iterator[None]:
    """The socket readers hold connections between handshakes (consumers/readers.py): give
    them back after each test, or PostgreSQL's test database could not be dropped."""
    yield
    from consumers.readers import readers

    readers.release()


@pytest.fixture
def pushed(monkeypatch) -> list[tuple[int, dict]]:
    """(user id, frame) of every frame sent to the layer after commit, as Redis carries it."""
    import json

    import live

    sent: list[tuple[int, dict]] = []

    def fake_send(user_id: int, frame: dict) -> bool:
        sent.append((user_id, json.loads(live.encode(frame))))
        return True

    monkeypatch.setattr(live, "send_now", fake_send)
    return sent
