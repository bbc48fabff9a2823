"""In Chromium: the "Suggérer" mode. What a member types there leaves the text as it is
(theirs, their teammate's, the server's) and becomes a suggestion the others see inline
and live; accepting it is an edit everyone gets, rejecting it leaves the text alone;
offline it waits on the device and leaves when the link returns; a participant of another
group reads the suggestions but has no mode to make one. Screenshots (360 and 1280 px) go
to tests/output/suggest/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.collaboration.services import edit_section, paper_of, section_text
from app.core.transactions import commit
from app.extensions import db
from app.workshops.services import get_group
from tests.browser_support import member_page, wait_until
from tests.review.conftest import suggest

pytestmark = pytest.mark.browser

OUTPUT = Path(__file__).resolve().parents[2] / "tests/output/suggest"
PAPER = "/editions/malisig-2023/groups/gouvernement/paper"
NAME = "malisig-2023/gouvernement/introduction"
INTRO = '.paper-section[data-key="introduction"]'
FATOUMATA = "gouvernement1@demo.palabre"
IBRAHIM = "gouvernement2@demo.palabre"
SIZES = {360: 740, 1280: 900}
SECTION = f"window.palabreEditor.sections.get('{NAME}')"
TEXT = f"{SECTION}.session.text.toString()"


def _member(browser, base_url, email, width=1280):
    page = member_page(browser, base_url, email, PAPER, width=width, height=SIZES[width])
    page.wait_for_selector('#connection-badge[data-status="connected"]')
    page.click(f"{INTRO} .open")
    page.wait_for_selector(f"{INTRO} .cm-content")
    # The review's code has come and the room answered (its list is drawn from it).
    wait_until(page, f"Boolean({SECTION}.review?.room.state)")
    return page


def _strings(page) -> dict:
    return page.evaluate(
        "JSON.parse(document.getElementById('palabre-review-suggest-i18n').textContent)"
    )


def _intro(demo):
    group = get_group(demo, "gouvernement")
    return next(s for s in paper_of(group).sections if s.key == "introduction")


def _server_text(demo) -> str:
    db.session.expire_all()
    return section_text(_intro(demo))


def _word(text: str) -> re.Match:
    return re.search(r"\b[^\W\d_]{6,}\b", text)


def _suggesting(page) -> None:
    page.click(f"{INTRO} .suggest-toggle")
    assert page.get_attribute(f"{INTRO} .suggest-toggle", "aria-pressed") == "true"
    assert page.inner_text(f"{INTRO} .suggest-mode") == _strings(page)["mode"]


def _replace(page, start: int, end: int, text: str) -> None:
    """Select [start, end) of the section's text, then type ``text`` over it."""
    page.click(f"{INTRO} .cm-content")
    page.evaluate(
        f"([anchor, head]) => {SECTION}.editor.view.dispatch({{selection: {{anchor, head}}}})",
        [start, end],
    )
    page.keyboard.type(text)


def _shown(page, text: str) -> str:
    """True once the list and the editor both show a suggestion inserting ``text``."""
    return (
        f"[...document.querySelectorAll('{INTRO} .suggestion-inserted')]"
        f".some((n) => n.textContent.includes({text!r})) && "
        f"[...document.querySelectorAll('{INTRO} .cm-suggest-inserted')]"
        f".some((n) => n.textContent === {text!r})"
    )


def _none_shown(page) -> str:
    return (
        f"!document.querySelector('{INTRO} .cm-suggest-inserted') && "
        f"!document.querySelector('{INTRO} .suggestion')"
    )


def _click_in_list(page, label: str) -> None:
    page.locator(f"{INTRO} .suggestion").get_by_role("button", name=label, exact=True).click()


