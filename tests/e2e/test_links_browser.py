"""Links a browser would follow off the site are never rendered as links, even when stored.

The service refuses them (tests/notifications/test_validators.py); these rows are forged
straight into the database, as an old row or a bypassed form would be, and the pages
must still not hand Chromium a link to another origin or a script.
"""

import pytest
from playwright.sync_api import Page

from tests.conftest import PASSWORD
from tests.e2e.pages import log_in

pytestmark = pytest.mark.browser

FORGED = [
    "javascript:alert(1)",
    "/\t/evil.example/tab",
    "/\n/evil.example/lf",
    "/\r/evil.example/cr",
    "//evil.example/slashes",
    "/\\evil.example/backslash",
    " javascript:alert(2)",
]


def forge(stack, links: list[str]) -> None:
    code = (
        "from django.contrib.auth import get_user_model; "
        "from notifications.models import Message; "
        "alice = get_user_model().objects.get(username='alice'); "
        f"[Message.objects.create(recipient=alice, text=f'forged {{i}}', link=link) "
        f"for i, link in enumerate({links!r})]"
    )
    stack.manage("shell", "-c", code)


def hrefs(page: Page, selector: str) -> list[str]:
    # The browser's own resolution of each href: what a click would open.
    return page.eval_on_selector_all(selector, "els => els.map(a => a.href)")


@pytest.mark.parametrize("java_script", [False, True])
def test_forged_links_are_not_clickable_off_the_site(browser, make_stack, java_script):
    stack = make_stack(extra_env={"NOTIFICATIONS_TOAST_LIMIT": "20"})
    stack.create_user("alice", PASSWORD)
    forge(stack, [*FORGED, "/uploads/"])
    base_url = f"http://127.0.0.1:{stack.start_server()}"
    context, page = log_in(browser, base_url, "alice", java_script_enabled=java_script)
    page.goto(base_url + "/notifications/")
    page.locator(".inbox-item").first.wait_for()
    rows = page.locator(".inbox-item")
    assert rows.count() == len(FORGED) + 1
    # With JavaScript on, toasts are drawn by client.js from the socket's sync frame: its
    # own link check is the client's (tests of static/); the rows stay server-rendered.
    selectors = [".inbox-item a"] if java_script else [".inbox-item a", ".toast a"]
    for selector in selectors:
        links = hrefs(page, selector)
        assert links, selector
        offsite = [h for h in links if not h.startswith(base_url + "/")]
        assert offsite == [], selector
    # The one good link is still a link; the forged rows show their text only.
    assert hrefs(page, ".inbox-item a.inbox-text") == [base_url + "/uploads/"]
    context.close()
