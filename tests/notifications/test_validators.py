"""notifications.validators: links as a browser parses them, text a database can store."""

import pytest

from notifications import services, validators
from notifications.models import Message

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "link",
    [
        "/uploads/1/",
        "/notifications/?before=5#x",
        "/a b/",  # the browser percent-encodes the space: still a path here
        "https://example.com/x",
        "HTTP://example.com",
        "  /padded/  ",
    ],
)
def test_local_paths_and_web_urls_pass(link):
    assert validators.clean_link(link) == link.strip()


@pytest.mark.parametrize(
    "link",
    [
        # A browser removes tab and newlines anywhere in a URL: each becomes //evil.example.
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r/evil.example",
        "/\r\n/evil.example",
        "/\\evil.example",
        "\\/evil.example",
        "//evil.example/",
        "/\x00/evil.example",
        "/\x1f/x",
        "/\x7f/x",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "\x01javascript:alert(1)",
        "data:text/html,hi",
        "https:evil.example",
        "http:///evil.example",
        "ftp://example.com/",
        "relative/path",
        "/" + "x" * 500,
        "/\ud800",
    ],
)
def test_links_that_could_leave_the_site_or_run_script_are_refused(link):
    with pytest.raises(validators.InvalidNotification, match="link"):
        validators.clean_link(link)


@pytest.mark.parametrize("text", ["a\x00b", "\ud83d alone"])
def test_text_a_database_cannot_store_is_refused(text):
    with pytest.raises(validators.InvalidNotification, match="text"):
        validators.clean_text(text)


def test_text_keeps_newlines_and_tabs():
    assert validators.clean_text(" line one\n\tline two ") == "line one\n\tline two"


@pytest.mark.parametrize(
    "link", ["/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/x\x00"]
)
def test_notify_refuses_them_and_stores_nothing(alice, link):
    with pytest.raises(services.InvalidNotification, match="link"):
        services.notify(alice, "hi", link=link)
    with pytest.raises(services.InvalidNotification, match="text"):
        services.notify(alice, "hi\x00")
    assert Message.objects.count() == 0
