"""What every browser test does: log in through the real form, wait for a live socket."""

import re

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.conftest import PASSWORD

# The notification socket's URL, for route_web_socket: pages add `?user=<id>` (the user
# the page was rendered for, consumers/binding.py), which a glob ending in "/" misses.
SOCKET_URL = re.compile(r"/ws/notifications/(\?|$)")


def log_in(
    browser: Browser, base_url: str, username: str, **context_options: object
) -> tuple[BrowserContext, Page]:
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=f"Hello, {username}")).to_be_visible()
    return context, page


def live(page: Page) -> Page:
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    return page
