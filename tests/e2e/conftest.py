"""The browser tests' shared fixtures.

Every browser test runs at 1280x800 and at 390x844 (the `viewport` parameter; the phone
run of a flow whose layout it does not check only in `make test-all`) and fails on
what a user would see go wrong: an uncaught page error, a `console.error`, or a response
>= 400 it did not declare with `browser.expect_status(...)`. `browser.js_only(page)` proves
that a feature's script did the work: no page load and no fallback form post inside it.
"""

import inspect
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import require
from tests.e2e.servers import Stack

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# Chromium's own console line for a response >= 400; it names the status, and its location
# is the resource's address.
FAILED_LOAD = re.compile(r"the server responded with a status of (\d+)")


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A migrated database, never served, that every test's Stack copies (harness/stack.py):
    a migrate per test cost seconds of each browser test."""
    stack = Stack(tmp_path_factory.mktemp("migrated"))
    yield stack
    stack.close()


@pytest.fixture
def make_stack(tmp_path: Path, migrated: Stack) -> Iterator:
    stacks: list[Stack] = []

    def make(**kwargs: object) -> Stack:
        stack = Stack(tmp_path / f"stack{len(stacks)}", template=migrated, **kwargs)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.close()


# Module scope: Playwright's sync API keeps an event loop running in this thread, which
# must be gone before any asyncio test of another module starts.
@pytest.fixture(scope="module")
def chromium():
    require(
        Path(CHROMIUM).exists(), "Debian's chromium is not installed (apt-get install chromium)"
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # A test that chooses its sizes itself (a `size` parameter) is not run twice more.
    if "browser" in metafunc.fixturenames and "size" not in metafunc.fixturenames:
        # A flow that names `viewport` itself checks what the size changes (how many
        # toasts show, overflow, the header): both sizes in `make test`. Any other flow's
        # layout is not what it checks: its phone run is `full`, in `make test-all` (CI).
        sized = "viewport" in inspect.signature(metafunc.function).parameters
        phone = pytest.param("phone", marks=() if sized else pytest.mark.full)
        metafunc.parametrize("viewport", ["desktop", phone], indirect=True)


@pytest.fixture
def viewport(request: pytest.FixtureRequest) -> dict:
    return SIZES[getattr(request, "param", "desktop")]


class CheckedBrowser:
    """The module's Chromium, whose every context reports what the user would see fail.

    `new_context` gives the test's viewport unless the test names one; everything else is
    the Playwright Browser's own.
    """

    def __init__(self, browser, viewport: dict) -> None:
        self._browser = browser
        self.viewport = viewport
        self.problems: list[str] = []
        self.expected: list[tuple[int, str]] = []
        self.expected_console: list[str] = []
        self.contexts: list = []
        self.checking = True

    def __getattr__(self, name: str):
        return getattr(self._browser, name)

    def expect_status(self, status: int, url_part: str) -> None:
        """Declare that a response `status` from a URL containing `url_part` is wanted."""
        self.expected.append((status, url_part))

    def expect_console(self, text_part: str) -> None:
        """Declare a console.error the test provokes on purpose (e.g. a server stopped)."""
        self.expected_console.append(text_part)

    def _is_expected(self, status: int, url: str) -> bool:
        return any(status == s and part in url for s, part in self.expected)

    def new_context(self, **options: object):
        options.setdefault("viewport", self.viewport)
        context = self._browser.new_context(**options)
        self.contexts.append(context)
        context.on("weberror", lambda error: self._problem(f"page error: {error.error}"))
        context.on("console", self._console)
        context.on("response", self._response)
        return context

    def new_page(self, **options: object):
        return self.new_context(**options).new_page()

    def _problem(self, text: str) -> None:
        if self.checking:
            self.problems.append(text)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        text = message.text
        failed = FAILED_LOAD.search(text)
        url = (message.location or {}).get("url", "")
        if failed and self._is_expected(int(failed.group(1)), url):
            return
        if any(part in text for part in self.expected_console):
            return
        self._problem(f"console.error: {text} ({url})")

    def _response(self, response) -> None:
        if response.status >= 400 and not self._is_expected(response.status, response.url):
            self._problem(
                f"unexpected {response.status} for {response.request.method} {response.url}"
            )

    @contextmanager
    def js_only(self, page) -> Iterator[None]:
        """Inside: no page load and no document request (a no-JS fallback) on `page`."""
        documents: list[str] = []

        def on_request(request) -> None:
            if request.frame == page.main_frame and request.is_navigation_request():
                documents.append(f"{request.method} {request.url}")

        page.evaluate("window.__e2eSamePage = true")
        page.on("request", on_request)
        try:
            yield
        finally:
            page.remove_listener("request", on_request)
        assert not documents, f"the no-JS path ran: {documents}"
        assert page.evaluate("window.__e2eSamePage === true"), "the page was loaded again"

    def verdict(self) -> list[str]:
        self.checking = False
        return self.problems


@pytest.fixture
def browser(chromium, viewport) -> Iterator[CheckedBrowser]:
    checked = CheckedBrowser(chromium, viewport)
    yield checked
    checked.checking = False
    for context in checked.contexts:
        try:
            context.close()
        except Exception:  # already closed by the test
            pass


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    checked = getattr(item, "funcargs", {}).get("browser")
    try:
        result = yield
    except BaseException:
        if isinstance(checked, CheckedBrowser) and checked.problems:
            print("the browser saw:\n  " + "\n  ".join(checked.verdict()))  # noqa: T201
        raise
    # Judged when the test body ends: the servers' teardown must not count as the page's.
    if isinstance(checked, CheckedBrowser) and (problems := checked.verdict()):
        pytest.fail("the browser saw:\n  " + "\n  ".join(problems), pytrace=False)
    return result
