"""Two members co-write in Chromium: live, offline and back, and locked at the deadline;
through the in-process threaded server and through the server process ``make run`` starts
(gevent)."""

import pytest

from tests.browser_support import log_in_page
from tests.collaboration.serverproc import ServerProcess, environment, prepare_database

pytestmark = pytest.mark.browser

PAPER = "/editions/malisig-2023/groups/gouvernement/paper"
INTRO = '.paper-section[data-key="introduction"]'


def _open_paper(browser, base_url, email):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1100, "height": 900})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in_page(page, base_url, email)
    page.goto(base_url + PAPER)
    page.wait_for_selector('#connection-badge[data-status="connected"]')
    page.click(f"{INTRO} .open")
    page.wait_for_selector(f"{INTRO} .cm-content")
    page.errors = errors
    return context, page


def _type(page, text):
    page.click(f"{INTRO} .cm-content")
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def _text(page) -> str:
    return page.evaluate(
        "() => window.palabreEditor.sections.get('malisig-2023/gouvernement/introduction')"
        ".session.text.toString()"
    )


@pytest.fixture(params=["threads", "gevent"])
def site(request, tmp_path):
    """The base URL of a server holding the demo: in this process (threads), or the
    built-in server process (gevent), as ``make run`` starts it."""
    if request.param == "threads":
        request.getfixturevalue("demo")
        yield request.getfixturevalue("live_server").base_url
        return
    env = environment(tmp_path)
    prepare_database(env)
    server = ServerProcess(env)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def two_members(site, browser):
    first = _open_paper(browser, site, "gouvernement1@demo.palabre")
    second = _open_paper(browser, site, "gouvernement2@demo.palabre")
    yield first[1], second[1], second[0]
    first[0].close()
    second[0].close()


def test_two_members_see_each_others_text_and_cursor(two_members):
    fatoumata, ibrahim, _ = two_members
    _type(fatoumata, "Les coupures d'Internet sont illégales. ")
    ibrahim.wait_for_function(
        "() => document.querySelector('.paper-section[data-key=introduction] .cm-content')"
        ".textContent.includes('illégales')"
    )
    ibrahim.wait_for_selector(f"{INTRO} .cm-ySelectionInfo", state="attached")
    assert "Fatoumata" in ibrahim.inner_text(f"{INTRO} .cm-ySelectionInfo")
    assert "illégales" in ibrahim.inner_text(f"{INTRO} .preview")
    assert fatoumata.errors == [] and ibrahim.errors == []


def test_offline_edits_merge_when_the_link_returns(two_members):
    fatoumata, ibrahim, ibrahim_context = two_members
    _type(fatoumata, "Début. ")
    ibrahim.wait_for_function(
        "() => document.querySelector('.cm-content').textContent.includes('Début.')"
    )
    ibrahim_context.set_offline(True)
    ibrahim.wait_for_selector('#connection-badge[data-status="offline"]')
    _type(ibrahim, "hors-ligne ")
    _type(fatoumata, "en-ligne ")
    ibrahim_context.set_offline(False)
    ibrahim.wait_for_selector('#connection-badge[data-status="connected"]', timeout=20000)
    fatoumata.wait_for_function(
        "() => document.querySelector('.cm-content').textContent.includes('hors-ligne')",
        timeout=20000,
    )
    ibrahim.wait_for_function(
        "() => document.querySelector('.cm-content').textContent.includes('en-ligne')"
    )
    assert _text(fatoumata) == _text(ibrahim)
    for word in ("Début.", "hors-ligne", "en-ligne"):
        assert _text(fatoumata).count(word) == 1


def test_a_lock_turns_the_editors_read_only_without_a_reload(two_members, site, browser):
    fatoumata, ibrahim, _ = two_members
    facilitator = browser.new_page(locale="fr-FR")
    log_in_page(facilitator, site, "facilitateur@demo.palabre")
    facilitator.goto(site + "/editions/malisig-2023/facilitation")
    lock_all = "form:has(input[name=scope][value=all]):has(input[name=locked][value='1'])"
    facilitator.click(f"{lock_all} button")
    for page in (fatoumata, ibrahim):
        page.wait_for_selector(f"{INTRO} .cm-content[contenteditable=false]")
        assert page.is_visible(f"{INTRO} .lock")
    facilitator.close()
