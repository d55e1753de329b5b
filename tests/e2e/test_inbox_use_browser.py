"""The inbox in real use (issue 18): what a new user hit, at both sizes, on the JS path."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
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


def box(locator) -> dict:
    return locator.evaluate("(el) => el.getBoundingClientRect().toJSON()")


def apart(a: dict, b: dict) -> bool:
    return (
        a["right"] <= b["left"]
        or b["right"] <= a["left"]
        or a["bottom"] <= b["top"]
        or b["bottom"] <= a["top"]
    )


def test_every_row_can_be_selected_and_the_day_label_heads_its_row(browser, make_stack):
    base_url = start(make_stack)
    for i in range(4):
        notify(base_url, f"Row {i}")
    context, inbox = log_in(browser, base_url, "alice")
    inbox.goto(base_url + "/notifications/")
    live(inbox)
    rows = inbox.locator(".inbox-item")
    expect(rows).to_have_count(4)
    expect(rows.first).to_have_attribute("data-day", "Today")
    for i in range(4):
        row = rows.nth(i)
        select, toggle = box(row.locator(".inbox-select")), box(row.locator(".inbox-toggle button"))
        assert apart(select, toggle), (i, select, toggle)
        row.locator(".inbox-select").check(timeout=2000)  # a tap reaches the box itself
        expect(row).to_have_attribute("data-state", "unseen")
    # The day label sits above the first row's content, not under it.
    first, first_box = rows.first, box(rows.first)
    assert box(first.locator(".inbox-select"))["top"] - first_box["top"] > 20
    assert first_box["bottom"] - box(first.locator(".inbox-body"))["bottom"] < 20
    # The bulk toolbar holds one line.
    buttons = [box(b) for b in inbox.locator("#inbox-bulk > *:visible").all()]
    assert max(b["top"] for b in buttons) < min(b["bottom"] for b in buttons), buttons
    context.close()


DONE_FILES = """
from django.contrib.auth import get_user_model
from uploads.models import AudioFile
alice = get_user_model().objects.get(username="alice")
for i in range(3):
    AudioFile.objects.create(owner=alice, name=f"take-{i}.wav", original=f"audio/1/{i}/a.wav",
                             status="done", output=f"audio/1/{i}/a.mp3")
