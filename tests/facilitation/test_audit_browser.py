"""The audit page in Chromium: a table on a laptop, cards on a phone with nothing cut off;
filters are links that work without a script. Screenshots go to tests/output/."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.deliberation import arguments, moderation
from app.extensions import db
from app.facilitation import announcements, audit, locks, phases
from app.workshops import memberships
from app.workshops.services import membership_of
from tests.browser_support import log_in_page
from tests.conftest import PASSWORD
from tests.facilitation.conftest import group

pytestmark = pytest.mark.browser
OUTPUT = Path(__file__).resolve().parents[1] / "output"


@pytest.fixture
def busy_log(world):
    """One entry of each main kind, as a week of school leaves them."""
    edition = world.edition
    paper = group(edition, "gouvernement").paper
    phases.set_current_phase(edition, "debat", world.facilitator)
    locks.set_lock(
        edition, world.facilitator, "section", paper.sections[1].id, locked=True,
        reason="Relecture par la facilitation avant la plénière",
    )  # fmt: skip
    locks.set_lock(edition, world.facilitator, "all", None, locked=True)
    announcements.send_announcement(
        edition, world.facilitator, "Plénière à 18 h dans la grande salle : venez avec vos notes."
    )
    memberships.move_member(
        membership_of(world.teammate, edition), group(edition, "societe-civile"), world.organizer
    )
    claim = arguments.add_argument(
        edition, world.participant, question=edition.questions[0], kind="claim",
        text="Les coupures d’Internet violent le droit à l’information des citoyens.",
    )  # fmt: skip
    db.session.commit()
    moderation.hide(claim, world.facilitator, "Hors sujet : la question porte sur la légalité")
    db.session.commit()
    audit.record_refusal(
        edition, world.other, paper.sections[0], reason="/collab sync", after={"event": "sync"}
    )
    return world


def _open(browser, live_server, width: int):
    page = browser.new_page(locale="fr-FR", viewport={"width": width, "height": 900})
    log_in_page(page, live_server.base_url, "orga@example.org", PASSWORD)
    page.goto(f"{live_server.base_url}/editions/ecole-2024/audit")
    return page


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("width", [360, 1280])
def test_the_audit_page_fits_and_is_screenshot(busy_log, live_server, browser, width):
    page = _open(browser, live_server, width)
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"audit-{width}.png"), full_page=True)
    assert _overflow(page) <= 0
    head_shown = page.locator(".audit-log thead").evaluate("e => e.getBoundingClientRect().height")
    if width == 360:  # cards: the column headings are for screen readers only
        assert head_shown <= 1
    else:
        assert head_shown > 10
    assert page.locator(".audit-log tbody tr").count() >= 7


def test_a_filter_chip_is_a_link_that_works_without_script(busy_log, live_server, browser):
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    log_in_page(page, live_server.base_url, "orga@example.org", PASSWORD)
    page.goto(f"{live_server.base_url}/editions/ecole-2024/audit")
    page.locator(".chip-row").nth(0).locator("a.chip").nth(1).click()
    page.wait_for_load_state()
    assert "family=" in page.url
    families = set(page.locator(".audit-log tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.action.split('.')[0])"
    ))  # fmt: skip
    assert len(families) == 1
    context.close()