def test_a_replaced_word_is_a_suggestion_until_a_teammate_accepts_it(live_server, demo, browser):
    fatoumata = _member(browser, live_server.base_url, FATOUMATA)
    ibrahim = _member(browser, live_server.base_url, IBRAHIM)
    original = fatoumata.evaluate(TEXT)
    word = _word(original)
    _suggesting(fatoumata)
    _replace(fatoumata, word.start(), word.end(), "Remplacé")
    assert fatoumata.evaluate(TEXT) == original  # the draft is only drawn
    wait_until(ibrahim, _shown(ibrahim, "Remplacé"))  # sent after 1.5 s without typing
    assert fatoumata.evaluate(TEXT) == original
    assert ibrahim.evaluate(TEXT) == original
    assert _server_text(demo) == original
    strings = _strings(ibrahim)
    assert word.group() in ibrahim.inner_text(f"{INTRO} .suggestion-deleted")
    assert "Fatoumata" in ibrahim.inner_text(f"{INTRO} .suggestion-author")

    _click_in_list(ibrahim, strings["accept"])
    expected = original[: word.start()] + "Remplacé" + original[word.end() :]
    wait_until(ibrahim, f"{TEXT} === {expected!r}")
    wait_until(fatoumata, f"{TEXT} === {expected!r}")
    wait_until(fatoumata, _none_shown(fatoumata))
    wait_until(ibrahim, _none_shown(ibrahim))
    assert _server_text(demo) == expected
    assert fatoumata.errors == [] and ibrahim.errors == []


def test_a_suggestion_made_offline_leaves_when_the_link_returns(live_server, demo, browser):
    fatoumata = _member(browser, live_server.base_url, FATOUMATA)
    ibrahim = _member(browser, live_server.base_url, IBRAHIM)
    original = fatoumata.evaluate(TEXT)
    word = _word(original)
    _suggesting(fatoumata)
    fatoumata.context.set_offline(True)
    fatoumata.wait_for_selector('#connection-badge[data-status="offline"]')
    _replace(fatoumata, word.start(), word.end(), "Horsligne")
    wait_until(fatoumata, f"Boolean(document.querySelector('{INTRO} .suggestion.is-waiting'))")
    assert _strings(fatoumata)["waiting"] in fatoumata.inner_text(f"{INTRO} .suggestion-state")
    assert ibrahim.locator(f"{INTRO} .suggestion").count() == 0

    fatoumata.context.set_offline(False)
    wait_until(ibrahim, _shown(ibrahim, "Horsligne"), timeout=20)
    wait_until(fatoumata, f"!document.querySelector('{INTRO} .suggestion.is-waiting')")
    _click_in_list(ibrahim, _strings(ibrahim)["accept"])
    expected = original[: word.start()] + "Horsligne" + original[word.end() :]
    wait_until(fatoumata, f"{TEXT} === {expected!r}")
    assert _server_text(demo) == expected
    assert fatoumata.errors == [] and ibrahim.errors == []


def test_a_rejected_suggestion_goes_for_everyone_and_the_text_stays(live_server, demo, browser):
    fatoumata = _member(browser, live_server.base_url, FATOUMATA)
    ibrahim = _member(browser, live_server.base_url, IBRAHIM)
    original = fatoumata.evaluate(TEXT)
    _suggesting(fatoumata)
    _replace(fatoumata, len(original), len(original), " Phrase proposée.")
    fatoumata.click(f"{INTRO} .suggest-toggle")  # leaving the mode sends the draft
    wait_until(ibrahim, _shown(ibrahim, " Phrase proposée."))
    wait_until(fatoumata, _shown(fatoumata, " Phrase proposée."))

    _click_in_list(ibrahim, _strings(ibrahim)["reject"])
    wait_until(ibrahim, _none_shown(ibrahim))
    wait_until(fatoumata, _none_shown(fatoumata))
    assert fatoumata.evaluate(TEXT) == original
    assert ibrahim.evaluate(TEXT) == original
    assert _server_text(demo) == original
    assert fatoumata.errors == [] and ibrahim.errors == []


def _suggest_on_server(demo, quote: str, inserted: str, email: str = FATOUMATA):
    suggest(_intro(demo), demo.users[email], quote, inserted)


