"""The inbox in real use (issue 18): what a new user hit, at both sizes, on the JS path."""

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import live, log_in
from tests.e2e.test_inbox_browser import badge, notify, start

pytestmark = pytest.mark.browser


def test_bulk_actions_post_in_the_background_and_the_rows_go_at_once(browser, make_stack):
    base_url = start(make_stack)
    ids = [notify(base_url, f"Message {i}") for i in range(3)]
    context, inbox = log_in(browser, base_url, "alice")
    inbox.goto(base_url + "/notifications/")
    live(inbox)
    rows = inbox.locator(".inbox-item")
    with browser.js_only(inbox):
        inbox.locator(f'.inbox-item[data-id="{ids[2]}"] .inbox-select').check()
        inbox.locator("#inbox-bulk").get_by_role("button", name="Archive").click()
        expect(rows).to_have_count(2)
        badge(inbox, 2)
        inbox.locator(f'.inbox-item[data-id="{ids[1]}"] .inbox-select').check()
        inbox.locator("#inbox-bulk").get_by_role("button", name="Mark read").click()
        expect(rows.filter(has_text="Message 1")).to_have_attribute("data-state", "read")
        badge(inbox, 1)
    context.close()
