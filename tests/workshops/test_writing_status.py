"""Texts follow the rules of the current phase: where writing stands (``writing_status``)
and what the paper, edition and home pages say about it, phase by phase.

The pages are checked by the state they carry (``data-state``) and by what does not
depend on a translation (phase names, the button's state): the French of new texts comes
with the next catalogue."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from app.core.models import utcnow
from app.extensions import db
from app.facilitation import locks as facilitation_locks
from app.workshops.locks import Writing, writing_status
from app.workshops.services import get_group

PAPER = "/editions/ecole-2024/groups/gouvernement/paper"


def _at(edition, key: str):
    edition.current_phase = next(p for p in edition.phases if p.key == key)
    db.session.commit()
    return edition


def _paper(edition):
    return get_group(edition, "gouvernement").paper


@pytest.mark.parametrize(
    ("phase", "state"),
    [
        ("preparation", Writing.NOT_STARTED),
        ("redaction", Writing.OPEN),
        ("debat", Writing.OPEN),
        ("finalisation", Writing.OPEN),
        ("ceremonie", Writing.CLOSED),
    ],
)
def test_each_default_phase_says_where_writing_stands(create_edition, phase, state):
    edition = create_edition(phase=phase)
    assert writing_status(edition, _paper(edition)).state == state


def test_before_writing_the_status_names_the_phase_that_opens_it(create_edition):
    edition = create_edition(phase="preparation")
    deadline = utcnow() + timedelta(days=2)
    edition.current_phase.deadline = deadline
    status = writing_status(edition)
    assert (status.next_phase, status.at) == ("Rédaction", deadline)


def test_a_phase_without_writing_between_two_with_it_is_a_pause(create_edition):
    edition = create_edition(phase="redaction")
    for phase in edition.phases:
        if phase.key == "debat":
            phase.write_own_paper = False
    db.session.flush()  # the phase first, then the current phase: one flush loop each
    status = writing_status(_at(edition, "debat"))
    assert (status.state, status.next_phase) == (Writing.PAUSED, "Finalisation")


def test_a_locked_paper_is_locked_while_the_phase_allows_writing(create_edition, create_user):
    edition = create_edition()
    facilitation_locks.set_lock(edition, create_user(), "paper", _paper(edition).id, locked=True)
    db.session.commit()
    assert writing_status(edition, _paper(edition)).state == Writing.LOCKED
    assert writing_status(edition).state == Writing.OPEN  # the edition as a whole


def test_a_scheduled_lock_says_when_writing_closes(create_edition, create_user):
    edition = create_edition()
    at = utcnow() + timedelta(hours=3)
    facilitation_locks.schedule_lock(edition, create_user(), "paper", _paper(edition).id, at=at)
    db.session.commit()
    status = writing_status(edition, _paper(edition))
    assert (status.state, status.at) == (Writing.OPEN, at)


# --- the pages -----------------------------------------------------------------------------


@pytest.fixture
def member(create_edition, add_member):
    edition = create_edition(phase="preparation")
    return edition, add_member(edition, "participant", "gouvernement")


def _notice(page: str) -> tuple[str, bool, str]:
    """The state, visibility and text of the page's writing notice."""
    match = re.search(
        r'<p class="writing-notice[^"]*"[^>]*data-state="([a-z_]+)"([^>]*)>([^<]*)</p>', page
    )
    assert match, "no writing notice"
    return match.group(1), "hidden" not in match.group(2), match.group(3).strip()


def _buttons(page: str) -> list[str]:
    return re.findall(r'<button type="button" class="open button"[^>]*>', page)


def test_in_preparation_the_paper_says_writing_has_not_started(member, client_for):
    user = member[1]
    page = client_for(user).get(PAPER).get_data(as_text=True)
    state, shown, text = _notice(page)
    assert (state, shown) == ("not_started", True)
    assert "Rédaction" in text  # the phase that opens writing
    assert "read-only" not in text and "lecture seule" not in text
    assert all("disabled" in button for button in _buttons(page))


def test_in_preparation_the_paper_says_when_writing_opens_if_planned(member, client_for):
    edition, user = member
    edition.current_phase.deadline = utcnow() + timedelta(days=1)
    db.session.commit()
    _state, _shown, text = _notice(client_for(user).get(PAPER).get_data(as_text=True))
    assert re.search(r"\d", text)  # the date


def test_in_redaction_the_paper_shows_no_warning_and_write_buttons(member, client_for):
    _at(member[0], "redaction")
    page = client_for(member[1]).get(PAPER).get_data(as_text=True)
    assert _notice(page)[:2] == ("open", False)
    assert _buttons(page) and not any("disabled" in button for button in _buttons(page))


def test_a_locked_paper_says_it_is_locked(member, client_for, create_user):
    edition, user = _at(member[0], "redaction"), member[1]
    facilitation_locks.set_lock(edition, create_user(), "paper", _paper(edition).id, locked=True)
    db.session.commit()
    page = client_for(user).get(PAPER).get_data(as_text=True)
    assert _notice(page)[:2] == ("locked", True)
    assert all("disabled" in button for button in _buttons(page))


def test_after_the_last_writing_phase_the_paper_is_read_only(member, client_for):
    _at(member[0], "ceremonie")
    state, shown, text = _notice(client_for(member[1]).get(PAPER).get_data(as_text=True))
    assert (state, shown) == ("closed", True)
    assert "lecture seule" in text  # an existing text, translated


def test_a_reader_outside_the_group_gets_read_buttons_not_locked_ones(
    member, client_for, add_member
):
    edition = _at(member[0], "redaction")
    facilitator = add_member(edition, "facilitator")
    page = client_for(facilitator).get(PAPER).get_data(as_text=True)
    assert _buttons(page) and not any("disabled" in button for button in _buttons(page))


def test_the_edition_page_says_where_writing_stands(member, client_for):
    page = client_for(member[1]).get("/editions/ecole-2024").get_data(as_text=True)
    assert _notice(page)[:2] == ("not_started", True)


def test_the_home_page_says_writing_has_not_started(member, client_for):
    _edition, user = member
    page = client_for(user).get("/").get_data(as_text=True)
    line = re.search(r'<p class="writing-line">([^<]*)</p>', page)
    assert line and "Rédaction" in line.group(1)


def test_the_live_client_gets_the_course_of_phases(member, client_for):
    _edition, user = member
    page = client_for(user).get("/editions/ecole-2024").get_data(as_text=True)
    course = re.search(r'<script type="application/json" id="live-writing">(.*?)</script>', page)
    assert course and '"key": "preparation"' in course.group(1).replace('":"', '": "')
