"""Every `manage.py` line of the README runs as written, in a new terminal after `make run`.

A fresh checkout (the repository's files copied to a temporary folder, its own SQLite
database), `make run`'s migrate step (the only one with DEBUG on), then each README
command in an environment with neither DEBUG nor SECRET_KEY, as a new terminal has.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

README = (REPO / "README.md").read_text()


def readme_commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    lines = [line.split("#")[0].strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if "manage.py" in line]


def make_run_migrate() -> str:
    recipe = (REPO / "Makefile").read_text().split("\nrun:", 1)[1]
    return next(line.strip() for line in recipe.splitlines() if "manage.py migrate" in line)


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in files:
        source = REPO / name
        if source.is_file() and not source.is_symlink():
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, tmp_path / name)
    return tmp_path


def terminal_env(checkout: Path) -> dict[str, str]:
    """A new terminal: no DEBUG, no SECRET_KEY, no DATABASE_URL from the test run."""
    return {"PATH": os.environ["PATH"], "HOME": str(checkout), "LANG": "C.UTF-8"}


def run(line: str, checkout: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    words = shlex.split(line.replace("$(BIN)/python", ".venv/bin/python").replace("$$", "$"))
    assigned = {}
    while "=" in words[0] and not words[0].startswith("."):
        name, value = words.pop(0).split("=", 1)
        assigned[name] = "1" if value == "${DEBUG-1}" else value
    assert words[0] == ".venv/bin/python", line
    return subprocess.run(
        [sys.executable, *words[1:]],
        cwd=checkout,
        env={**env, **assigned},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_readme_shows_the_commands_people_need():
    commands = " ".join(readme_commands())
    for name in ("notify", "create_token", "createsuperuser"):
        assert f"manage.py {name}" in commands


def test_every_readme_command_runs_after_make_run(checkout):
    env = terminal_env(checkout)
    migrate = run(make_run_migrate(), checkout, env)
    assert migrate.returncode == 0, migrate.stderr
    # Signing up in the browser, as the README says, gives the user `alice`.
    signup = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.contrib.auth.models import User; User.objects.create_user('alice')",
        ],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
    )
    assert signup.returncode == 0, signup.stderr
    for line in readme_commands():
        if "createsuperuser" in line:
            # Interactive: it asks for a password; the same command, answered up front.
            line += " --noinput"
            extra = {"DJANGO_SUPERUSER_PASSWORD": "a-long-admin-password-1"}
        else:
            extra = {}
        result = run(line, checkout, {**env, **extra})
        assert result.returncode == 0, f"{line}\n{result.stderr}"
        assert "ImproperlyConfigured" not in result.stderr


def test_without_the_development_key_the_same_commands_refuse(checkout):
    result = run(readme_commands()[0], checkout, terminal_env(checkout))
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr
