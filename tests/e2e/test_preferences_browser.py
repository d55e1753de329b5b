"""Preferences in Chromium: the settings page, do not disturb, and the email unsubscribe link.

The server is a real daphne process; the digest runs as `manage.py email_unread` with
Django's console backend, so the email it sends is read from that command's output.
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.pages import log_in
from tests.e2e.servers import free_port

pytestmark = pytest.mark.browser
VAPID_PUBLIC = (
    "BFRBplfyOEIKEMR4E2R6NQ1GetHqQoXFWlHwWnUKHnf7L7Cuz90ZUPKEJ-6jnXC--3FL0ybdM19BPlFyTYuUxN0"
)
VAPID_PRIVATE = "W4v9RGGfv1ut-mL8k4Qs3YeAL34sbfvoFz5ZKVJdNFc"


def test_preferences_page_do_not_disturb_and_one_click_unsubscribe(browser, make_stack):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    stack = make_stack(
        extra_env={
            "NOTIFICATIONS_EMAIL_DELAY_SECONDS": "0",
            "SITE_URL": base,
            "EMAIL_HOST": "",
            "EMAIL_BACKEND": "",
            # Web Push configured: its column shows (keys from `manage.py vapid_keys`).
            "WEBPUSH_VAPID_PUBLIC_KEY": VAPID_PUBLIC,
            "WEBPUSH_VAPID_PRIVATE_KEY": VAPID_PRIVATE,
            "WEBPUSH_VAPID_SUBJECT": "mailto:admin@example.com",
        }
    )
    stack.start_server(port)
    stack.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; get_user_model().objects"
        f".create_user('erin', email='erin@example.com', password={PASSWORD!r})",
    )
    context, page = log_in(browser, base, "erin", timezone_id="Asia/Tokyo")

    # From the inbox to the page; every box starts ticked.
    page.goto(f"{base}/notifications/")
    page.get_by_role("link", name="Notification preferences").click()
    expect(page.get_by_role("heading", name="Notification preferences")).to_be_visible()
    info_toast = page.get_by_label("Info: toast")
    expect(info_toast).to_be_checked()
    info_toast.uncheck()
    page.get_by_label("Error: Web Push").uncheck()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Preferences saved.")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Info: toast")).not_to_be_checked()
    expect(page.get_by_label("Error: Web Push")).not_to_be_checked()
    expect(page.get_by_label("Warning: toast")).to_be_checked()
    expect(page.get_by_label("Email me a digest")).to_be_checked()

    # "Until tomorrow" is 8:00 tomorrow in the browser's zone, sent by preferences.js.
    page.get_by_role("button", name="Until tomorrow").click()
    state = page.locator("#quiet-state")
    expect(state).to_contain_text("On, until")
    until = datetime.fromisoformat(state.locator("time").get_attribute("datetime"))
    assert until.astimezone(ZoneInfo("Asia/Tokyo")).hour == 8
    page.get_by_role("button", name="Turn off").click()
    expect(state).to_have_text("Off.")
    page.get_by_role("button", name="For 1 hour").click()
    expect(state).to_contain_text("On, until")
    page.get_by_role("button", name="Turn off").click()
    expect(state).to_have_text("Off.")

    # The digest, and its unsubscribe link opened with no session at all. No tab is open:
    # one would show the toast and mark it seen, and a seen message is never emailed.
    page.goto("about:blank")
    stack.manage("notify", "erin", "Your file talk.wav is ready")
    sent = stack.manage("email_unread")
    assert "Your file talk.wav is ready" in sent and "emailed 1 messages" in sent
    link = re.search(r"Stop these emails: (\S+)", sent).group(1)
    assert link.startswith(f"{base}/notifications/email/unsubscribe/")
    stranger = browser.new_context()
    other = stranger.new_page()
    other.goto(link)
    other.get_by_role("button", name="Unsubscribe").click()
    expect(other.locator("#unsubscribed")).to_be_visible()
    stranger.close()

    page.goto(f"{base}/notifications/preferences/")
    expect(page.get_by_label("Email me a digest")).not_to_be_checked()
    page.goto("about:blank")
    stack.manage("notify", "erin", "After unsubscribing")
    assert "emailed 0 messages" in stack.manage("email_unread")
    context.close()
