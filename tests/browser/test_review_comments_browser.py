"""In Chromium, comments on a passage of the Government paper's introduction: made by a
facilitator and answered live by the group, highlighted on the same words while a co-author
writes before them, opened from the marker's bottom sheet on a phone, and sent once a
device comes back online. Screenshots (360 and 1280 px) go to tests/output/comments/."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.collaboration.services import section_text
from app.core.transactions import commit
from app.review import comments
from app.workshops.services import get_group
from tests.browser_support import member_page, wait_until
from tests.review.conftest import new_id, passage

pytestmark = pytest.mark.browser

OUTPUT = Path(__file__).resolve().parents[2] / "tests/output/comments"
PAPER = "/editions/malisig-2023/groups/gouvernement/paper"
INTRO = '.paper-section[data-key="introduction"]'
SECTION = "malisig-2023/gouvernement/introduction"
FACILITATOR = "facilitateur@demo.palabre"
MEMBER = "gouvernement1@demo.palabre"
CO_AUTHOR = "gouvernement2@demo.palabre"
HEIGHTS = {360: 740, 1280: 800}


def _open(browser, base_url, email, width=1280):
    page = member_page(browser, base_url, email, PAPER, width=width, height=HEIGHTS[width])
    page.wait_for_selector('#connection-badge[data-status="connected"]')
    page.click(f"{INTRO} .open")
    page.wait_for_selector(f"{INTRO} .cm-content")
    page.wait_for_selector(f"{INTRO} .comment-threads", state="attached")
    return page


def _strings(page) -> dict:
    return page.evaluate(
        "JSON.parse(document.getElementById('palabre-review-comments-i18n').textContent)"
    )


TEXT = f"window.palabreEditor.sections.get('{SECTION}').session.text.toString()"
HIGHLIGHTED = (
    f"[...document.querySelectorAll('{INTRO} .cm-comment')].map((e) => e.textContent).join('')"
)


def _text(page) -> str:
    return page.evaluate(TEXT)


def _select(page, quote: str) -> None:
    """Select ``quote`` in the editor, as a mouse would (the selection the editor holds)."""
    page.evaluate(
        """([name, quote]) => {
          const view = window.palabreEditor.sections.get(name).editor.view;
          const from = view.state.doc.toString().indexOf(quote);
          view.focus();
          view.dispatch({ selection: { anchor: from, head: from + quote.length } });
        }""",
        [SECTION, quote],
    )


def _comment(page, quote: str, body: str, shot: str | None = None) -> None:
    _select(page, quote)
    page.click(f"{INTRO} .comment-bar button.primary")
    page.fill(f"{INTRO} .comment-popover textarea", body)
    if shot:
        _shoot(page, shot)
    page.click(f"{INTRO} .comment-popover button.comment-send")
    page.wait_for_selector(f"{INTRO} .comment-popover", state="hidden")


def _a_passage(page) -> str:
    """Five words of the introduction's first line of prose."""
    line = next(
        line for line in _text(page).splitlines() if len(line.split()) > 8 and line[0].isalpha()
    )
    return " ".join(line.split()[1:6])


def _highlighted(page) -> str:
    return page.evaluate(HIGHLIGHTED)


def _in_margin(page, text: str) -> str:
    return (
        f"[...document.querySelectorAll('{INTRO} .comment-margin .comment-thread')]"
        f".some((card) => card.textContent.includes({text!r}))"
    )


