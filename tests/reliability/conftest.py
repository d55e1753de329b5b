import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.servers import RedisServer
from tests.conftest import require
from tests.e2e.conftest import make_stack, migrated  # noqa: F401 - shared fixtures


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    require(shutil.which("redis-server") is not None, "redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()
