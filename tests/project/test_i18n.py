"""The translation catalogues in locale/ are complete and compiled (docs/i18n.md).

Every string marked for translation in templates, Python and the browser's JS must have a
Polish and a German translation, none fuzzy; the committed .mo files must be what the .po
files compile to (a fresh clone runs without gettext installed).
"""

import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import REPO, require

LANGUAGES = [code for code, _ in settings.LANGUAGES if code != "en"]
DOMAINS = ["django", "djangojs"]
# What makemessages reads: every app, the templates, the browser's JS, and manage.py.
SOURCES = [
    "live",
    "sqlreads",
    "workers",
    "snooze",
    "search",
    "threads",
    "fanout",
    "userdata",
    "accounts",
    "api",
    "notifications",
    "inbox",
    "offline",
    "uploads",
    "webhooks",
    "consumers",
    "outbound",
    "project",
    "templates",
    "static",
    "locale",
    "manage.py",
]


# The copies have no tests/ package: their manage.py runs on the project's own settings.
ENV = {**os.environ, "DJANGO_SETTINGS_MODULE": "project.settings"}


def gettext_tools() -> None:
    require(
        all(shutil.which(tool) for tool in ("xgettext", "msgmerge", "msgfmt")),
        "gettext is not installed (apt-get install gettext)",
    )


def copy_sources(root: Path) -> None:
    for name in SOURCES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, root / name)


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory) -> Path:
    """A copy of the sources with the catalogues refreshed by makemessages, as a developer
    would after adding a string: a string missing from the committed catalogue shows up
    here as untranslated."""
    gettext_tools()
    root = tmp_path_factory.mktemp("messages")
    copy_sources(root)
    for domain in DOMAINS:
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "--no-obsolete", "-d", domain]
            + [arg for code in LANGUAGES for arg in ("-l", code)]
            + (["--ignore", "static/notifications/vendor/*"] if domain == "djangojs" else []),
            cwd=root,
            env=ENV,
            check=True,
            capture_output=True,
        )
    return root


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_is_translated(refreshed, language, domain):
    po = refreshed / "locale" / language / "LC_MESSAGES" / f"{domain}.po"
    stats = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=True,
    ).stderr
    assert "translated message" in stats
    assert "untranslated" not in stats and "fuzzy" not in stats, (
        f"{language}/{domain}.po: {stats.strip()}; run `make messages` and translate "
        "the new strings (docs/i18n.md)"
    )


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_mo_is_the_compiled_po(tmp_path, language, domain):
    gettext_tools()
    folder = REPO / "locale" / language / "LC_MESSAGES"
    fresh = tmp_path / f"{domain}.mo"
    subprocess.run(
        ["msgfmt", "--check", "-o", str(fresh), str(folder / f"{domain}.po")], check=True
    )

    def catalog(path: Path) -> dict:
        with path.open("rb") as f:
            return gettext.GNUTranslations(f)._catalog

    assert catalog(folder / f"{domain}.mo") == catalog(fresh), (
        f"locale/{language}/LC_MESSAGES/{domain}.mo is stale: run `make messages`"
    )


def test_a_marked_string_missing_from_the_catalogue_fails_the_check(tmp_path):
    """The check above can fail: a new template string shows up untranslated."""
    gettext_tools()
    root = tmp_path / "project"
    copy_sources(root)
    (root / "templates" / "new.html").write_text(
        "{% load i18n %}{% translate 'A string nobody translated yet' %}"
    )
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "pl", "-d", "django"],
        cwd=root,
        env=ENV,
        check=True,
        capture_output=True,
    )
    stats = subprocess.run(
        ["msgfmt", "--statistics", "-o", "/dev/null", "locale/pl/LC_MESSAGES/django.po"],
        cwd=root,
        capture_output=True,
        text=True,
    ).stderr
    assert "1 untranslated message" in stats
