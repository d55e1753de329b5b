"""The browser's catalogue, one script file per language (project/jsi18n.py)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_polish_catalogue_is_a_cacheable_script_with_the_plural_rule():
    response = Client().get("/jsi18n/pl/", HTTP_ACCEPT_LANGUAGE="de")
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "max-age=3600" in response["Cache-Control"]
    # The path names the language, whatever the request's header says.
    assert '"Retry now": "Spr\\u00f3buj teraz"' in body
    assert '"%(n)s new notification": [' in body  # plural forms, chosen by...
    assert "n%10>=2 && n%10<=4" in body  # ...Polish's own rule
    assert "Content-Security-Policy" in response.headers


def test_the_german_catalogue():
    body = Client().get("/jsi18n/de/").content.decode()
    assert '"View in inbox": "Im Posteingang ansehen"' in body


def test_an_unknown_language_is_a_404():
    assert Client().get("/jsi18n/xx/").status_code == 404


def test_signed_in_pages_load_the_catalogue_of_their_language_before_the_modules(alice, client):
    client.force_login(alice)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    # A classic script, neither deferred nor async: it runs while the page is parsed,
    # so before every module script (modules run once parsing is done).
    assert '<script src="/jsi18n/pl/"></script>' in html
