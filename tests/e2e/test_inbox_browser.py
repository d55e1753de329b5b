"""The inbox and toasts as a person uses them: Chromium, real pages, a real server."""

import json
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, REPO, require
from tests.e2e.pages import SOCKET_URL, live, log_in

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "test-artifacts"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
SERVICE_TOKEN = "e2e-service-token"
QUIET = {"NOTIFY_SERVICE_TOKEN": SERVICE_TOKEN, "NOTIFICATIONS_TOAST_HIDE_SECONDS": "0"}


def notify(base_url: str, text: str, *, level: str = "info", link: str = "") -> int:
    """Notify alice through the service API: fast enough to make a burst."""
    body = json.dumps({"user": "alice", "text": text, "level": level, "link": link}).encode()
    request = urllib.request.Request(
        f"{base_url}/api/notify/",
        data=body,
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["id"]


def start(make_stack, **env: str) -> str:
    stack = make_stack(extra_env={**QUIET, **env})
    stack.create_user("alice", PASSWORD)
    return f"http://127.0.0.1:{stack.start_server()}"


def badge(page: Page, count: int) -> None:
    expect(page.locator("#unread-badge")).to_have_text(str(count))


def test_inbox_live_rows_reads_and_the_badge_across_two_tabs(browser, make_stack):
    base_url = start(make_stack)
    for i in range(3):
        notify(base_url, f"Older {i}")
    context, home = log_in(browser, base_url, "alice")
    inbox = context.new_page()
    inbox.goto(base_url + "/notifications/")
    for page in (home, inbox):
        live(page)
        badge(page, 3)
    rows = inbox.locator(".inbox-item")
    expect(rows).to_have_count(3)
    expect(inbox).to_have_title("(3) Inbox")

    # A message that arrives while the inbox is open appears at the top, unread and new
    # (the inbox shows no toasts: they would cover its rows).
    home.get_by_role("button", name="Send me a test notification").click()
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("Test notification: it works")
    expect(rows.first).to_have_attribute("data-state", "unseen")
    expect(inbox.locator("#toasts")).to_be_hidden()
    for page in (home, inbox):
        badge(page, 4)

    # Read in the inbox: the toast goes from the other tab, both badges follow.
    newest_id = rows.first.get_attribute("data-id")
    rows.first.get_by_role("button", name="Mark read").click()
    expect(rows.first).to_have_attribute("data-state", "read")
    expect(home.locator(f'.toast[data-id="{newest_id}"]')).to_have_count(0)
    for page in (home, inbox):
        badge(page, 3)

    # Dismissed in the other tab: reflected in the inbox without a reload.
    second_id = rows.nth(1).get_attribute("data-id")
    home.locator(f'.toast[data-id="{second_id}"] .toast-dismiss').click()
    expect(rows.nth(1)).to_have_attribute("data-state", "read")
    badge(inbox, 2)

    # Mark all read over HTTP: the other tab hears `read` and clears.
    inbox.get_by_role("button", name="Mark all read").click()
    for page in (home, inbox):
        badge(page, 0)
    expect(home.locator(".toast")).to_have_count(0)
    expect(inbox.locator('.inbox-item[data-state="read"]')).to_have_count(4)
    expect(inbox).to_have_title("Inbox")

    # Mark unread: every tab shows it again.
    rows.nth(2).get_by_role("button", name="Mark unread").click()
    expect(rows.nth(2)).to_have_attribute("data-state", "seen")
    expect(home.locator(".toast")).to_have_count(1)
    for page in (home, inbox):
        badge(page, 1)

    inbox.reload()
    expect(inbox.locator('.inbox-item:not([data-state="read"])')).to_have_count(1)
    context.close()


def test_inbox_works_without_javascript(browser, make_stack):
    base_url = start(make_stack)
    notify(base_url, "Plain HTML")
    context, page = log_in(browser, base_url, "alice", java_script_enabled=False)
    page.goto(base_url + "/notifications/")
    row = page.locator(".inbox-item")
    expect(row).to_have_attribute("data-state", "unseen")
    row.get_by_role("button", name="Mark read").click()
    expect(page).to_have_url(base_url + "/notifications/")
    expect(row).to_have_attribute("data-state", "read")
    badge(page, 0)
    row.get_by_role("button", name="Mark unread").click()
    badge(page, 1)
    page.get_by_role("button", name="Mark all read").click()
    badge(page, 0)
    context.close()


def test_a_burst_becomes_one_summary_toast_and_the_inbox_keeps_every_row(browser, make_stack):
    base_url = start(make_stack, NOTIFICATIONS_BURST_COUNT="3", NOTIFICATIONS_BURST_WINDOW="5")
    context, page = log_in(browser, base_url, "alice")
    live(page)
    for i in range(5):
        notify(base_url, f"Burst {i}")
    summary = page.locator(".toast-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("5 new notifications")
    expect(summary.get_by_role("link", name="View in inbox")).to_have_attribute(
        "href", "/notifications/"
    )
    expect(page.locator(".toast[data-id]:visible")).to_have_count(0)
    badge(page, 5)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "toast-burst.png"), animations="disabled")

    inbox = context.new_page()
    inbox.goto(base_url + "/notifications/")
    expect(inbox.locator(".inbox-item")).to_have_count(5)

    page.bring_to_front()
    summary.get_by_role("button", name="Mark all 5 read").click()  # explicit: reads them all
    badge(page, 0)
    badge(inbox, 0)
    context.close()


def test_toast_limit_auto_hide_and_seen(browser, make_stack):
    base_url = start(
        make_stack, NOTIFICATIONS_TOAST_LIMIT="2", NOTIFICATIONS_TOAST_HIDE_SECONDS="1"
    )
    warning = notify(base_url, "Disk almost full", level="warning")
    for i in range(3):
        notify(base_url, f"Info {i}")
    context, page = log_in(browser, base_url, "alice")
    sockets = []

    def passthrough(ws) -> None:
        server = ws.connect_to_server()
        server.on_message(ws.send)
        ws.on_message(server.send)
        sockets.append(ws)

    context.route_web_socket(SOCKET_URL, passthrough)
    page.reload()
    live(page)
    page.bring_to_front()
    # Newest first, two at a time: the info toasts hide after a second each (unread
    # still), uncovering the rest, until only the warning is left.
    expect(page.locator(f'.toast[data-id="{warning}"]')).to_be_visible(timeout=10_000)
    expect(page.locator(".toast[data-id]:visible")).to_have_count(1)
    expect(page.locator(".toast-more")).to_be_hidden()
    badge(page, 4)  # hiding is not reading

    # A reconnect's sync restates the unread set; what the timer hid stays hidden.
    sockets[-1].close(code=1011)
    for _ in range(100):
        if len(sockets) == 2:
            break
        page.wait_for_timeout(50)
    assert len(sockets) == 2, "the client did not reconnect"
    live(page)
    page.wait_for_timeout(300)  # the sync is handled; a re-shown toast would hide at 1 s
    assert page.locator(".toast[data-id]:visible").count() == 1
    expect(page.locator(".toast[data-id]")).to_have_count(4)

    page.goto(base_url + "/notifications/")
    rows = page.locator(".inbox-item")
    expect(rows).to_have_count(4)
    # Every toast was shown in a focused tab, so none is "new" any more.
    expect(page.locator('.inbox-item[data-state="seen"]')).to_have_count(4)
    context.close()


def test_toasts_and_inbox_render(browser, make_stack):
    """Screenshots for people to look at; the test checks they are real images."""
    base_url = start(make_stack)
    notify(base_url, "a.wav is ready", level="success", link="/uploads/1/")
    notify(base_url, "Transcoding b.wav", level="info")
    notify(base_url, "c.wav is larger than the free plan allows", level="warning")
    notify(base_url, "d.wav could not be decoded", level="error", link="/uploads/4/")
    for i in range(3):
        notify(base_url, f"Weekly summary {i}")
    context, page = log_in(browser, base_url, "alice", viewport={"width": 1100, "height": 800})
    live(page)
    expect(page.locator(".toast[data-id]:visible")).to_have_count(5)
    expect(page.locator(".toast-more")).to_have_text("+2 more in your inbox")
    ARTIFACTS.mkdir(exist_ok=True)
    shots = [ARTIFACTS / "inbox-toasts.png", ARTIFACTS / "inbox-page.png"]
    page.screenshot(path=str(shots[0]), animations="disabled")
    page.goto(base_url + "/notifications/")
    live(page)
    page.locator(".inbox-item").nth(1).get_by_role("button", name="Mark read").click()
    expect(page.locator('.inbox-item[data-state="read"]')).to_have_count(1)
    page.screenshot(path=str(shots[1]), full_page=True, animations="disabled")
    for shot in shots:
        assert Path(shot).exists()
        assert shot.stat().st_size > 20_000, f"{shot} looks blank"
    context.close()


def test_home_and_inbox_have_no_serious_accessibility_violations(browser, make_stack):
    require(AXE.exists(), f"axe-core is not installed at {AXE} (run `npm ci` at the repo root)")
    base_url = start(make_stack)
    notify(base_url, "a.wav is ready", level="success", link="/uploads/1/")
    notify(base_url, "d.wav could not be decoded", level="error")
    read = notify(base_url, "An old one")
    # Reduced motion: no toast is caught half-faded in, which would skew the contrast.
    # bypass_csp: add_script_tag injects an inline script, which the page's CSP refuses.
    context, page = log_in(browser, base_url, "alice", reduced_motion="reduce", bypass_csp=True)
    live(page)
    problems = {}
    for path in ("/", "/notifications/"):
        page.goto(base_url + path)
        live(page)
        if path == "/notifications/":
            page.locator(f'.inbox-item[data-id="{read}"]').get_by_role(
                "button", name="Mark read"
            ).click()
            expect(page.locator('.inbox-item[data-state="read"]')).to_have_count(1)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("() => axe.run(document)")
        problems[path] = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]])
            for v in result["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
    assert problems == {"/": [], "/notifications/": []}
    context.close()


@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
def test_toasts_and_new_rows_only_animate_without_reduced_motion(browser, make_stack, motion):
    base_url = start(make_stack)
    notify(base_url, "Hello")
    context, page = log_in(browser, base_url, "alice", reduced_motion=motion)
    page.goto(base_url + "/notifications/")
    live(page)
    notify(base_url, "Arrives live")
    expect(page.locator(".inbox-item.is-new")).to_have_count(1)
    # The row and the toast (hidden on the inbox page) come from one frame but are drawn
    # apart: wait for both.
    expect(page.locator(".toast", has_text="Arrives live")).to_be_attached()
    animations = page.evaluate(
        "[...document.querySelectorAll('.toast, .inbox-item.is-new')]"
        ".map((el) => getComputedStyle(el).animationName)"
    )
    assert len(animations) >= 2
    if motion == "reduce":
        assert set(animations) == {"none"}
    else:
        assert set(animations) == {"toast-in"}
    context.close()
