"""The product as a person uses it: Chromium, real pages, a real server process."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, REPO
from tests.e2e.pages import SOCKET_URL, live, log_in
from tests.e2e.test_inbox_browser import notify

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "test-artifacts"


def test_toasts_across_tabs_and_users(browser, make_stack):
    stack = make_stack()
    stack.create_user("alice", PASSWORD)
    stack.create_user("bob", PASSWORD)
    base_url = f"http://127.0.0.1:{stack.start_server()}"

    alice, tab1 = log_in(browser, base_url, "alice")
    tab2 = alice.new_page()
    tab2.goto(base_url + "/")
    bob, bob_tab = log_in(browser, base_url, "bob")
    for page in (tab1, tab2, bob_tab):
        live(page)

    tab1.get_by_role("button", name="Send me a test notification").click()
    for page in (tab1, tab2):
        toast = page.locator(".toast")
        expect(toast).to_have_count(1)
        expect(toast).to_contain_text("Test notification: it works")
        expect(page.locator("#unread-badge")).to_have_text("1")
        expect(page).to_have_title("(1) Audio")
    expect(bob_tab.locator(".toast")).to_have_count(0)
    expect(bob_tab.locator("#unread-badge")).to_have_text("0")

    ARTIFACTS.mkdir(exist_ok=True)
    tab2.screenshot(path=str(Path(ARTIFACTS, "toast.png")))

    # Dismissing is keyboard-reachable: a real button with a label.
    dismiss = tab1.get_by_role("button", name="Dismiss notification")
    dismiss.focus()
    tab1.keyboard.press("Enter")
    for page in (tab1, tab2):
        expect(page.locator(".toast")).to_have_count(0)
        expect(page.locator("#unread-badge")).to_have_text("0")

    tab2.reload()
    live(tab2)
    expect(tab2.locator(".toast")).to_have_count(0)
    alice.close()
    bob.close()


def test_unread_messages_render_on_page_load_and_dismiss_over_http_when_offline(
    browser, make_stack
):
    stack = make_stack()
    stack.create_user("alice", PASSWORD)
    stack.manage("notify", "alice", "<b>not bold</b>", "--level", "warning")
    base_url = f"http://127.0.0.1:{stack.start_server()}"
    context, page = log_in(browser, base_url, "alice")
    toast = page.locator(".toast")
    expect(toast).to_have_count(1)
    expect(toast.locator(".toast-text")).to_have_text("<b>not bold</b>")  # text, never markup
    expect(toast.locator("b")).to_have_count(0)
    expect(toast).to_have_class("toast toast-warning")
    live(page)

    # WebSockets blocked (say, a proxy that drops upgrades): dismiss falls back to a
    # CSRF-protected POST.
    context.route_web_socket(SOCKET_URL, lambda ws: ws.close(code=1011))
    page.reload()
    expect(page.locator("#connection")).to_have_attribute("data-state", "offline")
    toast = page.locator(".toast")
    page.get_by_role("button", name="Dismiss notification").click()
    expect(toast).to_have_count(0)
    expect(page.locator("#unread-badge")).to_have_text("0")
    page.reload()
    expect(page.locator(".toast")).to_have_count(0)
    context.close()


def test_a_dropped_push_heals_from_the_unread_count(browser, make_stack):
    """Pushes are at most once: a tab that misses one notices from the next count."""
    stack = make_stack(extra_env={"NOTIFY_SERVICE_TOKEN": "e2e-service-token"})
    stack.create_user("alice", PASSWORD)
    base_url = f"http://127.0.0.1:{stack.start_server()}"
    context, page = log_in(browser, base_url, "alice")
    dropped = []

    def lossy(ws) -> None:
        server = ws.connect_to_server()

        def from_server(message: str) -> None:
            if '"type":"notification"' in message and not dropped:
                dropped.append(message)  # lost on the way, as a pub/sub push can be
                return
            ws.send(message)

        server.on_message(from_server)
        ws.on_message(lambda message: server.send(message))

    context.route_web_socket(SOCKET_URL, lossy)
    page.reload()
    live(page)
    send = page.get_by_role("button", name="Send me a test notification")
    send.click()
    for _ in range(100):
        if dropped:
            break
        page.wait_for_timeout(50)
    assert dropped, "the first push was not intercepted"
    expect(page.locator(".toast")).to_have_count(0)
    # Another message (the test button updates its one message in place).
    notify(base_url, "A second message")
    # The second push says 2 unread while the tab shows 1: it asks for a sync and heals.
    expect(page.locator(".toast")).to_have_count(2)
    expect(page.locator("#unread-badge")).to_have_text("2")
    context.close()


# Records each retry the client schedules from a socket's close handler, with the code.
RETRY_PROBE = """
(() => {
  window.__retries = [];
  let closing = null;
  const nativeTimeout = window.setTimeout;
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      // Registered before the client's own listener; cleared once every listener ran.
      this.addEventListener("close", (event) => {
        closing = event.code;
        nativeTimeout(() => { closing = null; }, 0);
      });
    }
  };
  window.setTimeout = (fn, delay, ...rest) => {
    if (closing !== null) window.__retries.push({ code: closing, delay });
    return nativeTimeout(fn, delay, ...rest);
  };
})();
"""


def test_a_refused_socket_backs_off_and_connects_once_there_is_room(browser, make_stack):
    """A browser over the per-user socket cap (4429) never gets the quick retry of a restart.

    Two browser contexts: the tabs of one browser share one socket (leader.js).
    """
    stack = make_stack(extra_env={"NOTIFICATIONS_MAX_SOCKETS_PER_USER": "1"})
    stack.create_user("alice", PASSWORD)
    base_url = f"http://127.0.0.1:{stack.start_server()}"
    # bypass_csp: wait_for_function evaluates its string in the page, which the CSP refuses.
    context, first = log_in(browser, base_url, "alice", bypass_csp=True)
    live(first)
    other, second = log_in(browser, base_url, "alice", bypass_csp=True)
    second.add_init_script(RETRY_PROBE)
    second.reload()
    second.wait_for_function(
        "window.__retries.filter((r) => r.code === 4429).length >= 3", timeout=30_000
    )
    refused = [r for r in second.evaluate("window.__retries") if r["code"] == 4429]
    assert all(r["delay"] != 250 for r in refused), refused
    expect(first.locator("#connection")).to_have_attribute("data-state", "live")

    first.close()
    second.wait_for_function(
        "document.querySelector('#connection').dataset.state === 'live'", timeout=30_000
    )
    context.close()
    other.close()
