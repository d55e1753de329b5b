"""Settings guards, read the way a deployment reads them: a fresh process per environment.

Each case imports a copy of project/settings.py in a subprocess, in a directory of its
own (so the development key file is per case), with a clean environment.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

PRINT = (
    "import json, project.settings as s; print(json.dumps({"
    "'key': s.SECRET_KEY, 'debug': s.DEBUG, 'redirect': s.SECURE_SSL_REDIRECT, "
    "'hsts': s.SECURE_HSTS_SECONDS, 'secure_cookies': s.SESSION_COOKIE_SECURE, "
    "'proxy': getattr(s, 'SECURE_PROXY_SSL_HEADER', None)}))"
)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "__init__.py").write_text("")
    shutil.copy(REPO / "project" / "settings.py", tmp_path / "project" / "settings.py")
    return tmp_path


def load(checkout: Path, code: str = PRINT, **env: str) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ["PATH"], "PYTHONPATH": str(checkout), **env}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=checkout, env=clean, capture_output=True, text=True
    )


def settings_of(checkout: Path, **env: str) -> dict:
    result = load(checkout, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_without_a_secret_key_refuses_to_start(checkout):
    result = load(checkout)
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set when DEBUG is off" in result.stderr
    assert not (checkout / ".dev-secret-key").exists()


def test_running_under_pytest_does_not_relax_the_guard(checkout):
    result = load(checkout, "import pytest\n" + PRINT)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_debug_writes_a_private_random_key_that_later_commands_reuse(checkout):
    first = settings_of(checkout, DEBUG="1")
    key_file = checkout / ".dev-secret-key"
    assert key_file.read_text().strip() == first["key"]
    assert len(first["key"]) >= 50 and "insecure" not in first["key"]
    assert key_file.stat().st_mode & 0o077 == 0
    # A new terminal after `make run`: DEBUG off, same checkout, same key.
    later = settings_of(checkout)
    assert later["key"] == first["key"] and later["debug"] is False
    # Another checkout gets another key.
    other = checkout / "other"
    shutil.copytree(checkout / "project", other / "project")
    assert settings_of(other, DEBUG="1")["key"] != first["key"]


def test_an_explicit_secret_key_wins_and_writes_nothing(checkout):
    assert settings_of(checkout, SECRET_KEY="s3cret", DEBUG="1")["key"] == "s3cret"
    assert not (checkout / ".dev-secret-key").exists()


def test_https_settings_follow_secure_cookies(checkout):
    plain = settings_of(checkout, SECRET_KEY="k")
    assert plain["redirect"] is False and plain["hsts"] == 0 and plain["proxy"] is None
    https = settings_of(checkout, SECRET_KEY="k", SECURE_COOKIES="1", BEHIND_HTTPS_PROXY="1")
    assert https["redirect"] is True and https["hsts"] == 31_536_000
    assert https["secure_cookies"] is True
    assert https["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    tuned = settings_of(
        checkout,
        SECRET_KEY="k",
        SECURE_COOKIES="1",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="60",
    )
    assert tuned["redirect"] is False and tuned["hsts"] == 60


SEND_TIMEOUT = "import project.settings as s; print(s.NOTIFICATIONS_SEND_TIMEOUT)"


@pytest.mark.parametrize(
    ("env", "expected", "warned"),
    [
        ({}, "2.0", False),
        ({"NOTIFICATIONS_SEND_TIMEOUT": "0.5"}, "0.5", False),
        # The deprecated name still works, with a warning that names the new one.
        ({"NOTIFICATIONS_PUSH_TIMEOUT": "0.7"}, "0.7", True),
        ({"NOTIFICATIONS_SEND_TIMEOUT": "0.5", "NOTIFICATIONS_PUSH_TIMEOUT": "0.7"}, "0.5", False),
    ],
)
def test_a_renamed_setting_still_reads_its_deprecated_name(checkout, env, expected, warned):
    result = load(checkout, SEND_TIMEOUT, DEBUG="1", **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
    warning = "NOTIFICATIONS_PUSH_TIMEOUT is deprecated; set NOTIFICATIONS_SEND_TIMEOUT instead"
    assert (warning in result.stderr) is warned
