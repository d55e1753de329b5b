"""The browser client's behaviour users reported (issues 11, 13): dismissals made offline,
order after a sync, long toasts, keyboard focus, hidden toasts, links that leave the site."""

import json

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import SOCKET_URL, live, log_in
from tests.e2e.test_inbox_browser import badge, notify, start

pytestmark = pytest.mark.browser
SIZES = [{"width": 1280, "height": 800}, {"width": 390, "height": 844}]


def visible_ids(page: Page) -> list[int]:
    return [
        int(i)
        for i in page.locator(".toast[data-id]:visible").evaluate_all(
            "(els) => els.map((el) => el.dataset.id)"
        )
    ]


def until(page: Page, predicate, what: str) -> None:
    """Wait for a condition on test-side state (Playwright's expect covers the page's)."""
    for _ in range(200):
        if predicate():
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"timed out waiting for {what}")


def switchable_socket(context, state: dict) -> list:
    """A socket route that refuses connections while state['blocked'], else passes through."""
    sockets: list = []

    def handler(ws) -> None:
        if state["blocked"]:
            ws.close(code=1011)
            return
        server = ws.connect_to_server()
        server.on_message(ws.send)
        ws.on_message(server.send)
        sockets.append(ws)

    context.route_web_socket(SOCKET_URL, handler)
    return sockets


def go_offline(page: Page, state: dict, sockets: list) -> None:
    state["blocked"] = True
    sockets[-1].close(code=1011)
    expect(page.locator("#connection")).to_have_attribute("data-state", "offline")


def test_a_dismiss_made_offline_is_sent_after_reconnect(browser, make_stack):
    base_url = start(make_stack)
    message = notify(base_url, "Disk almost full", level="warning")
    context, page = log_in(browser, base_url, "alice")
    state = {"blocked": False}
    sockets = switchable_socket(context, state)
    refused = []

    def read_api(route) -> None:
        if state["blocked"]:
            refused.append(route.request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    context.route("**/api/notifications/read/", read_api)
    # The network the test takes down: Chromium logs the failed fallback request.
    browser.expect_console("net::ERR_INTERNET_DISCONNECTED")
    page.reload()
    live(page)
    go_offline(page, state, sockets)

    page.get_by_role("button", name="Dismiss notification").click()
    expect(page.locator(f'.toast[data-id="{message}"]')).to_have_count(0)
    until(page, lambda: refused, "the HTTP fallback to fail too")

    state["blocked"] = False
    live(page)  # backoff reconnect: the queued ack goes over the new socket
    badge(page, 0)
    expect(page.locator(f'.toast[data-id="{message}"]')).to_have_count(0)
    page.reload()
    badge(page, 0)
    expect(page.locator(".toast[data-id]")).to_have_count(0)
    context.close()


def test_a_dismiss_the_server_refuses_for_good_is_shown_again_and_said(browser, make_stack):
    base_url = start(make_stack)
    message = notify(base_url, "Disk almost full", level="warning")
    context, page = log_in(browser, base_url, "alice")
    state = {"blocked": False}
    sockets = switchable_socket(context, state)
    context.route(
        "**/api/notifications/read/",
        lambda route: route.fulfill(status=403, content_type="application/json", body="{}"),
    )
    browser.expect_status(403, "/api/notifications/read/")  # the refusal under test
    page.reload()
    live(page)
    go_offline(page, state, sockets)

    page.get_by_role("button", name="Dismiss notification").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("could not be marked read")
    state["blocked"] = False
    live(page)
    expect(page.locator(f'.toast[data-id="{message}"]')).to_be_visible()
    badge(page, 1)
    context.close()


def test_newest_stays_on_top_after_a_sync_brings_a_missed_message(browser, make_stack, viewport):
    base_url = start(make_stack)
    older = [notify(base_url, f"Older {i}", level="success") for i in range(5)]
    context, page = log_in(browser, base_url, "alice")
    dropped: list[str] = []

    def lossy(ws) -> None:
        server = ws.connect_to_server()

        def from_server(message: str) -> None:
            if '"type":"notification"' in message and not dropped:
                dropped.append(message)  # lost on the way, as a pub/sub push can be
                return
            ws.send(message)

        server.on_message(from_server)
        ws.on_message(server.send)

    context.route_web_socket(SOCKET_URL, lossy)
    page.reload()
    live(page)
    missed = notify(base_url, "Missed while away", level="success")
    until(page, lambda: dropped, "the push to be dropped")
    newest = notify(base_url, "Newest", level="success")
    # The count disagrees, the tab resyncs: the missed one goes below the newest.
    badge(page, 7)
    expect(page.locator(".toast[data-id]")).to_have_count(7)
    shown = 2 if viewport["width"] < 500 else 5  # a phone shows two (data-narrow-limit)
    until(
        page,
        lambda: visible_ids(page) == [newest, missed, *older[::-1]][:shown],
        f"newest first, not {visible_ids(page)}",
    )
    expect(page.locator(".toast-more")).to_have_text(f"+{7 - shown} more in your inbox")
    context.close()


@pytest.mark.parametrize("size", SIZES, ids=["1280x800", "390x844"])
def test_a_long_toast_is_clamped_and_its_inbox_row_shows_it_all(browser, make_stack, size):
    base_url = start(make_stack)
    text = "Transcoding finished. " + "word " * 190
    message = notify(base_url, text, level="success")
    context, page = log_in(browser, base_url, "alice", viewport=size)
    live(page)
    toast = page.locator(f'.toast[data-id="{message}"]')
    box = toast.bounding_box()
    assert box and box["height"] < 0.3 * size["height"], box
    assert toast.evaluate("(el) => el.getBoundingClientRect().right") <= size["width"]
    full = toast.get_by_role("link", name="Show all")
    full.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base_url}/notifications/?show={message}#message-{message}")
    row = page.locator(f'.inbox-item[data-id="{message}"]')
    expect(row).to_be_focused()
    expect(row.locator(".inbox-text")).to_have_text(text)
    expect(row).to_be_in_viewport()
    context.close()


