"""What may be written when: the one home of the lock rules that several areas read.

A section is read-only when it, its paper or the current phase is locked, or when a
scheduled lock covering it has fallen due. The rules read columns of the section and its
paper (collaboration's models, taken as they come: nothing here imports collaboration) and
the schedule (``ScheduledLock``). ``app.collaboration.permissions`` asks them on every
message; ``app.facilitation.locks`` sets the flags and the schedule, and its timer
(``app.facilitation.scheduler``) turns due schedules into flags and tells the editors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, or_, select

from app.core import authz
from app.core.models import utcnow
from app.extensions import db
from app.workshops.models import LockScope, ScheduledLock


def phase_allows_writing(phase) -> bool:
    """The current phase's rights: papers are written only in a phase that opens them."""
    return phase is not None and not phase.papers_locked and phase.write_own_paper


def section_is_locked(section: Any) -> bool:
    """A section is read-only when it, its paper or the current phase is locked."""
    paper = section.paper
    return (
        section.locked
        or paper.locked
        or not phase_allows_writing(paper.group.edition.current_phase)
        or scheduled_lock_in_force(section)
    )


def scheduled_lock_in_force(section: Any) -> bool:
    """A lock scheduled for a deadline counts from that moment: a decision made before it
    is not reused after it (``authz.valid_until``)."""
    at = earliest_scheduled_lock(section)
    if at is None:
        return False
    if at <= utcnow():
        return True
    authz.valid_until(at)
    return False


def earliest_scheduled_lock(section: Any) -> datetime | None:
    """When the earliest not cancelled, not yet applied scheduled lock covering ``section``
    falls due (or fell due), if there is one.

    A pure function of the database: the authorization rule asks it and compares it with
    the clock, so edits stop at the deadline in every process, before the timer has run.
    """
    paper = section.paper
    return db.session.scalar(
        select(func.min(ScheduledLock.at)).where(
            ScheduledLock.edition_id == paper.group.edition_id,
            ScheduledLock.applied_at.is_(None),
            ScheduledLock.cancelled_at.is_(None),
            or_(
                ScheduledLock.scope == LockScope.ALL,
                and_(ScheduledLock.scope == LockScope.PAPER, ScheduledLock.paper_id == paper.id),
                and_(
                    ScheduledLock.scope == LockScope.SECTION, ScheduledLock.section_id == section.id
                ),
            ),
        )
    )


# --- what the screens say about writing ---------------------------------------------------


class Writing(StrEnum):
    """Where a paper's writing stands, for the texts that follow it (banners, buttons)."""

    NOT_STARTED = "not_started"  # no phase so far has opened writing; a later one will
    OPEN = "open"
    LOCKED = "locked"  # the phase allows writing, the facilitators (or a deadline) locked it
    PAUSED = "paused"  # written in an earlier phase, to be written again in a later one
    CLOSED = "closed"  # no later phase opens writing: read-only for good


@dataclass(frozen=True)
class WritingStatus:
    state: Writing
    #: not started or paused: when the current phase is due to end (its deadline);
    #: open: when a scheduled lock closes the paper.
    at: datetime | None = None
    #: not started or paused: the name of the phase that opens writing.
    next_phase: str | None = None


def writing_status(edition: Any, paper: Any = None) -> WritingStatus:
    """What the current phase, and the locks of ``paper`` if given, say about writing."""
    phase = edition.current_phase
    if not phase_allows_writing(phase):
        phases = list(edition.phases)
        index = phases.index(phase) if phase in phases else -1
        later = next((p for p in phases[index + 1 :] if phase_allows_writing(p)), None)
        if later is None:
            return WritingStatus(Writing.CLOSED)
        earlier = any(phase_allows_writing(p) for p in phases[: max(index, 0)])
        state = Writing.PAUSED if earlier else Writing.NOT_STARTED
        return WritingStatus(state, phase.deadline if phase else None, later.name)
    if paper is None or not paper.sections:
        return WritingStatus(Writing.OPEN)
    if paper.locked or all(section_is_locked(s) for s in paper.sections):
        return WritingStatus(Writing.LOCKED)
    now = utcnow()
    due = [at for s in paper.sections if (at := earliest_scheduled_lock(s)) and at > now]
    return WritingStatus(Writing.OPEN, min(due) if due else None)


def writing_course(edition: Any) -> list[dict]:
    """The phases in order and whether each opens writing: the live client works out the
    state again when the phase changes (``frontend/src/live/banner.js``)."""
    return [
        {"key": p.key, "name": p.name, "writes": phase_allows_writing(p)} for p in edition.phases
    ]
