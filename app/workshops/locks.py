"""What may be written when: the one home of the lock rules that several areas read.

A section is read-only when it, its paper or the current phase is locked, or when a
scheduled lock covering it has fallen due. The rules read columns of the section and its
paper (collaboration's models, taken as they come: nothing here imports collaboration) and
the schedule (``ScheduledLock``). ``app.collaboration.permissions`` asks them on every
message; ``app.facilitation.locks`` sets the flags and the schedule, and its timer
(``app.facilitation.scheduler``) turns due schedules into flags and tells the editors.
"""

from __future__ import annotations

from datetime import datetime
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
