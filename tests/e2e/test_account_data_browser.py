"""/account/data/ in Chromium: Export downloads the JSON, Erase (confirmed) empties the
inbox, and the user's other browser drops its toasts and badge live."""

import json

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import live, log_in
from tests.e2e.test_inbox_browser import badge, notify, start

pytestmark = pytest.mark.browser


def guard(page: Page, problems: list[str]) -> None:
    """Any page error, console error or unexpected response >= 400 is a failure."""
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )


def test_export_then_erase_and_the_other_browser_follows(browser, make_stack, viewport):
    base_url = start(make_stack)
    ids = [notify(base_url, f"Message {i}") for i in range(3)]
    problems: list[str] = []
    size = {"viewport": viewport}
    other, home = log_in(browser, base_url, "alice", **size)
    guard(home, problems)
    live(home)
    expect(home.locator(".toast[data-id]")).to_have_count(3)
    badge(home, 3)

    context, page = log_in(browser, base_url, "alice", accept_downloads=True, **size)
    guard(page, problems)
    page.goto(base_url + "/account/data/")
    expect(page.get_by_role("heading", name="Your notification data")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")

    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    exported = json.loads(download.value.path().read_text())
    assert [m["id"] for m in exported["messages"]] == ids

    # The box is required: without it the browser does not send the form (and the server
    # refuses it too: tests/userdata/test_services.py).
    page.get_by_role("button", name="Erase").click()
    assert page.locator("#confirm").evaluate("box => box.validity.valueMissing")
    page.get_by_label("I understand that all 3 notifications will be deleted").check()
    page.get_by_role("button", name="Erase").click()
    expect(page.locator(".flash")).to_have_text("Erased 3 notifications.")

    # The other browser: every toast gone and the badge at 0, live, with no reload.
    expect(home.locator(".toast[data-id]")).to_have_count(0)
    badge(home, 0)
    home.goto(base_url + "/notifications/")
    expect(home.locator(".inbox-item")).to_have_count(0)
    assert problems == []
    context.close()
    other.close()
