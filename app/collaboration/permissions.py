"""Rules for reading and editing position papers (see ``app.core.authz``)."""

from __future__ import annotations

from app.collaboration.models import Paper, PaperVisibility, Section
from app.core.authz import rule
from app.workshops.models import Role
from app.workshops.services import membership_of


def _phase(edition):
    return edition.current_phase


@rule("paper.read")
def may_read_paper(user, paper: Paper) -> bool:
    edition = paper.group.edition
    membership = membership_of(user, edition)
    if membership is None:
        return False
    if membership.role in (Role.ORGANIZER, Role.FACILITATOR):
        return True
    if membership.role == Role.PARTICIPANT:
        if membership.group_id == paper.group_id:
            return True
        phase = _phase(edition)
        opened = phase is not None and phase.read_other_papers
        return opened or paper.visibility in (PaperVisibility.EDITION, PaperVisibility.PUBLISHED)
    return paper.visibility == PaperVisibility.PUBLISHED


def section_is_locked(section: Section) -> bool:
    """A section is read-only when it, its paper or the current phase is locked."""
    phase = _phase(section.paper.group.edition)
    return (
        section.locked
        or section.paper.locked
        or phase is None
        or phase.papers_locked
        or not phase.write_own_paper
        or _scheduled_lock_in_force(section)
    )


def _scheduled_lock_in_force(section: Section) -> bool:
    """A lock scheduled for a deadline counts from that moment (facilitation)."""
    from app.facilitation.services import scheduled_lock_in_force

    return scheduled_lock_in_force(section)


@rule("section.read")
def may_read_section(user, section: Section) -> bool:
    return may_read_paper(user, section.paper)


@rule("section.edit")
def may_edit_section(user, section: Section) -> bool:
    membership = membership_of(user, section.paper.group.edition)
    if membership is None or membership.role != Role.PARTICIPANT:
        return False
    return membership.group_id == section.paper.group_id and not section_is_locked(section)


@rule("collab.leave")
def may_leave(user, _section: Section) -> bool:
    """Leaving a section is always allowed to a logged-in user."""
    return user is not None
