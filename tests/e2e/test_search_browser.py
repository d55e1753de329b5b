"""Search and filters on the inbox: the search box, the URL that holds the query, pages."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.pages import live, log_in
from tests.e2e.test_inbox_browser import QUIET, notify

pytestmark = pytest.mark.browser


def test_search_box_filters_and_pages_with_the_query_in_the_url(browser, make_stack):
    stack = make_stack(extra_env={**QUIET, "NOTIFICATIONS_PAGE_SIZE": "2"})
    stack.create_user("alice", PASSWORD)
    base_url = f"http://127.0.0.1:{stack.start_server()}"
    failed = [notify(base_url, f"Build {i} failed", level="error") for i in range(3)]
    notify(base_url, "Build 9 passed", level="success")
    notify(base_url, "Invoice 118 paid")
    context, inbox = log_in(browser, base_url, "alice")
    inbox.goto(base_url + "/notifications/")
    live(inbox)
    rows = inbox.locator(".inbox-item")

    box = inbox.get_by_role("searchbox", name="Search notifications")
    box.fill("build")
    inbox.get_by_label("Level").select_option("error")
    box.press("Enter")
    expect(inbox).to_have_url(re.compile(r"\?q=build&level=error"))
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Build 2 failed")
    expect(box).to_have_value("build")
    inbox.get_by_role("link", name="Older").click()
    expect(inbox).to_have_url(re.compile(rf"q=build&level=error&before={failed[1]}"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Build 0 failed")

    # A link to the results shows the same results (another tab, a reload).
    other = context.new_page()
    other.goto(base_url + "/notifications/?q=invoice")
    live(other)
    expect(other.locator(".inbox-item")).to_have_count(1)
    expect(other.locator(".inbox-item")).to_contain_text("Invoice 118 paid")
    # A new message that does not match the query does not join the results live.
    notify(base_url, "A new message")
    expect(other.locator("#unread-badge")).to_have_text("6")
    expect(other.locator(".inbox-item")).to_have_count(1)

    other.get_by_role("searchbox", name="Search notifications").fill("nothing like it")
    other.get_by_role("button", name="Search").click()
    expect(other.get_by_text("No matches")).to_be_visible()
    other.get_by_role("link", name="Clear the search").click()
    expect(other.locator(".inbox-item")).to_have_count(2)  # the newest page, size 2
    context.close()
