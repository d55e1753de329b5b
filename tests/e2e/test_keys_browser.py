"""The inbox's keyboard shortcuts (static/notifications/inbox_keys.js): j/k move, x selects,
Shift+I reads, e archives, s opens the snooze menu, ? lists them; never while typing."""

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import live, log_in
from tests.e2e.test_inbox_browser import badge, notify, start

pytestmark = pytest.mark.browser


def test_shortcuts_act_on_the_current_row_and_never_while_typing(browser, make_stack):
    base_url = start(make_stack)
    ids = [notify(base_url, f"Message {i}") for i in range(4)]  # ids[3] is the newest
    context, inbox = log_in(browser, base_url, "alice")
    inbox.goto(base_url + "/notifications/")
    live(inbox)
    badge(inbox, 4)

    def row(i: int):
        return inbox.locator(f'.inbox-item[data-id="{ids[i]}"]')

    # `?` opens the list of shortcuts; Escape closes it.
    inbox.locator("body").press("?")
    dialog = inbox.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Snooze it")
    inbox.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    with browser.js_only(inbox):
        # j moves down from the top, k back up.
        inbox.keyboard.press("j")
        expect(row(3)).to_be_focused()
        inbox.keyboard.press("j")
        expect(row(2)).to_be_focused()
        inbox.keyboard.press("k")
        inbox.keyboard.press("j")
        expect(row(2)).to_be_focused()

        # Shift+I marks the current row read.
        inbox.keyboard.press("Shift+I")
        expect(row(2)).to_have_attribute("data-state", "read")
        badge(inbox, 3)

        # x selects; e archives the selection, and the keys go on from the next row.
        inbox.keyboard.press("x")
        expect(row(2).locator(".inbox-select")).to_be_checked()
        inbox.keyboard.press("j")
        inbox.keyboard.press("x")
        inbox.keyboard.press("e")
        expect(row(2)).to_have_count(0)
        expect(row(1)).to_have_count(0)
        badge(inbox, 2)

        # s opens the current row's snooze menu; "1 hour" snoozes it.
        inbox.keyboard.press("s")
        inbox.get_by_role("button", name="1 hour").click()
        expect(inbox.locator(".inbox-item")).to_have_count(1)
        badge(inbox, 1)

    # m presses the row's "Mute" button (threads add it to each row, in form.inbox-mute): a
    # stand-in here, labelled in Polish: the key finds it by its form, not by English text.
    inbox.evaluate(
        """() => { const f = document.createElement("form"); f.className = "inbox-mute";
        const b = document.createElement("button"); b.type = "button";
        b.textContent = "Wycisz"; b.addEventListener("click", () => { b.dataset.pressed = "1"; });
        f.append(b); document.querySelector(".inbox-item").append(f); }"""
    )
    inbox.keyboard.press("k")
    inbox.keyboard.press("m")
    expect(inbox.get_by_role("button", name="Wycisz", exact=True)).to_have_attribute(
        "data-pressed", "1"
    )

    # Typing in the search box types; no shortcut runs.
    box = inbox.get_by_role("searchbox", name="Search notifications")
    box.click()
    box.press_sequentially("jexs?")
    expect(box).to_have_value("jexs?")
    expect(dialog).to_be_hidden()
    expect(inbox.locator(".inbox-item")).to_have_count(1)
    badge(inbox, 1)
    context.close()
