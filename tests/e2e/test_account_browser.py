"""The account page (issue 18.6): an email confirmed by a link, so the digest can reach the
user; password change; language and time zone kept for the user; linked from the nav."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.e2e.pages import log_in
from tests.e2e.servers import free_port

pytestmark = pytest.mark.browser
NEW_PASSWORD = "a-new-and-longer-passphrase"


def test_account_page_email_link_password_language_and_time_zone(browser, make_stack, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    outbox = tmp_path / "mail"
    stack = make_stack(
        extra_env={
            "SITE_URL": base,
            "NOTIFICATIONS_EMAIL_DELAY_SECONDS": "0",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(outbox),
        }
    )
    stack.create_user("erin", PASSWORD)
    stack.start_server(port)
    context, page = log_in(browser, base, "erin")

    # From the nav; no address yet, so the digest has nowhere to go.
    page.get_by_role("link", name="Account: erin").click()
    expect(page.get_by_role("heading", name="Account", exact=True)).to_be_visible()
    expect(page.locator("#email-state")).to_contain_text("No email address yet")
    page.get_by_label("Email address").fill("erin@example.com")
    page.get_by_role("button", name="Send confirmation link").click()
    expect(page.get_by_text("We sent a confirmation link to erin@example.com.")).to_be_visible()
    expect(page.locator("#email-state")).to_contain_text("No email address yet")

    sent = "\n".join(p.read_text() for p in outbox.iterdir())
    assert "To: erin@example.com" in sent
    link = re.search(rf"{re.escape(base)}/accounts/email/confirm/\S+/", sent).group(0)
    # Opened in another browser (a phone's mail app), with no session.
    other = browser.new_context()
    confirm = other.new_page()
    confirm.goto(link)
    confirm.get_by_role("button", name="Confirm this address").click()
    expect(confirm.locator("#email-confirmed")).to_contain_text("erin@example.com")
    other.close()
    page.reload()
    expect(page.locator("#email-state")).to_contain_text("erin@example.com")

    # Now the digest reaches the address (no tab open: a toast seen is never emailed).
    page.goto("about:blank")
    stack.manage("notify", "erin", "Your file talk.wav is ready")
    assert "emailed 1 messages" in stack.manage("email_unread")
    page.goto(f"{base}/accounts/")

    # Language and time zone are kept.
    page.get_by_label("Language", exact=True).select_option("en")
    page.get_by_label("Time zone", exact=True).select_option("Asia/Tokyo")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    page.reload()
    expect(page.get_by_label("Language", exact=True)).to_have_value("en")
    expect(page.get_by_label("Time zone", exact=True)).to_have_value("Asia/Tokyo")

    # Password change; the new one logs in.
    page.get_by_role("link", name="Change your password").click()
    page.get_by_label("Old password").fill(PASSWORD)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Password changed.")).to_be_visible()
    fresh = browser.new_context()
    login = fresh.new_page()
    login.goto(f"{base}/accounts/login/")
    login.get_by_label("Username").fill("erin")
    login.get_by_label("Password").fill(NEW_PASSWORD)
    login.get_by_role("button", name="Log in").click()
    expect(login.get_by_role("heading", name="Hello, erin")).to_be_visible()
    fresh.close()
    context.close()
