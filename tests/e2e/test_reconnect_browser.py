"""A server back while the client sleeps a long backoff (issue 18 item 11): the leader
tab notices within seconds (static/notifications/probe.js), not at the backoff's retry."""

import time

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.pages import live, log_in
from tests.e2e.test_inbox_browser import QUIET

pytestmark = pytest.mark.browser

# Every random draw of the page at 0.95: the backoff's waits are then 0.95, 1.9, 3.8, 7.6
# and 15.2 s, so after the fourth failed retry the client sleeps 15 s, as it may by chance.
LATE_DRAWS = "Math.random = () => 0.95;"


def test_a_server_back_during_a_long_backoff_is_live_again_within_seconds(browser, make_stack):
    stack = make_stack(extra_env=QUIET)
    stack.create_user("alice", PASSWORD)
    port = stack.start_server()
    base_url = f"http://127.0.0.1:{port}"
    context, page = log_in(browser, base_url, "alice")
    context.add_init_script(LATE_DRAWS)
    page.reload()
    other = context.new_page()
    other.goto(base_url + "/")
    for tab in (page, other):
        live(tab)

    failed_sockets: list[float] = []
    probes: list = []
    # The server is down on purpose: Chromium logs each refused socket and probe.
    browser.expect_console("WebSocket connection to")
    browser.expect_console("ERR_CONNECTION_REFUSED")
    context.on(
        "console",
        lambda m: "WebSocket connection to" in m.text and failed_sockets.append(time.monotonic()),
    )
    context.on("request", lambda r: "/ping" in r.url and probes.append(r.frame.page))

    stack.kill_server(port)
    stack.process_of(port).wait(timeout=10)
    for tab in (page, other):
        expect(tab.locator("#connection")).to_have_attribute("data-state", "offline")
    # Four refused retries (0.95 + 1.9 + 3.8 + 7.6 s): the client now waits 15.2 s more.
    deadline = time.monotonic() + 40
    while len(failed_sockets) < 4:
        assert time.monotonic() < deadline, failed_sockets
        page.wait_for_timeout(200)
    assert stack.start_server(port=port) == port
    answering = time.monotonic()
    for tab in (page, other):
        expect(tab.locator("#connection")).to_have_attribute("data-state", "live", timeout=8000)
    back_after = time.monotonic() - answering
    assert back_after < 4.5, f"live {back_after:.1f} s after the server answered"
    # One browser, one prober: the leader tab, whose socket it is.
    assert probes and len(set(probes)) == 1, probes
    context.close()