"""


def test_toasts_never_cover_the_pages_controls_and_a_phone_shows_two(browser, make_stack, viewport):
    stack = make_stack(extra_env={"NOTIFY_SERVICE_TOKEN": "e2e-service-token"})
    stack.create_user("alice", PASSWORD)
    stack.manage("shell", "-c", DONE_FILES)
    base_url = f"http://127.0.0.1:{stack.start_server()}"
    for i in range(5):
        notify(base_url, f"Your file take-{i}.wav is ready", level="success")
    context, page = log_in(browser, base_url, "alice")
    page.goto(base_url + "/uploads/")
    live(page)
    toasts = page.locator(".toasts > .toast:visible")
    phone = viewport["width"] < 500
    expect(toasts).to_have_count(2 if phone else 5)
    if phone:
        expect(page.locator(".toast-more")).to_contain_text("+3")
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    controls = page.locator("main a:visible, main button:visible").all()
    assert controls
    for toast in toasts.all():
        for control in controls:
            if phone and not control.is_visible():
                continue
            assert apart(box(toast), box(control)), (control.text_content(), box(control))
    context.close()


def test_a_second_browser_honours_preferences_and_do_not_disturb_from_its_first_sync(
    browser, make_stack
):
    base_url = start(make_stack)
    first, page = log_in(browser, base_url, "alice")
    page.goto(base_url + "/notifications/preferences/")
    page.get_by_label("Info: toast").uncheck()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Preferences saved.")).to_be_visible()
    page.get_by_role("button", name="For 1 hour").click()
    expect(page.locator("#quiet-state")).to_contain_text("On, until")
    page.goto(base_url + "/")
    live(page)
    notify(base_url, "An info the user turned off")
    notify(base_url, "An error held by do not disturb", level="error")
    badge(page, 2)
    expect(page.locator(".toast:visible")).to_have_count(0)

    # A browser that never saw the live frames: its page and its first sync say the same.
    second, other = log_in(browser, base_url, "alice")
    syncs: list[str] = []
    other.on(
        "websocket", lambda ws: ws.on("framereceived", lambda payload: syncs.append(str(payload)))
    )
    other.reload()
    live(other)
    badge(other, 2)
    other.wait_for_function("document.querySelectorAll('.toast[data-id]').length === 2")
    assert any('"type": "sync"' in s or '"type":"sync"' in s for s in syncs), syncs
    expect(other.locator(".toast:visible")).to_have_count(0)
    second.close()
    first.close()


def test_do_not_disturb_reads_forward_in_the_browsers_zone(browser, make_stack):
    base_url = start(make_stack)
    context, page = log_in(browser, base_url, "alice", timezone_id="Asia/Tokyo", locale="en-GB")
    page.goto(base_url + "/notifications/preferences/")
    state = page.locator("#quiet-state")
    page.get_by_role("button", name="For 1 hour").click()
    expect(state).to_contain_text(re.compile(r"On, until \d\d:\d\d \(in (59|60) min\)"))
    page.get_by_role("button", name="Until tomorrow").click()
    expect(state).to_contain_text("On, until 08:00 tomorrow")
    expect(state).not_to_contain_text("just now")
    context.close()


def test_send_me_a_test_notification_pending_one_toast_and_an_error_said(browser, make_stack):
    base_url = start(make_stack, NOTIFICATIONS_TOAST_HIDE_SECONDS="8")
    context, page = log_in(browser, base_url, "alice")
    live(page)
    button = page.get_by_role("button", name="Send me a test notification")
    held: list = []
    context.route("**/notifications/test/", lambda route: held.append(route))
    with browser.js_only(page):
        for _ in range(3):
            button.click(force=True)  # a user who clicks again while it is on its way
        expect(button).to_be_disabled()
        expect(button).to_have_attribute("aria-busy", "true")
        assert len(held) == 1, held
        held[0].continue_()
        toast = page.locator(".toast[data-id]")
        expect(toast).to_have_count(1)
        expect(button).to_be_enabled()
        button.click()
        expect(page.locator(".toast[data-id]")).to_have_count(1)  # updated in place
    # Not an info toast: it stays until dismissed (the README's "dismiss it in one tab").
    expect(toast).to_have_attribute("data-level", "success")
    # No server clock in the text: the time is shown in the browser's zone elsewhere.
    assert not re.search(r"\d\d:\d\d", toast.locator(".toast-text").inner_text())
    badge(page, 1)

    # A failed POST is said, and the button is usable again.
    context.unroute("**/notifications/test/")
    context.route("**/notifications/test/", lambda route: route.fulfill(status=503, body="busy"))
    browser.expect_status(503, "/notifications/test/")
    button.click()
    expect(page.locator("#send-test-status")).to_contain_text("could not be sent")
    expect(button).to_be_enabled()
    context.close()


def test_preferences_page_reads_calmly_and_do_not_disturb_shows_everywhere(
    browser, make_stack, viewport
):
    base_url = start(make_stack)  # Web Push is not configured here
    context, page = log_in(browser, base_url, "alice")
    if viewport["width"] < 500:  # two header lines at most: through the account page
        page.get_by_role("link", name="Account: alice").click()
        page.get_by_role("link", name="Notification preferences").click()
    else:
        page.get_by_role("link", name="Preferences").click()
    expect(page.get_by_role("heading", name="Notification preferences")).to_be_visible()
    # No Web Push column while Web Push is off; the caption reads left to right.
    expect(page.get_by_label("Info: Web Push")).to_have_count(0)
    caption = page.locator("table.preferences caption")
    assert caption.evaluate("(e) => getComputedStyle(e).textAlign") in ("left", "start")
    table_width = box(page.locator("table.preferences"))["width"]
    assert box(caption)["width"] >= table_width - 1
    # Email has its own section, saying where email goes and where to set it.
    email = page.get_by_role("region", name="Email")
    expect(email).to_contain_text("no email address")
    expect(email.get_by_role("link", name="account page")).to_be_visible()
    # The flash is a note, not a bullet.
    page.get_by_role("button", name="Save preferences").click()
    flash = page.get_by_text("Preferences saved.")
    expect(flash).to_be_visible()
    assert flash.evaluate("(e) => getComputedStyle(e).display") != "list-item"
    # Do not disturb on: every page says so in the header, linked to the preferences.
    page.get_by_role("button", name="For 1 hour").click()
    page.goto(base_url + "/uploads/")
    expect(page.locator("header #quiet-indicator")).to_contain_text("Do not disturb")
    context.close()


def test_show_all_keeps_the_newer_rows_and_the_burst_summary_says_its_levels(browser, make_stack):
    base_url = start(make_stack, NOTIFICATIONS_BURST_COUNT="3", NOTIFICATIONS_BURST_WINDOW="5")
    long = notify(base_url, "Transcoding finished. " + "word " * 190, level="success")
    context, page = log_in(browser, base_url, "alice")
    live(page)
    show_all = page.locator(f'.toast[data-id="{long}"]').get_by_role("link", name="Show all")
    href = show_all.get_attribute("href")
    # Four more arrive (on a phone they push the long one under "+N"); then it is opened.
    newer = [notify(base_url, f"Newer {i}") for i in range(4)]
    page.goto(base_url + href)
    expect(page.locator(f'.inbox-item[data-id="{long}"]')).to_be_focused()
    for message in newer:  # the messages that came after it are still above it
        expect(page.locator(f'.inbox-item[data-id="{message}"]')).to_have_count(1)

    page.goto(base_url + "/")
    live(page)
    page.locator(".toast[data-id]").first.wait_for()
    for i in range(30):
        notify(base_url, f"Burst {i}", level="error" if i % 4 == 0 else "info")
    summary = page.locator(".toast-summary")
    expect(summary).to_contain_text("30 new notifications")
    expect(summary).to_have_attribute("data-level", "error")
    expect(summary).to_contain_text("8 errors")
    expect(summary).to_contain_text("22 info")
    # The close button closes the summary; the messages stay unread. Reading them is its own button.
    summary.get_by_role("button", name="Close this summary").click()
    expect(summary).to_have_count(0)
    badge(page, 35)
    page.reload()
    live(page)
    expect(page.locator(".toast-summary")).to_have_count(0)
    context.close()


def test_select_all_count_delete_with_undo_and_unread_only_follows_mark_all(browser, make_stack):
    base_url = start(make_stack)
    ids = [notify(base_url, f"Message {i}") for i in range(4)]
    context, inbox = log_in(browser, base_url, "alice")
    inbox.goto(base_url + "/notifications/")
    live(inbox)
    other_context, other = log_in(browser, base_url, "alice")  # another browser
    other.goto(base_url + "/notifications/")
    live(other)
    rows = inbox.locator(".inbox-item")
    actions = inbox.locator("#inbox-bulk-actions")
    count = inbox.locator("#inbox-selected")
    posts: list[str] = []
    inbox.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    with browser.js_only(inbox):
        expect(actions).to_be_hidden()  # nothing selected: no actions
        inbox.locator(f'.inbox-item[data-id="{ids[0]}"] .inbox-select').check()
        expect(count).to_have_text("1 selected")
        expect(actions).to_be_visible()
        inbox.get_by_label("Select all").check()
        expect(count).to_have_text("4 selected")
        inbox.get_by_label("Select all").uncheck()
        expect(actions).to_be_hidden()

        # Delete: the rows go at once, and an Undo is offered for a few seconds.
        for message_id in ids[2:]:
            inbox.locator(f'.inbox-item[data-id="{message_id}"] .inbox-select').check()
        expect(count).to_have_text("2 selected")
        actions.get_by_role("button", name="Delete").click()
        expect(rows).to_have_count(2)
        undo = inbox.locator("#inbox-undo")
        expect(undo).to_contain_text("2 deleted")
        undo.get_by_role("button", name="Undo").click()
        expect(rows).to_have_count(4)
        assert not [u for u in posts if u.endswith("/bulk/")], posts

        inbox.locator(f'.inbox-item[data-id="{ids[3]}"] .inbox-select').check()
        actions.get_by_role("button", name="Delete").click()
        expect(rows).to_have_count(3)
        expect(other.locator(f'.inbox-item[data-id="{ids[3]}"]')).to_have_count(0, timeout=15000)
        expect(undo).to_be_hidden()
    badge(inbox, 3)

    # Unread only, then Mark all read: the rows leave the view at once.
    inbox.goto(base_url + "/notifications/?unread=1")
    live(inbox)
    expect(rows).to_have_count(3)
    with browser.js_only(inbox):
        inbox.get_by_role("button", name="Mark all read").click()
        expect(rows).to_have_count(0)
        expect(inbox.get_by_text("You are all caught up")).to_be_visible()
    # An empty inbox has no selection bar.
    expect(inbox.locator("#inbox-bulk")).to_be_hidden()
    other_context.close()
    context.close()


def test_modules_load_at_once_and_an_upload_shows_progress_and_local_time(
    browser, make_stack, tmp_path
):
    from tests.uploads.samples import wav_bytes

    base_url = start(make_stack)
    context, page = log_in(browser, base_url, "alice")
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    initiators: dict[str, str] = {}

    def sent(event) -> None:
        url = event["request"]["url"]
        if "/static/notifications/" in url and url.endswith(".js"):
            initiators.setdefault(url.rsplit("/", 1)[1], event["initiator"]["type"])

    cdp.on("Network.requestWillBeSent", sent)
    page.reload()
    live(page)
    # Every module was asked for by the page itself (modulepreload), none found only when
    # its importer arrived: no import waterfall on a slow network.
    assert {"client.js", "leader.js", "socket.js", "backoff.js"} <= set(initiators), initiators
    assert {name: kind for name, kind in initiators.items() if kind == "script"} == {}

    song = tmp_path / "song.wav"
    song.write_bytes(wav_bytes(seconds=1.0))
    page.goto(base_url + "/uploads/new/")
    held: list = []
    page.route("**/uploads/new/", lambda route: held.append(route))
    page.locator("#upload-form input[type=file]").set_input_files(str(song))
    button = page.locator("#upload-form button[type=submit]")
    button.click()
    expect(page.locator("#upload-progress")).to_be_visible()
    expect(button).to_be_disabled()
    assert len(held) == 1
    held[0].continue_()
    expect(page).to_have_url(base_url + "/uploads/")
    # "Uploaded" reads relative from the first render: never a raw timestamp.
    html = context.request.get(base_url + "/uploads/").text()
    assert re.search(r"<time datetime=[^>]*>\d+\D+ ago</time>", html), html
    assert not re.search(r">\d{4}-\d\d-\d\d \d\d:\d\d</time>", html)
    expect(page.locator(".file-row time")).to_have_text(re.compile(r"just now|ago"))
    context.close()


def test_screen_readers_hear_which_message_each_control_is_for(browser, make_stack):
    base_url = start(make_stack)
    notify(base_url, "Disk almost full", level="error", link="/uploads/")
    notify(base_url, "Your file take.wav is ready", level="success", link="/uploads/")
    context, page = log_in(browser, base_url, "alice")
    live(page)
    # A skip link first, to the toasts.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to notifications")
    expect(skip).to_be_focused()
    error = page.locator('.toast[data-level="error"]')
    expect(error).to_have_attribute("role", "alert")  # errors only
    expect(page.locator('.toast[data-level="success"]')).to_have_attribute("role", "status")
    expect(error.get_by_role("link", name="Open: Disk almost full")).to_be_visible()
    expect(
        error.get_by_role("button", name="Dismiss notification: Disk almost full")
    ).to_be_visible()

    page.goto(base_url + "/notifications/")
    live(page)
    first = page.locator(".inbox-item").first
    expect(
        first.get_by_role("button", name="Mark read: Your file take.wav is ready")
    ).to_be_visible()
    expect(first).to_have_attribute("data-day", "Today")
    assert "Today" not in first.aria_snapshot()  # the day label is not read as the row's
    context.close()


def test_offline_a_dismiss_updates_the_badge_and_the_other_tab_and_retry_now_reconnects(
    browser, make_stack
):
    from tests.e2e.test_client_browser import go_offline, switchable_socket

    base_url = start(make_stack)
    first = notify(base_url, "Disk almost full", level="warning")
    notify(base_url, "Another one", level="warning")
    context, page = log_in(browser, base_url, "alice")
    state = {"blocked": False}
    sockets = switchable_socket(context, state)
    # While offline the HTTP fallback fails too (the test takes the network down).
    context.route(
        "**/api/notifications/read/",
        lambda route: (
            route.abort("internetdisconnected") if state["blocked"] else route.continue_()
        ),
    )
    browser.expect_console("net::ERR_INTERNET_DISCONNECTED")
    browser.expect_console("WebSocket connection to")
    page.reload()
    other = context.new_page()
    other.goto(base_url + "/")
    for tab in (page, other):
        live(tab)
        badge(tab, 2)
    go_offline(page, state, sockets)
    expect(other.locator("#connection")).to_have_attribute("data-state", "offline")

    page.locator(f'.toast[data-id="{first}"] .toast-dismiss').click()
    for tab in (page, other):
        expect(tab.locator(f'.toast[data-id="{first}"]')).to_have_count(0)
        badge(tab, 1)

    # "Retry now" once the server answers again: live without waiting out the backoff.
    retry = page.locator("#connection").get_by_role("button", name="Retry now")
    expect(retry).to_be_visible()
    state["blocked"] = False
    page.bring_to_front()
    retry.click()
    expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=3000)
    for tab in (page, other):
        badge(tab, 1)
    context.close()