def test_keyboard_dismissals_move_focus_to_the_next_toast_and_escape_dismisses(browser, make_stack):
    base_url = start(make_stack)
    a, b, c = (notify(base_url, f"Done {i}", level="success") for i in range(3))
    context, page = log_in(browser, base_url, "alice")
    live(page)

    def dismiss_of(message: int):
        return page.locator(f'.toast[data-id="{message}"] .toast-dismiss')

    dismiss_of(c).focus()
    page.keyboard.press("Enter")
    expect(page.locator(f'.toast[data-id="{c}"]')).to_have_count(0)
    expect(dismiss_of(b)).to_be_focused()

    page.keyboard.press("Escape")
    expect(page.locator(f'.toast[data-id="{b}"]')).to_have_count(0)
    expect(dismiss_of(a)).to_be_focused()

    page.keyboard.press("Escape")
    expect(page.locator(".toast[data-id]")).to_have_count(0)
    expect(page.locator("a.unread")).to_be_focused()  # the inbox link: not <body>
    badge(page, 0)
    context.close()


def test_mark_read_from_the_keyboard_moves_focus_to_the_next_unread_row(browser, make_stack):
    base_url = start(make_stack)
    for i in range(3):
        notify(base_url, f"Row {i}")
    context, page = log_in(browser, base_url, "alice")
    page.goto(base_url + "/notifications/")
    live(page)
    rows = page.locator(".inbox-item")
    rows.first.get_by_role("button", name="Mark read").focus()
    page.keyboard.press("Enter")
    expect(rows.first).to_have_attribute("data-state", "read")
    expect(rows.nth(1).get_by_role("button", name="Mark read")).to_be_focused()
    page.keyboard.press("Enter")
    expect(rows.nth(2).get_by_role("button", name="Mark read")).to_be_focused()
    page.keyboard.press("Enter")
    # Nothing unread left: focus stays on the row, its button now "Mark unread".
    expect(rows.nth(2).get_by_role("button", name="Mark unread")).to_be_focused()
    badge(page, 0)
    context.close()


