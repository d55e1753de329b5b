"""Archive and delete from the inbox: select rows, act, and every other tab follows live."""

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import live, log_in
from tests.e2e.test_inbox_browser import badge, notify, start

pytestmark = pytest.mark.browser


def test_select_rows_archive_and_delete_and_another_tab_updates_live(browser, make_stack):
    base_url = start(make_stack)
    ids = [notify(base_url, f"Message {i}") for i in range(4)]  # ids[3] is the newest
    context, home = log_in(browser, base_url, "alice")
    inbox = context.new_page()
    inbox.goto(base_url + "/notifications/")
    archived_tab = context.new_page()
    archived_tab.goto(base_url + "/notifications/?archived=1")
    for page in (home, inbox, archived_tab):
        live(page)
        badge(page, 4)
    rows = inbox.locator(".inbox-item")
    expect(rows).to_have_count(4)
    expect(home.locator(".toast[data-id]")).to_have_count(4)

    # Select two rows and archive them: gone from the inbox, their toasts gone from the
    # other tab, both badges down (archived messages are not unread).
    for message_id in ids[2:]:
        inbox.locator(f'.inbox-item[data-id="{message_id}"] .inbox-select').check()
    inbox.locator("#inbox-bulk").get_by_role("button", name="Archive").click()
    expect(rows).to_have_count(2)
    for message_id in ids[2:]:
        expect(home.locator(f'.toast[data-id="{message_id}"]')).to_have_count(0)
    for page in (home, inbox, archived_tab):
        badge(page, 2)

    # Delete one more from the inbox: the other tab's toast goes too.
    inbox.locator(f'.inbox-item[data-id="{ids[0]}"] .inbox-select').check()
    inbox.locator("#inbox-bulk").get_by_role("button", name="Delete").click()
    expect(rows).to_have_count(1)
    # A delete is sent once its Undo (a few seconds) has passed.
    expect(inbox.locator("#inbox-undo")).to_be_hidden(timeout=15_000)
    expect(home.locator(f'.toast[data-id="{ids[0]}"]')).to_have_count(0)
    for page in (home, inbox):
        badge(page, 1)

    # The Archived view lists the two; unarchiving one brings it back everywhere (a row
    # with its checkbox in the inbox, the badge), and the other tab's Archived view drops
    # it live.
    archived_tab.reload()
    live(archived_tab)
    archived_rows = archived_tab.locator(".inbox-item")
    expect(archived_rows).to_have_count(2)
    view = context.new_page()
    view.goto(base_url + "/notifications/?archived=1")
    live(view)
    view.locator(f'.inbox-item[data-id="{ids[3]}"] .inbox-select').check()
    view.locator("#inbox-bulk").get_by_role("button", name="Unarchive").click()
    expect(view.locator(".inbox-item")).to_have_count(1)
    expect(archived_rows).to_have_count(1)
    # (No toast asserted: it comes back quietly, `toast: false`, for clients that honour it.)
    expect(inbox.locator(f'.inbox-item[data-id="{ids[3]}"] .inbox-select')).to_have_count(1)
    for page in (home, inbox, archived_tab, view):
        badge(page, 2)
    context.close()
