"""Fixtures for the offline tests: the server process ``make run`` starts (gevent) on the
demo, members' browsers on the paper page, and the server's text of a section read over
the /collab protocol (what another member's editor would receive)."""

from __future__ import annotations

import time

import pytest

from tests.browser_support import log_in_page
from tests.collaboration.conftest import Editor, wait_until
from tests.collaboration.serverproc import ServerProcess, environment, prepare_database
from tests.socket_support import OrderedClient

PAPER = "/editions/malisig-2023/groups/gouvernement/paper"
DEBATE = "/editions/malisig-2023/debate/q1"
INTRO_SECTION = "malisig-2023/gouvernement/introduction"
INTRO = '.paper-section[data-key="introduction"]'
MEMBER = "gouvernement1@demo.palabre"
OTHER = "gouvernement2@demo.palabre"
PASSWORD = "palabre-demo"

# The page's service worker is active and keeps `url` for offline use.
KEPT = """async (url) => {
  if (!navigator.serviceWorker) return false;
  const registration = await navigator.serviceWorker.getRegistration();
  if (!registration?.active || !navigator.serviceWorker.controller) return false;
  const pages = await caches.open("palabre-pages");
  const precache = (await caches.keys()).find((name) => name.startsWith("workbox-precache"));
  return Boolean(precache && (await pages.match(new URL(url, location.href).href)));
}"""


def wait_for_async(page, function: str, arg=None, timeout: float = 30000):
    """Poll an async page function until it resolves truthy (Playwright's wait_for_function
    takes the Promise itself for a truthy answer)."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        value = page.evaluate(function, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout} ms: {function[:80]}")
        time.sleep(0.2)


@pytest.fixture
def site(tmp_path):
    """The built-in server process (gevent), as ``make run`` starts it, with the demo."""
    env = environment(tmp_path)
    prepare_database(env)
    server = ServerProcess(env)
    server.instance = tmp_path
    yield server
    if server.alive():
        server.stop()


class Member:
    """One member's browser (a context) on the paper page."""

    def __init__(self, browser, base: str, email: str = MEMBER, viewport=None) -> None:
        self.base = base
        self.context = browser.new_context(
            locale="fr-FR", viewport=viewport or {"width": 1100, "height": 900}
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        log_in_page(self.page, base, email)

    def open_paper(self) -> None:
        self.page.goto(self.base + PAPER)
        self.wait_status("connected")
        self.wait_kept(PAPER)

    def wait_kept(self, path: str, timeout: float = 30000) -> None:
        """Until the service worker controls the page and keeps ``path``."""
        wait_for_async(self.page, KEPT, path, timeout)

    def wait_status(self, status: str, timeout: float = 20000) -> None:
        self.page.wait_for_selector(f'#connection-badge[data-status="{status}"]', timeout=timeout)

    def status(self) -> str:
        return self.page.get_attribute("#connection-badge", "data-status")

    def waiting(self) -> int:
        return int(self.page.get_attribute("#connection-badge", "data-waiting") or 0)

    def open_intro(self) -> None:
        if self.page.get_attribute(f"{INTRO} .open", "aria-expanded") != "true":
            self.page.click(f"{INTRO} .open")
        self.page.wait_for_selector(f"{INTRO} .cm-content[contenteditable=true]")

    def type(self, text: str) -> None:
        self.page.click(f"{INTRO} .cm-content")
        self.page.keyboard.press("Control+End")
        self.page.keyboard.type(text)

    def text(self) -> str:
        return self.page.evaluate(
            "(name) => window.palabreEditor.sections.get(name).session.text.toString()",
            INTRO_SECTION,
        )

    def wait_sent(self, timeout: float = 20000) -> None:
        self.wait_status("connected", timeout)
        self.page.wait_for_selector(
            '#connection-badge[data-status="connected"][data-waiting="0"]', timeout=timeout
        )

    def user_id(self) -> str:
        return self.page.get_attribute('meta[name="palabre-user"]', "content")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def members(browser, site):
    opened: list[Member] = []

    def make(email: str = MEMBER, **kwargs) -> Member:
        member = Member(browser, site.url, email, **kwargs)
        opened.append(member)
        return member

    yield make
    for member in opened:
        member.close()


@pytest.fixture
def server_text(browser, site):
    """The section's text as the server gives it to a member who joins it now."""

    def read(section: str = INTRO_SECTION) -> str:
        context = browser.new_context()
        try:
            page = context.new_page()
            log_in_page(page, site.url, OTHER)
            cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
        finally:
            context.close()
        sio = OrderedClient(reconnection=False, websocket_extra_options={"origin": site.url})
        try:
            sio.connect(
                site.url,
                headers={"Cookie": cookie},
                namespaces=["/collab"],
                transports=["websocket"],
                wait_timeout=5,
            )
            editor = Editor(sio, section)
            assert editor.join().get("ok")
            # The server's step 2 arrives right after the join: wait until it settles.
            wait_until(lambda: editor.value() != "", timeout=10)
            last, stable_since = editor.value(), time.monotonic()
            while time.monotonic() - stable_since < 0.5:
                time.sleep(0.05)
                value = editor.value()
                if value != last:
                    last, stable_since = value, time.monotonic()
            return last
        finally:
            sio.close()

    return read
