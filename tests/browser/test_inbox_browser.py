"""In Chromium: the bell of the top bar counts my unread notifications, and goes from 0 to
1 live when another member replies to my comment (over the socket, as a browser would).
Screenshots (360 px) go to tests/output/inbox/."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.collaboration.services import resolve_section, section_text
from app.core.transactions import commit
from app.review import comments, notifications
from tests.browser_support import log_in_page, wait_until
from tests.review.conftest import new_id, passage

pytestmark = pytest.mark.browser

OUTPUT = Path(__file__).resolve().parents[2] / "tests/output/inbox"
EDITION = "/editions/malisig-2023"
BELL = ".inbox-bell"


def _my_thread(demo):
    """A thread of mine, my inbox read (the demo's released feedback is in it)."""
    me = demo.users["gouvernement1@demo.palabre"]
    notifications.mark_read(me, demo, None)
    section = resolve_section("malisig-2023/gouvernement/introduction")
    thread, _new = comments.create_comment(
        section,
        me,
        uid=new_id(),
        body="Une source pour ce chiffre ?",
        **passage(section, section_text(section)[:12]),
    )
    commit()
    return thread


def _edition_page(browser, base_url, width=360):
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": 640})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    log_in_page(page, base_url, "gouvernement1@demo.palabre")
    page.goto(base_url + EDITION)
    return page


def _label(page, which: str) -> str:
    return page.locator(BELL).get_attribute(f"data-label-{which}")


def test_the_bell_goes_from_0_to_1_when_someone_replies(
    live_server, demo, browser, socketio_client
):
    thread = _my_thread(demo)
    page = _edition_page(browser, live_server.base_url)
    bell = page.locator(BELL)
    assert bell.get_attribute("aria-label") == _label(page, "zero")
    assert page.locator(f"{BELL} .inbox-count").is_hidden()
    wait_until(page, "document.querySelector('.inbox-bell').dataset.live === 'joined'")

    replier = socketio_client(demo.users["gouvernement2@demo.palabre"])
    ack = replier.call(
        "reply",
        {"comment": thread.uid, "id": new_id(), "body": "Le rapport de 2022."},
        namespace="/collab",
        timeout=10,
    )
    assert ack["ok"], ack

    wait_until(page, "document.querySelector('.inbox-bell').dataset.unread === '1'")
    assert page.locator(f"{BELL} .inbox-count").inner_text() == "1"
    assert bell.get_attribute("aria-label") == _label(page, "one")
    news = page.locator("#inbox-news").text_content()
    assert news.startswith(bell.get_attribute("data-news")) and news.endswith(_label(page, "one"))
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "bell-1-360.png"))
    assert page.errors == []


def test_the_bell_opens_the_inbox_with_the_line_unread(live_server, demo, browser):
    thread = _my_thread(demo)
    comments.reply(thread, demo.users["gouvernement2@demo.palabre"], uid=new_id(), body="Oui.")
    commit()
    page = _edition_page(browser, live_server.base_url)
    assert page.locator(f"{BELL} .inbox-count").inner_text() == "1"
    page.click(BELL)
    page.wait_for_url(f"{live_server.base_url}{EDITION}/inbox")
    assert page.locator(".inbox-line.unread").count() == 1
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "inbox-360.png"), full_page=True)
    page.click(".inbox-head button[type=submit]")
    page.wait_for_url(f"{live_server.base_url}{EDITION}/inbox")
    assert page.locator(".inbox-line.unread").count() == 0
    assert page.locator(f"{BELL} .inbox-count").is_hidden()
    assert page.errors == []
