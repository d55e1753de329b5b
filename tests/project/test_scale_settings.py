"""Settings for running many processes (docs/deploy.md): Redis shards, the pooler."""

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.project.test_settings import load

LAYER_AND_DB = (
    "import json, project.settings as s; print(json.dumps({'layer': s.CHANNEL_LAYERS,"
    " 'db': {k: s.DATABASES['default'].get(k) for k in"
    " ('DISABLE_SERVER_SIDE_CURSORS', 'OPTIONS')}}, default=str))"
)
PG = "postgres://u@db.internal:6432/app"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A copy of project/settings.py alone, read by a fresh process per environment."""
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "__init__.py").write_text("")
    shutil.copy(REPO / "project" / "settings.py", tmp_path / "project" / "settings.py")
    return tmp_path


def settings_of(checkout, **env: str) -> dict:
    result = load(checkout, LAYER_AND_DB, SECRET_KEY="x", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_comma_separated_redis_url_is_one_shard_per_host(checkout):
    urls = "redis://10.0.0.1:6379/0, redis://10.0.0.2:6379/0"
    layer = settings_of(checkout, REDIS_URL=urls)["layer"]["default"]
    assert layer["BACKEND"] == "live.layers.PipelinedPubSubLayer"
    assert layer["CONFIG"]["hosts"] == ["redis://10.0.0.1:6379/0", "redis://10.0.0.2:6379/0"]
    one = settings_of(checkout, REDIS_URL="redis://10.0.0.1:6379/0")["layer"]["default"]
    assert one["CONFIG"]["hosts"] == ["redis://10.0.0.1:6379/0"]


def test_each_process_pool_is_bounded_by_default_and_by_setting(checkout):
    assert settings_of(checkout, DATABASE_URL=PG)["db"]["OPTIONS"]["pool"]["max_size"] == 20
    bounded = settings_of(checkout, DATABASE_URL=PG, DB_POOL_MAX_SIZE="8")
    assert bounded["db"]["OPTIONS"]["pool"]["max_size"] == 8


def test_behind_pgbouncer_server_side_cursors_are_off(checkout):
    assert settings_of(checkout, DATABASE_URL=PG)["db"]["DISABLE_SERVER_SIDE_CURSORS"] is False
    pooled = settings_of(checkout, DATABASE_URL=PG, DB_POOLER="pgbouncer")
    assert pooled["db"]["DISABLE_SERVER_SIDE_CURSORS"] is True
    refused = load(checkout, LAYER_AND_DB, SECRET_KEY="x", DATABASE_URL=PG, DB_POOLER="pgpool")
    assert refused.returncode != 0
    assert "DB_POOLER must be unset or 'pgbouncer'" in refused.stderr
