"""`make run` sets SITE_URL (the links of emails) from PORT, unless SITE_URL is given."""

import os
import shutil
import subprocess

import pytest

from tests.conftest import REPO, require

FAKE = '#!/bin/sh\necho "$(basename "$0") SITE_URL=$SITE_URL"\n'


@pytest.mark.parametrize(
    ("env", "expected"),
    [({}, "http://127.0.0.1:8123"), ({"SITE_URL": "https://example.org"}, "https://example.org")],
)
def test_make_run_sets_site_url_from_port(tmp_path, env, expected):
    require(shutil.which("make") is not None, "needs make (apt-get install make)")
    for name in ("python", "daphne"):
        path = tmp_path / name
        path.write_text(FAKE)
        path.chmod(0o755)
    (tmp_path / ".installed").touch()  # newer than pyproject.toml: no install
    clean = {k: v for k, v in os.environ.items() if k != "SITE_URL"}
    result = subprocess.run(
        ["make", "-s", "run", "PORT=8123", f"BIN={tmp_path}"],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert f"python SITE_URL={expected}" in result.stdout
    assert f"daphne SITE_URL={expected}" in result.stdout
