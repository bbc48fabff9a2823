"""In Chromium: the section button says what it will do (write, close the editor, locked),
the presence box puts each co-writer in their section, and announcements share one small
banner with a count. Screenshots (360 and 1280 px) go to tests/output/feedback/."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.extensions import db
from app.facilitation import announcements, locks
from app.workshops.services import get_group
from tests.browser_support import member_page, wait_until

pytestmark = pytest.mark.browser

OUTPUT = Path(__file__).resolve().parents[2] / "tests/output/feedback"
PAPER = "/editions/malisig-2023/groups/gouvernement/paper"
INTRO = '.paper-section[data-key="introduction"]'
Q1 = '.paper-section[data-key="q1"]'
SIZES = {360: 640, 1280: 800}


def _page(browser, base_url, email, width=1280, path=PAPER):
    return member_page(browser, base_url, email, path, width=width, height=SIZES[width])


def _paper(browser, base_url, email, width=1280):
    page = _page(browser, base_url, email, width)
    page.wait_for_selector('#connection-badge[data-status="connected"]')
    return page


def _strings(page) -> dict:
    return page.evaluate("JSON.parse(document.getElementById('palabre-i18n').textContent)")


def _shoot(page, name: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


def test_the_section_button_says_write_then_close_the_editor(live_server, demo, browser):
    page = _paper(browser, live_server.base_url, "gouvernement1@demo.palabre")
    t = _strings(page)
    button = page.locator(f"{INTRO} .open")
    assert button.inner_text() == t["write"]
    button.click()
    page.wait_for_selector(f"{INTRO} .cm-content")
    assert button.inner_text() == t["close_editor"]
    assert button.get_attribute("aria-expanded") == "true"
    button.click()
    assert button.inner_text() == t["write"]
    assert page.locator(f"{INTRO} .workspace").is_hidden()
    assert page.errors == []


def test_a_locked_section_says_locked_and_shows_its_text(live_server, demo, browser):
    page = _paper(browser, live_server.base_url, "gouvernement1@demo.palabre")
    t = _strings(page)
    section = next(
        s for s in get_group(demo, "gouvernement").paper.sections if s.key == "introduction"
    )
    locks.set_lock(
        demo, demo.users["facilitateur@demo.palabre"], "section", section.id, locked=True
    )
    db.session.commit()
    button = page.locator(f"{INTRO} .open")
    wait_until(page, f"document.querySelector('{INTRO} .open').disabled")
    assert button.inner_text() == t["locked_section"]
    assert page.locator(f"{INTRO} .editor").is_hidden()
    wait_until(page, f"document.querySelector('{INTRO} .preview').textContent.trim().length > 20")
    assert page.locator(f"{Q1} .open").inner_text() == t["write"]  # the others stay open
    assert page.errors == []


def test_the_presence_box_puts_each_co_writer_in_their_section(live_server, demo, browser):
    fatoumata = _paper(browser, live_server.base_url, "gouvernement1@demo.palabre")
    ibrahim = _paper(browser, live_server.base_url, "gouvernement2@demo.palabre")
    fatoumata.click(f"{INTRO} .open")
    ibrahim.click(f"{Q1} .open")
    wait_until(fatoumata, "document.querySelectorAll('#presence li').length === 1")
    fatoumata.wait_for_timeout(500)  # the other sections' presence has arrived too
    rows = fatoumata.locator("#presence li").all_inner_texts()
    q1_title = fatoumata.evaluate(
        "JSON.parse(document.getElementById('palabre-editor-config').textContent)"
        ".sections.find((s) => s.key === 'q1').title"
    )
    assert len(rows) == 1
    assert "Ibrahim" in rows[0] and rows[0].endswith(q1_title)
    # Ibrahim moves to the introduction: he leaves question 1.
    ibrahim.click(f"{Q1} .open")
    ibrahim.click(f"{INTRO} .open")
    wait_until(
        fatoumata, "document.querySelector('#presence li')?.textContent.includes('Introduction')"
    )
    assert fatoumata.locator("#presence li").count() == 1


def _announce(demo, *bodies):
    reader = demo.users["gouvernement1@demo.palabre"]
    announcements.mark_read(reader, announcements.unread_announcements(reader, demo))  # welcome
    for body in bodies:
        announcements.send_announcement(demo, demo.users["facilitateur@demo.palabre"], body)
        db.session.commit()
        time.sleep(0.01)


def _banner_page(browser, base_url, width):
    page = _page(browser, base_url, "gouvernement1@demo.palabre", width, "/editions/malisig-2023")
    page.locator("#live-banner .live-announcement").first.wait_for(timeout=8000)
    return page


LONG = (
    "Rendez-vous **en plénière** à 14 h pour la restitution des groupes : chaque groupe a dix "
    "minutes, puis cinq minutes de questions. Apportez vos documents de position."
)


def test_three_announcements_share_one_small_banner_with_a_count(live_server, demo, browser):
    _announce(demo, "Première annonce.", "Deuxième annonce.", LONG)
    page = _banner_page(browser, live_server.base_url, 360)
    banner = page.locator("#live-banner")
    assert page.locator("#live-banner .live-item:visible").count() == 1
    assert "plénière" in page.locator("#live-banner .live-item:visible").inner_text()
    assert page.locator("#live-banner .live-count").inner_text() == "1/3"
    assert page.locator("#live-banner .live-more").inner_text() == "+2"
    assert banner.bounding_box()["height"] <= 0.2 * 640
    _shoot(page, "banner-3-announcements-360")
    page.click("#live-banner .live-more")
    assert page.locator("#live-banner .live-item:visible").count() == 3
    assert page.locator("#live-banner .live-more").get_attribute("aria-expanded") == "true"
    assert page.errors == []


def test_a_dismissed_announcement_stays_dismissed_after_a_reload(live_server, demo, browser):
    _announce(demo, "Première annonce.", "Deuxième annonce.")
    page = _banner_page(browser, live_server.base_url, 360)
    page.click("#live-banner .live-item:visible .live-close")
    assert page.locator("#live-banner .live-item").count() == 1
    assert "Première" in page.locator("#live-banner .live-item:visible").inner_text()
    assert page.locator("#live-banner .live-bar").is_hidden()
    wait_until(page, "localStorage.length > 0")
    page.reload()
    page.locator("#live-banner .live-announcement").first.wait_for(timeout=8000)
    page.wait_for_timeout(300)
    assert page.locator("#live-banner .live-item").count() == 1
    assert "Première" in page.locator("#live-banner").inner_text()


def test_a_live_announcement_comes_first_and_counts(live_server, demo, browser):
    _announce(demo, "Première annonce.")
    page = _banner_page(browser, live_server.base_url, 360)
    _announce(demo, "Dernière minute.")
    wait_until(page, "document.querySelector('#live-banner .live-count')?.textContent === '1/2'")
    assert "Dernière minute." in page.locator("#live-banner .live-item:visible").inner_text()


def test_screenshots_of_the_banner_and_the_groups_form(live_server, demo, browser):
    _announce(demo, "Première annonce.", "Deuxième annonce.", LONG)
    page = _banner_page(browser, live_server.base_url, 1280)
    _shoot(page, "banner-3-announcements-1280")
    for width in SIZES:
        page = _page(
            browser,
            live_server.base_url,
            "organisateur@demo.palabre",
            width,
            "/editions/malisig-2023/manage/groups",
        )
        value = page.locator("main form.card input[type=color]").input_value()
        assert value not in ("", "#000000")
        _shoot(page, f"groups-form-{width}")


@pytest.mark.parametrize("phase", ["preparation", "redaction"])
def test_screenshots_of_the_paper_by_phase(live_server, demo, browser, phase):
    demo.current_phase = next(p for p in demo.phases if p.key == phase)
    db.session.commit()
    for width in SIZES:
        page = _paper(browser, live_server.base_url, "gouvernement1@demo.palabre", width)
        state = page.locator(".writing-notice").get_attribute("data-state")
        assert state == ("not_started" if phase == "preparation" else "open")
        buttons = page.locator(".paper-section .open")
        assert all(b.is_disabled() == (phase == "preparation") for b in buttons.all())
        page.wait_for_timeout(400)
        assert page.locator("#live-banner .live-locked").count() == 0  # no "closed" on day one
        _shoot(page, f"paper-{phase}-{width}")
        assert page.errors == []


def _live_strings(page) -> dict:
    return page.evaluate("JSON.parse(document.getElementById('live-strings').textContent)")


def test_when_writing_opens_the_page_says_so_and_the_buttons_follow(live_server, demo, browser):
    from app.facilitation import phases

    demo.current_phase = next(p for p in demo.phases if p.key == "preparation")
    db.session.commit()
    page = _paper(browser, live_server.base_url, "gouvernement1@demo.palabre")
    assert page.locator(f"{INTRO} .open").is_disabled()
    phases.set_current_phase(demo, "redaction", demo.users["facilitateur@demo.palabre"])
    db.session.commit()
    wait_until(page, f"!document.querySelector('{INTRO} .open').disabled")
    assert page.locator(f"{INTRO} .open").inner_text() == _strings(page)["write"]
    wait_until(page, "document.querySelector('.writing-notice').dataset.state === 'open'")
    assert page.locator(".writing-notice").is_hidden()
    opened = page.locator('#live-banner [data-key="unlocked"]')
    opened.wait_for(state="attached", timeout=5000)
    assert opened.text_content() == _live_strings(page)["open_now"]  # not "again": it never was
    assert page.errors == []


def test_when_writing_closes_for_good_the_page_says_read_only(live_server, demo, browser):
    from app.facilitation import phases

    page = _paper(browser, live_server.base_url, "gouvernement1@demo.palabre")
    phases.set_current_phase(demo, "ceremonie", demo.users["facilitateur@demo.palabre"])
    db.session.commit()
    wait_until(page, "document.querySelector('.writing-notice').dataset.state === 'closed'")
    closed = _live_strings(page)["closed"]
    assert page.locator(".writing-notice").inner_text() == closed
    page.locator("#live-banner .live-locked").wait_for(state="attached", timeout=5000)
    assert page.locator("#live-banner .live-locked").text_content() == closed
    wait_until(page, f"document.querySelector('{INTRO} .open').disabled")


def test_a_phase_changed_while_the_page_loads_is_shown_once_it_joins(
    app, live_server, demo, browser
):
    """The page was made in "Rédaction"; the phase moved on before its live client joined:
    the join's answer, not a later event, brings the page up to date."""
    from app.accounts.services import find_user
    from app.facilitation import phases
    from app.workshops.services import get_edition

    def close_writing_then_load(route) -> None:
        with app.app_context():  # Playwright calls this outside the test's context
            facilitator = find_user("facilitateur@demo.palabre")
            phases.set_current_phase(get_edition(demo.slug), "ceremonie", facilitator)
            db.session.commit()
        route.continue_()

    page = member_page(browser, live_server.base_url, "gouvernement1@demo.palabre", "/")
    page.route("**/static/dist/live-*.js", close_writing_then_load)
    page.goto(live_server.base_url + PAPER)
    wait_until(page, "document.querySelector('.writing-notice').dataset.state === 'closed'")
    assert page.locator(".writing-notice").inner_text() == _live_strings(page)["closed"]
    assert page.errors == []