def test_a_participant_of_another_group_reads_suggestions_without_the_mode(
    live_server, demo, browser
):
    word = _word(_server_text(demo)).group()
    _suggest_on_server(demo, word, "Autrement")
    demo.current_phase = next(p for p in demo.phases if p.key == "debat")
    commit()
    mariam = _member(browser, live_server.base_url, "societe1@demo.palabre")
    wait_until(mariam, _shown(mariam, "Autrement"))
    assert mariam.locator(f"{INTRO} .suggest-toggle").count() == 0
    assert mariam.locator(f"{INTRO} .suggestion-actions").count() == 0  # no decision either
    assert mariam.errors == []


def test_accepting_a_suggestion_whose_passage_changed_says_so(live_server, demo, browser):
    word = _word(_server_text(demo))
    _suggest_on_server(demo, word.group(), "Autrement")
    at = len(_server_text(demo)[: word.start()].encode("utf-8"))

    def drop_first_letter(text) -> None:
        del text[at : at + 1]

    edit_section(_intro(demo), drop_first_letter, demo.users[IBRAHIM])
    commit()
    ibrahim = _member(browser, live_server.base_url, IBRAHIM)
    wait_until(ibrahim, _shown(ibrahim, "Autrement"))
    _click_in_list(ibrahim, _strings(ibrahim)["accept"])
    problem = ibrahim.locator(f"{INTRO} .suggestion-problem")
    problem.wait_for()
    assert problem.get_attribute("role") == "alert"
    assert problem.inner_text() == "Le passage a changé depuis cette suggestion."  # the server's
    assert "Autrement" not in _server_text(demo)
    assert ibrahim.errors == []


def test_accept_all_from_an_author_applies_each_of_theirs(live_server, demo, browser):
    words = re.findall(r"\b[^\W\d_]{6,}\b", _server_text(demo))
    _suggest_on_server(demo, words[0], "Premièrement")
    _suggest_on_server(demo, words[2], "Ensuite")
    ibrahim = _member(browser, live_server.base_url, IBRAHIM)
    wait_until(ibrahim, _shown(ibrahim, "Ensuite"))
    label = _strings(ibrahim)["accept_all"].replace("{name}", "Fatoumata Diarra")
    ibrahim.get_by_role("button", name=label).click()
    wait_until(ibrahim, _none_shown(ibrahim))
    text = ibrahim.evaluate(TEXT)
    assert "Premièrement" in text and "Ensuite" in text
    assert _server_text(demo) == text
    assert ibrahim.errors == []


# The section's head just under the page's sticky header.
TO_TOP = (
    f"window.scrollTo(0, document.querySelector('{INTRO}').getBoundingClientRect().top"
    " + scrollY - document.querySelector('header.topbar').getBoundingClientRect().height - 8)"
)


@pytest.mark.parametrize("width", sorted(SIZES))
def test_screenshots_of_the_suggestions(live_server, demo, browser, width):
    words = re.findall(r"\b[^\W\d_]{6,}\b", _server_text(demo))
    _suggest_on_server(demo, words[0], "Premièrement")
    _suggest_on_server(demo, words[2], "Ensuite")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    ibrahim = _member(browser, live_server.base_url, IBRAHIM, width)
    wait_until(ibrahim, _shown(ibrahim, "Ensuite"))
    ibrahim.evaluate(TO_TOP)
    ibrahim.click(f"{INTRO} .cm-suggest-inserted >> text=Ensuite")  # its author's name shows
    ibrahim.screenshot(path=str(OUTPUT / f"suggestions-{width}.png"))
    _suggesting(ibrahim)
    text = ibrahim.evaluate(TEXT)
    at = text.index(words[4])
    _replace(ibrahim, at, at + len(words[4]), "brouillon")
    ibrahim.evaluate(TO_TOP)
    ibrahim.screenshot(path=str(OUTPUT / f"suggestions-draft-{width}.png"))
    assert ibrahim.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert ibrahim.errors == []