def _shoot(page, name: str, *, section: bool = True) -> None:
    """The introduction's card, or what the screen shows (a bottom sheet)."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = str(OUTPUT / f"{name}.png")
    if section:
        page.locator(INTRO).screenshot(path=path)
    else:
        page.screenshot(path=path)


def test_a_facilitator_comments_and_the_group_replies_live(live_server, demo, browser):
    facilitator = _open(browser, live_server.base_url, FACILITATOR)
    member = _open(browser, live_server.base_url, MEMBER)
    quote = _a_passage(facilitator)
    _comment(facilitator, quote, "Précisez la **source** de ce chiffre.", "form-1280")
    wait_until(member, _in_margin(member, "Précisez la source de ce chiffre."))
    card = member.locator(f"{INTRO} .comment-margin .comment-thread").first
    assert "Moussa Facilitateur" in card.inner_text()
    assert card.locator(".comment-body strong").inner_text() == "source"  # the server's html
    assert _highlighted(member) == quote
    t = _strings(member)
    card.get_by_role("button", name=t["reply"]).click()
    card.locator(".thread-reply textarea").fill("C'est le rapport de l'ISOC, 2022.")
    card.locator(".thread-reply button.comment-send").click()
    wait_until(facilitator, _in_margin(facilitator, "C'est le rapport de l'ISOC, 2022."))
    assert "Fatoumata Diarra" in facilitator.locator(f"{INTRO} .comment-thread").inner_text()
    _shoot(facilitator, "margin-1280")
    assert facilitator.errors == [] and member.errors == []


def test_the_highlight_keeps_its_words_while_a_co_author_writes_before(live_server, demo, browser):
    member = _open(browser, live_server.base_url, MEMBER)
    co_author = _open(browser, live_server.base_url, CO_AUTHOR)
    quote = _a_passage(member)
    _comment(member, quote, "À reformuler.")
    wait_until(co_author, f"{HIGHLIGHTED} === {quote!r}")
    co_author.click(f"{INTRO} .cm-content")
    co_author.keyboard.press("Control+Home")
    co_author.keyboard.type("Ajout en tête. ")
    wait_until(member, f"{TEXT}.startsWith('Ajout en tête. ')")
    assert _highlighted(member) == quote
    assert _highlighted(co_author) == quote
    assert member.errors == [] and co_author.errors == []


def test_on_a_phone_the_marker_opens_the_thread_in_a_bottom_sheet(live_server, demo, browser):
    section = next(
        s for s in get_group(demo, "gouvernement").paper.sections if s.key == "introduction"
    )
    quote = next(w for w in section_text(section).split(". ") if len(w.split()) > 6).split()[2:6]
    comments.create_comment(
        section,
        demo.users[FACILITATOR],
        uid=new_id(),
        body="Une source pour ce passage ?",
        **passage(section, " ".join(quote)),
    )
    commit()
    page = _open(browser, live_server.base_url, MEMBER, width=360)
    t = _strings(page)
    marker = page.locator(f"{INTRO} .comment-marker")
    marker.wait_for()
    assert marker.inner_text() == t["marker_one"].replace("{n}", "1")
    assert page.locator(f"{INTRO} .comment-margin").is_hidden()
    marker.click()
    sheet = page.locator(f"{INTRO} dialog.comment-sheet")
    sheet.wait_for()
    assert "Une source pour ce passage ?" in sheet.inner_text()
    assert page.evaluate("document.activeElement.closest('dialog') !== null")  # focus inside
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    _shoot(page, "sheet-360", section=False)
    page.keyboard.press("Escape")
    sheet.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.classList.contains('comment-marker')")
    assert page.errors == []


def test_a_comment_made_offline_is_sent_when_the_link_returns(live_server, demo, browser):
    member = _open(browser, live_server.base_url, MEMBER)
    co_author = _open(browser, live_server.base_url, CO_AUTHOR)
    t = _strings(member)
    member.context.set_offline(True)
    member.wait_for_selector('#connection-badge[data-status="offline"]')
    _comment(member, _a_passage(member), "Écrit sans réseau.")
    pending = member.locator(f"{INTRO} .comment-thread.pending")
    assert t["pending"] in pending.inner_text()
    _shoot(member, "pending-1280")
    member.context.set_offline(False)
    wait_until(co_author, _in_margin(co_author, "Écrit sans réseau."), timeout=20)
    wait_until(member, f"!document.querySelector('{INTRO} .comment-thread.pending')", timeout=20)
    assert member.errors == [] and co_author.errors == []
