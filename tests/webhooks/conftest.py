import http.client
import socket
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from botocore.stub import Stubber

from tests.webhooks.factories import NOW, TOPIC_ARN, Pki
from webhooks import certs, services


@pytest.fixture(autouse=True)
def _empty_certificate_cache() -> Iterator[None]:
    certs.cache.clear()
    yield
    certs.cache.clear()


@pytest.fixture
def sns_dir(shared_fixtures: Path) -> Path:
    return shared_fixtures / "sns"


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    directory = tmp_path / "sns-certs"
    directory.mkdir()
    return Pki(directory)


@pytest.fixture
def configure(settings, monkeypatch):
    """Allow topics, pin a certificate directory and set the clock, as a deployment would."""

    def apply(*, topics: list[str], cert_dir: Path | str, now: datetime) -> None:
        settings.SNS_ALLOWED_TOPIC_ARNS = list(topics)
        settings.SNS_CERT_DIR = str(cert_dir)
        monkeypatch.setattr(services, "clock", lambda: now)

    return apply


@pytest.fixture
def signed(configure, pki: Pki) -> Pki:
    """The generated key's certificate pinned, TOPIC_ARN allowed, the clock at NOW."""
    configure(topics=[TOPIC_ARN], cert_dir=pki.directory, now=NOW)
    return pki


@pytest.fixture
def sns_stub(monkeypatch):
    """A real boto3 SNS client for one region with botocore's Stubber on it.

    `services.sns_client` still builds the client (region, timeouts); the regions asked
    for are recorded on the returned stubber as `.regions`.
    """
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    real = services.sns_client

    def make(region: str) -> Stubber:
        client = real(region)
        stubber = Stubber(client)
        stubber.regions = []

        def fake(asked: str):
            stubber.regions.append(asked)
            return client

        monkeypatch.setattr(services, "sns_client", fake)
        stubber.activate()
        return stubber

    return make


@pytest.fixture
def no_outbound_http(monkeypatch) -> list[str]:
    """Fail any attempt to open an HTTP(S) connection or fetch a URL; record it."""
    attempts: list[str] = []

    def refuse(*args, **kwargs):
        attempts.append(repr(args)[:200])
        raise AssertionError("outbound connection attempted")

    monkeypatch.setattr(http.client, "HTTPSConnection", refuse)
    monkeypatch.setattr(http.client, "HTTPConnection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts
