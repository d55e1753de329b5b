"""Pages hold their shape for a new user: 1280x800 and 390x844, light and dark.

No horizontal overflow with long names, toasts never over the nav's links, nothing
shifting when the connection drops, no CSP violation, axe-core clean, and screenshots
of each page in test-artifacts/look/ to look at.
"""

import json
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, REPO, require
from tests.e2e.pages import live, log_in

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "test-artifacts" / "look"
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
TOKEN = "e2e-look-token"
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# Uploads keep names to 200 characters (uploads/services.py); this one is close to it.
LONG_NAME = ("Quarterly all-hands recording " * 9)[:150] + '"final" ' + "x" * 32 + ".wav"
LONG_WORD = "Supercalifragilistic" * 9  # 180 characters: AudioFile.error holds 200
FILES = f"""
from django.contrib.auth import get_user_model
from uploads.models import AudioFile
alice = get_user_model().objects.get(username="alice")
AudioFile.objects.create(owner=alice, name={LONG_NAME!r}, original="audio/1/a/a.wav",
                         status="done", output="audio/1/a/a.mp3")
AudioFile.objects.create(owner=alice, name={LONG_WORD!r}, original="audio/1/b/b.wav",
                         status="failed", error="ffmpeg: " + {LONG_WORD!r})
AudioFile.objects.create(owner=alice, name="interview.m4a", original="audio/1/c/c.m4a",
                         status="processing", progress=40)
"""


