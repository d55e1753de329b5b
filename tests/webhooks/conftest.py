from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.webhooks.factories import Pki
from webhooks import certs


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
