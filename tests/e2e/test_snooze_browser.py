"""Snooze from the inbox: the row's "Snooze" menu, the Snoozed view, and the wake-up that
toasts in every tab of two browsers (snooze/services.py, snooze/clock.py)."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.pages import live, log_in
from tests.e2e.test_inbox_browser import QUIET, badge, notify

pytestmark = pytest.mark.browser

# Each server's snooze clock on, looking every half second for snoozes ended elsewhere.
CLOCK = {"NOTIFICATIONS_SNOOZE_IN_PROCESS": "1", "NOTIFICATIONS_SNOOZE_CHECK_INTERVAL": "0.5"}


def start(make_stack):
    stack = make_stack(extra_env={**QUIET, **CLOCK})
    stack.create_user("alice", PASSWORD)
    return stack, f"http://127.0.0.1:{stack.start_server()}"


def end_snoozes_now(stack) -> None:
    """The clock moves on: every snooze ends now (the server's clock wakes them)."""
    stack.manage(
        "shell",
        "-c",
        "from django.utils import timezone; from notifications.models import Message; "
        "Message.objects.filter(snoozed_until__isnull=False).update(snoozed_until=timezone.now())",
    )


def test_snooze_a_row_for_an_hour_and_it_comes_back_live_in_every_tab(browser, make_stack):
    stack, base_url = start(make_stack)
    kept = notify(base_url, "Kept in the inbox")
    away = notify(base_url, "Call the bank later")
    context, home = log_in(browser, base_url, "alice")
    inbox = context.new_page()
    inbox.goto(base_url + "/notifications/")
    snoozed_view = context.new_page()
    snoozed_view.goto(base_url + "/notifications/?snoozed=1")
    other_context, other_home = log_in(browser, base_url, "alice")  # a second browser
    for page in (home, inbox, snoozed_view, other_home):
        live(page)
        badge(page, 2)
    for page in (home, other_home):
        expect(page.locator(f'.toast[data-id="{away}"]')).to_be_visible()
    expect(snoozed_view.get_by_text("Nothing snoozed")).to_be_visible()

    row = inbox.locator(f'.inbox-item[data-id="{away}"]')
    with browser.js_only(inbox):
        row.get_by_role("button", name="Snooze").click()
        expect(inbox.get_by_role("button", name="This evening")).to_be_visible()
        expect(inbox.get_by_role("button", name="Tomorrow 09:00")).to_be_visible()
        inbox.get_by_role("button", name="1 hour").click()
        expect(row).to_have_count(0)
    expect(inbox.locator(f'.inbox-item[data-id="{kept}"]')).to_be_visible()
    for page in (home, inbox, snoozed_view, other_home):
        badge(page, 1)  # out of the unread count everywhere
    for page in (home, other_home):
        expect(page.locator(f'.toast[data-id="{away}"]')).to_have_count(0)

    # The Snoozed view lists it (on its next load), with the time it comes back.
    snoozed_view.reload()
    live(snoozed_view)
    snoozed_row = snoozed_view.locator(f'.inbox-item[data-id="{away}"]')
    expect(snoozed_row).to_contain_text("Call the bank later")
    expect(snoozed_row.get_by_role("button", name="Unsnooze")).to_be_visible()
    expect(snoozed_view.locator(".inbox-item")).to_have_count(1)

    # Its time comes: the server's clock brings it back, live, unread, toasted in every
    # tab of both browsers; the inbox shows the row again and the Snoozed view drops it.
    end_snoozes_now(stack)
    for page in (home, other_home):
        expect(page.locator(f'.toast[data-id="{away}"]')).to_be_visible(timeout=15_000)
        expect(page.locator(f'.toast[data-id="{away}"]')).to_contain_text("Call the bank later")
    for page in (home, inbox, snoozed_view, other_home):
        badge(page, 2)
    expect(inbox.locator(f'.inbox-item[data-id="{away}"]')).to_have_attribute(
        "data-state", "unseen"
    )
    expect(snoozed_view.locator(".inbox-item")).to_have_count(0)
    other_context.close()
    context.close()


def test_snooze_until_a_chosen_time_and_unsnooze_from_the_snoozed_view(browser, make_stack):
    _, base_url = start(make_stack)
    message = notify(base_url, "Pick a time for me")
    context, inbox = log_in(browser, base_url, "alice")
    inbox.goto(base_url + "/notifications/")
    live(inbox)
    row = inbox.locator(f'.inbox-item[data-id="{message}"]')
    browser.expect_status(400, "/notifications/snooze/")
    with browser.js_only(inbox):
        row.get_by_role("button", name="Snooze").click()
        inbox.get_by_label("Date and time").fill("2099-01-01T09:00")  # past the longest
        inbox.get_by_role("button", name="Snooze until then").click()
        # Refused with the reason, in the menu; the row stays.
        expect(inbox.get_by_role("alert")).to_contain_text("within 366 days")
    expect(row).to_have_count(1)
    # This time tomorrow, as the browser's local "YYYY-MM-DDTHH:MM".
    tomorrow = inbox.evaluate(
        "() => { const d = new Date(Date.now() + 86400000);"
        " d.setMinutes(d.getMinutes() - d.getTimezoneOffset());"
        " return d.toISOString().slice(0, 16); }"
    )
    with browser.js_only(inbox):
        inbox.get_by_label("Date and time").fill(tomorrow)
        inbox.get_by_role("button", name="Snooze until then").click()
        expect(row).to_have_count(0)
    badge(inbox, 0)

    inbox.get_by_role("link", name="Snoozed").click()
    live(inbox)
    with browser.js_only(inbox):
        inbox.get_by_role("button", name="Unsnooze").click()
        expect(inbox.locator(".inbox-item")).to_have_count(0)
    badge(inbox, 1)
    inbox.get_by_role("link", name="All").click()
    expect(inbox.locator(f'.inbox-item[data-id="{message}"]')).to_be_visible()
    context.close()
