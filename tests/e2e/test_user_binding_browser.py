"""A tab never shows another user's notifications (issue #19 item 5).

Alice's tab loses its socket; meanwhile, in another tab of the same browser, she logs out
and Bob logs in. When her tab reconnects, the cookie is Bob's: the server closes the
socket with 4409 (the page names Alice) and the tab reloads, as Bob's page.
"""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.pages import live, log_in
from tests.e2e.test_client_browser import switchable_socket
from tests.e2e.test_shared_socket_browser import notify, start

pytestmark = pytest.mark.browser


def test_a_stale_tab_of_alice_never_shows_bobs_notifications(browser, make_stack, viewport):
    base_url = start(make_stack, "alice", "bob")
    context, alice_tab = log_in(browser, base_url, "alice", viewport=viewport)
    errors: list[str] = []
    alice_tab.on("pageerror", lambda exc: errors.append(str(exc)))
    alice_tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    state = {"blocked": False}
    sockets = switchable_socket(context, state)
    alice_tab.reload()
    live(alice_tab)
    alice_id = alice_tab.locator("#toasts").get_attribute("data-user")
    # Any toast of Bob's text in a page rendered for Alice is the leak.
    shown_as_alice: list[str] = []
    alice_tab.expose_function("reportLeak", lambda text: shown_as_alice.append(text))
    leak_check = """new MutationObserver(() => {
        const toasts = document.querySelector("#toasts");
        if (toasts && toasts.dataset.user === ALICE
            && document.body.innerText.includes("For Bob only")) window.reportLeak(ALICE);
      }).observe(document, {subtree: true, childList: true});"""
    alice_tab.add_init_script(leak_check.replace("ALICE", f'"{alice_id}"'))
    alice_tab.reload()  # the observer from the first load on
    live(alice_tab)

    # Her tab's socket drops and stays down (a flaky network).
    state["blocked"] = True
    sockets[-1].close(code=1011)
    expect(alice_tab.locator("#connection")).to_have_attribute("data-state", "offline")

    # Another tab: log out, log in as Bob; Bob has a notification.
    other = context.new_page()
    other.goto(base_url + "/")
    other.get_by_role("button", name="Log out").click()
    other.goto(f"{base_url}/accounts/login/")
    other.get_by_label("Username").fill("bob")
    other.get_by_label("Password").fill(PASSWORD)
    other.get_by_role("button", name="Log in").click()
    expect(other.get_by_role("heading", name="Hello, bob")).to_be_visible()
    notify(base_url, "bob", "For Bob only")

    # The network is back: Alice's tab reconnects with Bob's cookie, is refused, reloads.
    state["blocked"] = False
    expect(alice_tab.get_by_role("heading", name="Hello, bob")).to_be_visible(timeout=15_000)
    assert alice_tab.locator("#toasts").get_attribute("data-user") != alice_id
    assert shown_as_alice == []
    assert errors == []
    context.close()
