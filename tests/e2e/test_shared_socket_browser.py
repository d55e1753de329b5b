"""One socket per browser (issue 14): the tabs of one user share the leader tab's socket.

Sockets are counted where they cost: the server's `notifications_open_sockets` gauge on
/metrics (one daphne process), and the WebSockets each page opened (Playwright's events).
Also quiet notifications (`"toast": false`) as a user with preferences sees them.
"""

import json
import re
import urllib.request

import pytest
from playwright.sync_api import Page, WebSocket, expect

from tests.conftest import PASSWORD
from tests.e2e.pages import live, log_in
from tests.e2e.test_client_browser import switchable_socket, until
from tests.e2e.test_inbox_browser import QUIET, SERVICE_TOKEN, badge

pytestmark = pytest.mark.browser
METRICS_TOKEN = "e2e-metrics-token"


def start(make_stack, *users: str) -> str:
    stack = make_stack(extra_env={**QUIET, "METRICS_TOKEN": METRICS_TOKEN})
    for user in users:
        stack.create_user(user, PASSWORD)
    return f"http://127.0.0.1:{stack.start_server()}"


def notify(base_url: str, user: str, text: str, *, level: str = "success") -> int:
    body = json.dumps({"user": user, "text": text, "level": level}).encode()
    request = urllib.request.Request(
        f"{base_url}/api/notify/",
        data=body,
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["id"]


def open_sockets(base_url: str) -> int:
    """The server's count of open notification sockets (its only process)."""
    request = urllib.request.Request(
        f"{base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    return int(float(re.search(r"^notifications_open_sockets (\S+)$", text, re.M).group(1)))


def watch_sockets(page: Page) -> list[WebSocket]:
    """The WebSockets this page opens from now on."""
    opened: list[WebSocket] = []
    page.on("websocket", lambda ws: opened.append(ws))
    return opened


def toast(page: Page, message: int):
    return page.locator(f'.toast[data-id="{message}"]')


def three_tabs(browser, base_url: str):
    """Three tabs of one browser context; the first (loaded first) leads."""
    context, first = log_in(browser, base_url, "alice")
    live(first)  # its socket is open before counting starts (the reload closes it)
    tabs = [first, context.new_page(), context.new_page()]
    opened = [watch_sockets(page) for page in tabs]
    first.reload()
    live(first)
    for page in tabs[1:]:
        page.goto(base_url + "/")
        live(page)
    return context, tabs, opened


def test_three_tabs_share_one_socket_and_the_next_tab_takes_over(browser, make_stack):
    base_url = start(make_stack, "alice")
    context, tabs, opened = three_tabs(browser, base_url)
    until(tabs[0], lambda: open_sockets(base_url) == 1, "one socket on the server")
    assert [len(o) for o in opened] == [1, 0, 0]

    # A notification reaches all three tabs; a dismiss in a follower removes it from all.
    message = notify(base_url, "alice", "Backup finished")
    for page in tabs:
        expect(toast(page, message)).to_be_visible()
        badge(page, 1)
    tabs[1].locator(f'.toast[data-id="{message}"] .toast-dismiss').click()
    for page in tabs:
        expect(toast(page, message)).to_have_count(0)
        badge(page, 0)
    assert open_sockets(base_url) == 1
    assert [len(o) for o in opened] == [1, 0, 0]

    # The leader closes: one of the others opens the one new socket, both stay live.
    leader = tabs.pop(0)
    leader.close()
    until(tabs[0], lambda: len(opened[1]) + len(opened[2]) == 1, "a new leader's socket")
    for page in tabs:
        live(page)
    until(tabs[0], lambda: open_sockets(base_url) == 1, "the old socket to close")
    after = notify(base_url, "alice", "After the hand-over")
    for page in tabs:
        expect(toast(page, after)).to_be_visible()
        badge(page, 1)
    # Whichever leads now, a dismiss in the other tab still goes through it.
    follower = tabs[0] if opened[2] else tabs[1]
    follower.locator(f'.toast[data-id="{after}"] .toast-dismiss').click()
    for page in tabs:
        expect(toast(page, after)).to_have_count(0)
        badge(page, 0)
    assert open_sockets(base_url) == 1
    assert len(opened[1]) + len(opened[2]) == 1
    context.close()


def test_a_notification_sent_during_the_hand_over_reaches_every_tab(browser, make_stack):
    base_url = start(make_stack, "alice")
    context, first = log_in(browser, base_url, "alice")
    live(first)  # its socket is open before routing starts (the reload closes it)
    state = {"blocked": False}
    routed = switchable_socket(context, state)
    # While refused, the server does not answer its probe either, as during a restart: a
    # refusal while /ping answers is a proxy's (fallback.js), and would move the new leader
    # onto the event stream instead of the socket this test follows.
    browser.expect_status(503, "/ping")
    context.route(
        "**/ping",
        lambda route: route.fulfill(status=503) if state["blocked"] else route.continue_(),
    )
    tabs = [first, context.new_page(), context.new_page()]
    first.reload()
    live(first)
    for page in tabs[1:]:
        page.goto(base_url + "/")
        live(page)
    assert len(routed) == 1

    # The next leader's socket is refused until the message exists: it is created while
    # no tab of this browser has a socket at all, so no push can reach any of them.
    state["blocked"] = True
    tabs.pop(0).close()
    for page in tabs:
        expect(page.locator("#connection")).to_have_attribute("data-state", "offline")
    until(tabs[0], lambda: open_sockets(base_url) == 0, "no socket on the server")
    message = notify(base_url, "alice", "Sent during the hand-over")
    state["blocked"] = False
    for page in tabs:
        # The new leader's backoff decides when; its sync reaches both tabs.
        expect(page.locator("#connection")).to_have_attribute("data-state", "live", timeout=20000)
        expect(toast(page, message)).to_be_visible()
        badge(page, 1)
    assert len(routed) == 2
    until(tabs[0], lambda: open_sockets(base_url) == 1, "one socket on the server")
    context.close()


def test_each_user_gets_their_own_socket_and_only_their_frames(browser, make_stack):
    base_url = start(make_stack, "alice", "bob")
    alice_context, alice = log_in(browser, base_url, "alice")
    bob_context, bob = log_in(browser, base_url, "bob")
    bob_frames: list[str] = []
    bob.on("websocket", lambda ws: ws.on("framereceived", lambda f: bob_frames.append(f)))
    bob.reload()
    live(alice)
    live(bob)
    until(alice, lambda: open_sockets(base_url) == 2, "a socket per user")

    for_alice = notify(base_url, "alice", "For alice only")
    expect(toast(alice, for_alice)).to_be_visible()
    for_bob = notify(base_url, "bob", "For bob")
    expect(toast(bob, for_bob)).to_be_visible()
    badge(alice, 1)
    badge(bob, 1)
    expect(toast(bob, for_alice)).to_have_count(0)
    expect(toast(alice, for_bob)).to_have_count(0)
    assert any("For bob" in frame for frame in bob_frames)
    assert not any("For alice only" in frame for frame in bob_frames)
    alice_context.close()
    bob_context.close()


def test_a_quiet_notification_counts_but_never_toasts_in_any_tab_or_after_a_reload(
    browser, make_stack
):
    base_url = start(make_stack, "alice")
    context, page = log_in(browser, base_url, "alice")
    page.goto(f"{base_url}/notifications/preferences/")
    page.get_by_label("Info: toast").uncheck()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Preferences saved.")).to_be_visible()
    page.goto(base_url + "/")
    other = context.new_page()
    other.goto(base_url + "/")
    for tab in (page, other):
        live(tab)  # the first leads, the other gets the frames relayed

    quiet = notify(base_url, "alice", "Nightly report", level="info")
    loud = notify(base_url, "alice", "Disk almost full", level="warning")
    for tab in (page, other):
        expect(toast(tab, loud)).to_be_visible()
        badge(tab, 2)
        expect(toast(tab, quiet)).to_be_hidden()
    page.reload()
    live(page)
    badge(page, 2)
    expect(toast(page, loud)).to_be_visible()
    expect(toast(page, quiet)).to_be_hidden()
    page.goto(f"{base_url}/notifications/")
    expect(page.locator(f'.inbox-item[data-id="{quiet}"]')).to_contain_text("Nightly report")
    context.close()
