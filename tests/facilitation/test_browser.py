"""In Chromium: the live client shows announcements, phases and locks without a reload."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.models import utcnow
from app.extensions import db
from app.facilitation import announcements, locks, phases
from app.workshops import memberships
from tests.browser_support import log_in_page, wait_until
from tests.conftest import PASSWORD
from tests.facilitation.conftest import group

pytestmark = pytest.mark.browser


def _open_edition(browser, live_server, email):
    page = browser.new_page(locale="fr-FR")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in_page(page, live_server.base_url, email, PASSWORD)
    page.goto(f"{live_server.base_url}/editions/ecole-2024")
    # The phase chip is filled once the live client has joined the edition.
    wait_until(page, "document.querySelector('.live-phase-name')?.textContent.length > 0", 10)
    page.errors = errors
    return page


def test_an_announcement_appears_live_as_a_banner(world, live_server, browser):
    page = _open_edition(browser, live_server, "awa@example.org")
    assert page.locator("#live-banner").is_hidden()
    announcements.send_announcement(world.edition, world.facilitator, "Rendez-vous **en plénière**")
    db.session.commit()
    banner = page.locator("#live-banner .live-announcement")
    banner.wait_for(timeout=5000)
    assert "Rendez-vous en plénière" in banner.inner_text()
    assert banner.locator("strong", has_text="en plénière").count() == 1
    assert page.errors == []


def test_closing_the_banner_marks_the_announcement_read(world, live_server, browser):
    announcements.send_announcement(world.edition, world.facilitator, "Lisez-moi")
    db.session.commit()
    page = _open_edition(browser, live_server, "awa@example.org")
    page.locator("#live-banner .live-announcement").wait_for(timeout=5000)
    page.click("#live-banner .live-close")
    assert page.locator("#live-banner").is_hidden()
    deadline = utcnow() + timedelta(seconds=5)
    while (
        announcements.unread_announcements(world.participant, world.edition) and utcnow() < deadline
    ):
        db.session.expire_all()
        page.wait_for_timeout(50)
    assert announcements.unread_announcements(world.participant, world.edition) == []


def test_a_phase_change_and_its_deadline_show_live(world, live_server, browser):
    page = _open_edition(browser, live_server, "bin@example.org")
    assert page.locator(".live-phase-name").inner_text() == "Rédaction"
    phases.set_current_phase(world.edition, "debat", world.facilitator)
    phases.set_deadline(
        phases.get_phase(world.edition, "debat"), utcnow() + timedelta(hours=2), world.facilitator
    )
    db.session.commit()
    wait_until(page, "document.querySelector('.live-phase-name').textContent === 'Débat'")
    assert "Nouvelle phase : Débat" in page.locator("#live-banner").inner_text()
    countdown = page.locator(".live-phase time.countdown")
    wait_until(
        page,
        "/1 h 5\\d min|2 h 00 min/.test(document.querySelector('.live-phase time').textContent)",
    )
    assert countdown.is_visible()


def test_locking_the_paper_tells_its_group_live(world, live_server, browser):
    page = _open_edition(browser, live_server, "awa@example.org")
    other = _open_edition(browser, live_server, "bin@example.org")
    paper = group(world.edition, "gouvernement").paper
    locks.set_lock(world.edition, world.facilitator, "paper", paper.id, locked=True)
    db.session.commit()
    page.locator("#live-banner .live-locked").wait_for(timeout=5000)
    # The facilitators' lock, said as such (the live client's text, whatever the language).
    locked_by = page.evaluate(
        "JSON.parse(document.getElementById('live-strings').textContent).locked_by"
    )
    assert locked_by in page.locator("#live-banner").inner_text()
    assert page.evaluate("document.documentElement.classList.contains('papers-locked')")
    other.wait_for_timeout(300)
    assert other.locator("#live-banner .live-locked").count() == 0


def test_a_removed_member_sees_their_access_end(world, live_server, browser):
    from app.workshops.services import membership_of

    page = _open_edition(browser, live_server, "awa@example.org")
    memberships.remove_member(membership_of(world.participant, world.edition), world.organizer)
    db.session.commit()
    page.locator("#live-banner", has_text="Votre accès à cette édition a pris fin").wait_for(
        timeout=5000
    )


def test_the_dashboard_updates_live_when_a_member_comes_online(
    world, live_server, browser, socketio_client
):
    page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 800})
    log_in_page(page, live_server.base_url, "fa@example.org", PASSWORD)
    page.goto(f"{live_server.base_url}/editions/ecole-2024/dashboard")
    assert page.locator("#dashboard svg.chart").count() >= 2
    online = page.locator('.dash-group[data-group="gouvernement"] .online-count')
    assert online.inner_text().strip() == "● 0"
    wait_until(page, "document.querySelector('.live-phase-name')?.textContent.length > 0", 10)
    sio = socketio_client(world.participant, namespaces=("/live",))
    sio.call("join", {"edition": "ecole-2024", "page": "editor"}, namespace="/live", timeout=5)
    wait_until(
        page,
        "document.querySelector('.dash-group[data-group=gouvernement] .online-count')"
        ".textContent.trim() === '● 1'",
        timeout=8,
    )
    assert page.locator(".dash-members tr.online", has_text="Awa").count() == 1
