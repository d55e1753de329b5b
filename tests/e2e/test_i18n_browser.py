"""Other languages and time zones in Chromium (issue 21.4, docs/i18n.md): a Polish browser
gets Polish pages; a user who chose Polish and a zone gets Polish pages, toasts and times
in that zone in every browser, whatever the browser's own language."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, REPO
from tests.e2e.pages import live, log_in
from tests.e2e.test_look_browser import boxes, overflow, overlaps

pytestmark = pytest.mark.browser
ARTIFACTS = REPO / "test-artifacts" / "i18n"


def test_a_polish_browser_gets_a_polish_login_page(browser, make_stack):
    stack = make_stack()
    stack.create_user("zofia", PASSWORD)
    base = f"http://127.0.0.1:{stack.start_server()}"
    context = browser.new_context(locale="pl-PL")
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page.get_by_role("heading", name="Zaloguj się")).to_be_visible()
    expect(page.get_by_role("link", name="Zarejestruj się").first).to_be_visible()
    # Django's own form labels come from Django's Polish catalogue.
    page.get_by_label("Nazwa użytkownika").fill("zofia")
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    expect(page.get_by_role("heading", name="Cześć, zofia")).to_be_visible()
    live(page)
    context.close()


def test_the_users_language_and_zone_in_every_browser_and_toast(browser, make_stack):
    stack = make_stack()
    stack.create_user("zofia", PASSWORD)
    base = f"http://127.0.0.1:{stack.start_server()}"

    # An English browser: the user chooses Polish and Warsaw on the account page.
    first, page = log_in(browser, base, "zofia", locale="en-US")
    page.get_by_role("link", name="Account: zofia").click()
    page.get_by_label("Language", exact=True).select_option("pl")
    page.get_by_label("Time zone", exact=True).select_option("Europe/Warsaw")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Zapisano ustawienia.")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page.locator("html")).to_have_attribute("data-time-zone", "Europe/Warsaw")
    expect(page.get_by_label("Język", exact=True)).to_have_value("pl")
    live(page)

    # Another browser, English as well: the user's setting wins over its header.
    # The log-in page is English (no user yet); the home page after it is Polish.
    second = browser.new_context(locale="en-US", timezone_id="America/Chicago")
    tab = second.new_page()
    tab.goto(base + "/accounts/login/")
    tab.get_by_label("Username").fill("zofia")
    tab.get_by_label("Password").fill(PASSWORD)
    tab.get_by_role("button", name="Log in").click()
    expect(tab.get_by_role("heading", name="Cześć, zofia")).to_be_visible()
    expect(tab.locator("html")).to_have_attribute("lang", "pl")
    live(tab)
    with browser.js_only(tab):
        tab.get_by_role("button", name="Wyślij mi powiadomienie testowe").click()
        # Built by the browser client (toasts.js) from the frame: its words come from the
        # Polish JavaScript catalogue, the text from the server in the user's language.
        for where in (tab, page):
            toast = where.locator(".toast")
            expect(toast).to_have_count(1)
            expect(toast).to_contain_text("Powiadomienie testowe: działa.")
            expect(toast.locator(".visually-hidden")).to_have_text("Sukces:")
            expect(
                where.get_by_role(
                    "button", name=re.compile(r"^Zamknij powiadomienie: Powiadomienie")
                )
            ).to_be_visible()
            expect(where.locator("#unread-badge")).to_have_text("1")

    # The inbox: relative times in Polish, the exact time in Warsaw's zone, not the
    # browser's (Chicago) nor the server's (UTC).
    tab.goto(base + "/notifications/")
    expect(tab.get_by_role("heading", name="Powiadomienia", exact=True)).to_be_visible()
    time = tab.locator("#inbox time").first
    expect(time).to_have_text("przed chwilą")
    now = datetime.now(ZoneInfo("Europe/Warsaw"))
    clocks = {(now - timedelta(minutes=m)).strftime("%H:%M") for m in (0, 1)}
    title = time.get_attribute("title")
    assert any(clock in title for clock in clocks), (title, clocks)
    assert re.search(
        r"(stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|"
        r"września|października|listopada|grudnia)",
        title,
    ), title

    # Dismissed in one browser, gone from the other.
    with browser.js_only(page):
        page.get_by_role("button", name=re.compile(r"^Zamknij powiadomienie")).click()
        expect(page.locator(".toast")).to_have_count(0)
    first.close()
    second.close()


def test_german_the_longest_words_hold_the_layout(browser, make_stack, viewport):
    """German labels run longest: every page still fits the width, and no toast covers a
    link of the nav. (The phone header is 106 px here, a third row; not yet bounded.)"""
    stack = make_stack()
    stack.create_user("hans", PASSWORD)
    stack.manage("notify", "hans", "Umwandlung fehlgeschlagen: Aufnahme.wav", "--level", "error")
    base = f"http://127.0.0.1:{stack.start_server()}"
    context = browser.new_context(locale="de-DE", viewport=viewport)
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.get_by_label("Benutzername").fill("hans")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", name="Hallo, hans")).to_be_visible()
    live(page)
    # A second toast, built by the browser client from the German catalogue.
    page.get_by_role("button", name="Testbenachrichtigung senden").click()
    expect(page.locator(".toast")).to_have_count(2)
    expect(
        page.get_by_role(
            "button", name="Benachrichtigung schließen: Testbenachrichtigung: Es funktioniert."
        )
    ).to_be_visible()
    links = boxes(page, ".nav a, .nav button")
    for toast in boxes(page, ".toasts > *"):
        assert not any(overlaps(toast, link) for link in links), (toast, links)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"de-home-{viewport['width']}.png"))
    assert overflow(page) <= 0
    for path in ("/notifications/", "/notifications/preferences/", "/accounts/", "/uploads/"):
        page.goto(base + path)
        assert overflow(page) <= 0, path
    expect(page.get_by_role("heading", name="Dateien")).to_be_visible()
    context.close()


def test_a_polish_inbox_threads_snooze_and_keys_by_script(browser, make_stack):
    """The strings of threads, snooze and the shortcuts in Polish, the script's included
    (inbox_threads.js labels the button from the catalogue); `m` presses the Polish "Wycisz"."""
    stack = make_stack()
    stack.create_user("zofia", PASSWORD)
    for i in range(3):
        stack.manage("notify", "zofia", f"Wysyłka {i}", "--group", "upload:7")
    base = f"http://127.0.0.1:{stack.start_server()}"
    context = browser.new_context(locale="pl-PL")
    page = context.new_page()
    page.goto(base + "/accounts/login/")
    page.get_by_label("Nazwa użytkownika").fill("zofia")
    page.get_by_label("Hasło").fill(PASSWORD)
    page.get_by_role("button", name="Zaloguj się").click()
    page.goto(base + "/notifications/")
    live(page)
    row = page.locator(".inbox-item[data-group]")
    expect(row.locator("summary")).to_have_text("3 aktualizacje")
    expect(page.get_by_role("searchbox", name="Szukaj w powiadomieniach")).to_be_visible()
    expect(page.get_by_role("link", name="Odłożone")).to_be_visible()
    page.locator("body").press("?")
    dialog = page.get_by_role("dialog", name="Skróty klawiszowe")
    expect(dialog).to_contain_text("Wycisz jego wątek")
    dialog.get_by_role("button", name="Zamknij").click()
    with browser.js_only(page):
        page.keyboard.press("j")
        page.keyboard.press("m")
        expect(row.get_by_role("button", name="Wyłącz wyciszenie")).to_be_visible()
        expect(row.locator(".inbox-muted")).to_have_text("Wyciszony")
        row.get_by_role("button", name=re.compile(r"^Odłóż: Wysyłka 2")).click()
        expect(page.get_by_role("group", name="Odłóż do")).to_be_visible()
        expect(page.get_by_role("button", name="Dziś wieczorem")).to_be_visible()
    context.close()