# Records, at the window's load event (after the client's first layout), whether each
# server-rendered toast showed: a toast that comes back and hides again would pass a
# later check.
LOAD_PROBE = """
window.addEventListener("load", () => {
  window.__shownAtLoad = [...document.querySelectorAll(".toast[data-id]")]
    .filter((el) => !el.hidden).map((el) => Number(el.dataset.id));
});
"""


def test_info_toasts_the_timer_hid_stay_hidden_on_later_page_loads(browser, make_stack):
    base_url = start(make_stack, NOTIFICATIONS_TOAST_HIDE_SECONDS="1")
    info = notify(base_url, "FYI")
    context, page = log_in(browser, base_url, "alice")
    context.add_init_script(LOAD_PROBE)
    live(page)
    page.bring_to_front()
    expect(page.locator(f'.toast[data-id="{info}"]')).to_be_hidden(timeout=10_000)
    badge(page, 1)  # hiding is not reading

    for target in (page, context.new_page()):
        target.goto(base_url + "/uploads/")
        live(target)
        assert target.evaluate("window.__shownAtLoad") == []
        badge(target, 1)
    context.close()


def rewrite_links(context, link: str) -> None:
    """Every frame carrying a message arrives with `link` (a server that let one through).

    `sync` too: a socket that opens after the notification was saved (a leader tab
    handing over) brings it in its unread set, not as a `notification` frame.
    """

    def handler(ws) -> None:
        server = ws.connect_to_server()

        def from_server(message: str) -> None:
            frame = json.loads(message)
            if frame.get("type") == "notification":
                frame["message"]["link"] = link
            for msg in frame.get("unread", []) if frame.get("type") == "sync" else []:
                msg["link"] = link
            ws.send(json.dumps(frame))

        server.on_message(from_server)
        ws.on_message(server.send)

    context.route_web_socket(SOCKET_URL, handler)


@pytest.mark.parametrize("link", ["/\t/evil.example", "/\n/evil.example", "/\\evil.example"])
def test_links_that_leave_the_site_are_not_rendered(browser, make_stack, link):
    base_url = start(make_stack)
    context, page = log_in(browser, base_url, "alice")
    rewrite_links(context, link)
    inbox = context.new_page()
    inbox.goto(base_url + "/notifications/")
    page.reload()
    live(page)
    live(inbox)
    notify(base_url, "Click me", level="success", link="/uploads/1/")
    toast = page.locator(".toast[data-id]")
    expect(toast).to_have_count(1)
    expect(toast.locator("a")).to_have_count(0)
    row = inbox.locator(".inbox-item")
    expect(row).to_have_count(1)
    expect(row.locator("a")).to_have_count(0)
    expect(row.locator(".inbox-text")).to_have_text("Click me")
    context.close()


def test_the_service_worker_loads_the_shared_link_check(browser, make_stack):
    """sw.js is a module worker importing links.js: it installs only if the import resolves."""
    base_url = start(make_stack)
    context, page = log_in(browser, base_url, "alice")
    page.goto(base_url + "/notifications/")
    state = page.evaluate(
        """async () => {
          const reg = await navigator.serviceWorker.register(
            document.getElementById("push-toggle").dataset.workerUrl, { type: "module" });
          const worker = reg.installing || reg.waiting || reg.active;
          if (worker.state !== "activated") {
            await new Promise((resolve) => worker.addEventListener("statechange", () => {
              if (worker.state === "activated" || worker.state === "redundant") resolve();
            }));
          }
          return worker.state;
        }"""
    )
    assert state == "activated"
    context.close()