def notify(base_url: str, text: str, level: str = "info", link: str = "") -> int:
    body = json.dumps({"user": "alice", "text": text, "level": level, "link": link}).encode()
    request = urllib.request.Request(
        f"{base_url}/api/notify/",
        data=body,
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["id"]


@pytest.fixture(scope="module")
def site(tmp_path_factory, migrated):
    from tests.e2e.servers import Stack

    stack = Stack(
        tmp_path_factory.mktemp("look"),
        template=migrated,
        extra_env={"NOTIFY_SERVICE_TOKEN": TOKEN, "NOTIFICATIONS_TOAST_HIDE_SECONDS": "0"},
    )
    stack.create_user("alice", PASSWORD)
    stack.manage("shell", "-c", FILES)
    base_url = f"http://127.0.0.1:{stack.start_server()}"
    notify(base_url, "Your file interview.m4a is ready", "success", "/uploads/")
    notify(base_url, "Transcoding failed: " + LONG_WORD, "error")
    notify(base_url, "Storage is 90% full; old files will be removed next week", "warning")
    notify(base_url, "Welcome! Uploads are converted to MP3 and you hear about it here.")
    yield base_url
    stack.close()


def overflow(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def boxes(page: Page, selector: str) -> list[dict]:
    return page.evaluate(
        f"[...document.querySelectorAll({selector!r})].filter((e) => e.offsetParent)"
        ".map((e) => e.getBoundingClientRect().toJSON())"
    )


def overlaps(a: dict, b: dict) -> bool:
    return not (
        a["right"] <= b["left"]
        or b["right"] <= a["left"]
        or a["bottom"] <= b["top"]
        or b["bottom"] <= a["top"]
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
def test_pages_hold_their_shape(browser, site, size, scheme):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page = log_in(
        browser, site, "alice", viewport=SIZES[size], color_scheme=scheme, reduced_motion="reduce"
    )
    live(page)
    expect(page.locator(".toast")).to_have_count(4)
    # The toast stack never covers a link of the nav.
    links = boxes(page, ".nav a, .nav button")
    assert links
    for toast in boxes(page, ".toasts > *"):
        assert not any(overlaps(toast, link) for link in links), (toast, links)
    # The header fits: at most two lines on a phone, one on a desktop.
    header = page.locator("header.nav").bounding_box()
    assert header["height"] <= (100 if size == "phone" else 60)
    assert overflow(page) <= 0
    page.screenshot(path=str(ARTIFACTS / f"{size}-{scheme}-home-toasts.png"))

    pages = [
        ("inbox", "/notifications/"),
        ("upload", "/uploads/new/"),
        ("preferences", "/notifications/preferences/"),
        ("account", "/accounts/"),
        ("files", "/uploads/"),  # last: the checks below are of this page
    ]
    for name, path in pages:
        page.goto(site + path)
        live(page)
        assert overflow(page) <= 0, name
        page.screenshot(path=str(ARTIFACTS / f"{size}-{scheme}-{name}.png"), full_page=True)
    # The file name shows with its quotes and wraps inside its cell.
    expect(page.get_by_role("link", name=LONG_NAME)).to_be_visible()
    if size == "phone":
        # The status column is no wider than it needs to be.
        status = page.locator(".file-status").first.bounding_box()
        assert status["width"] < SIZES[size]["width"] / 2
    context.close()


def test_levels_times_badge_and_connection(browser, site):
    # Its own unread messages: it reads them all at the end, at each size in turn.
    notify(site, "Storage is 95% full", "warning")
    notify(site, "Transcoding failed again", "error")
    context, page = log_in(browser, site, "alice")
    live(page)
    # The level is said with a word (and an icon), not only a colour.
    label = page.evaluate(
        "getComputedStyle(document.querySelector('.toast-error'), '::before').content"
    )
    assert "Error" in label
    page.goto(site + "/notifications/")
    live(page)
    first = page.locator(".inbox-item").first
    expect(first).to_have_attribute("data-day", "Today")
    expect(first.locator("time")).to_have_text("just now")
    assert "2026" in first.locator("time").get_attribute("title") or first.locator(
        "time"
    ).get_attribute("title")
    # Only the first row of a day carries the day.
    expect(page.locator(".inbox-item[data-day]")).to_have_count(1)
    level = page.evaluate(
        "getComputedStyle(document.querySelector('.inbox-warning time'), '::before').content"
    )
    assert "Warning" in level

    # Offline: readable and nothing in the nav moves.
    before = boxes(page, ".nav a, .nav button")
    page.evaluate(
        "(() => { const c = document.getElementById('connection');"
        " c.dataset.state = 'offline'; c.textContent = 'Offline, retrying\u2026'; })()"
    )
    indicator = page.locator("#connection")
    expect(indicator).to_be_visible()
    assert float(indicator.evaluate("(e) => parseFloat(getComputedStyle(e).fontSize)")) >= 14
    assert boxes(page, ".nav a, .nav button") == before

    # Everything read: no "Mark all read" and no grey "0" badge.
    expect(page.get_by_role("button", name="Mark all read")).to_be_visible()
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator("#unread-badge")).to_have_attribute("data-count", "0")
    expect(page.get_by_role("button", name="Mark all read")).to_be_hidden()
    expect(page.locator("#unread-badge")).to_be_hidden()
    context.close()


def test_empty_states_and_send_test_without_javascript(browser, make_stack):
    stack = make_stack()
    stack.create_user("bob", PASSWORD)
    base_url = f"http://127.0.0.1:{stack.start_server()}"
    context, page = log_in(browser, base_url, "bob")
    page.goto(base_url + "/notifications/")
    expect(page.get_by_text("No notifications yet")).to_be_visible()
    expect(page.get_by_role("button", name="Mark all read")).to_be_hidden()
    page.goto(base_url + "/uploads/")
    expect(page.get_by_text("No files yet")).to_be_visible()
    expect(page.locator("table.files")).to_be_hidden()
    context.close()

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill("bob")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Send me a test notification").click()
    expect(page.get_by_role("heading", name="Hello, bob")).to_be_visible()
    expect(page.locator(".toast .toast-text")).to_contain_text("Test notification: it works")
    assert page.request.get(base_url + "/favicon.ico").ok
    context.close()


CSP_LISTENER = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + e.sourceFile));
"""


def pages_of(base_url: str) -> list[str]:
    return [
        "/",
        "/notifications/",
        "/notifications/?unread=1",
        "/uploads/",
        "/uploads/new/",
        "/uploads/1/",
        "/account/data/",
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_passes_axe_and_csp(browser, site, scheme):
    require(AXE.exists(), f"axe-core is not installed at {AXE} (run `npm ci` at the repo root)")
    # The CSP stays on; axe is injected through the DevTools protocol, which it allows.
    axe = AXE.read_text()
    problems: dict[str, list] = {}
    violations: dict[str, list] = {}

    def check(page: Page, path: str) -> None:
        page.evaluate(axe)
        result = page.evaluate("() => axe.run(document)")
        found = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
        if found:
            problems[path] = found
        csp = page.evaluate("window.__csp")
        if csp:
            violations[path] = csp

    anonymous = browser.new_context(color_scheme=scheme, reduced_motion="reduce")
    anonymous.add_init_script(CSP_LISTENER)
    page = anonymous.new_page()
    for path in ["/", "/accounts/login/", "/accounts/signup/"]:
        page.goto(site + path)
        check(page, path)
    page.goto(site + "/accounts/signup/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password", exact=True).fill("short")
    page.get_by_label("Password confirmation").fill("other")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".form-errors")).to_be_visible()
    check(page, "/accounts/signup/ (errors)")
    anonymous.close()

    context, page = log_in(browser, site, "alice", color_scheme=scheme, reduced_motion="reduce")
    context.add_init_script(CSP_LISTENER)
    for path in pages_of(site):
        page.goto(site + path)
        live(page)
        check(page, path)
    context.close()
    assert problems == {}
    assert violations == {}
