"""Locks: a section, a paper or all the papers, now or at a moment (``ScheduledLock``).

Lock flags live on sections and papers (collaboration); this module sets them, keeps the
schedules, and tells the editors and the /live pages once the change is committed
(``notify_access``, which phases and membership changes use too).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.collaboration.models import Paper, Section
from app.collaboration.services import notify_access_changed
from app.core.errors import BadInput, Conflict, NotFound
from app.core.markdown import clean_text
from app.core.models import utcnow
from app.extensions import db, socketio
from app.facilitation import live
from app.facilitation.audit import record_audit
from app.workshops.locks import section_is_locked
from app.workshops.models import Edition, LockScope, ScheduledLock, StakeholderGroup

REASON_MAX = 1000


def ahead(moment: datetime, now: datetime) -> datetime:
    """``moment`` checked to say its time zone and to be still to come (a deadline, a
    scheduled lock)."""
    if moment.tzinfo is None:
        raise BadInput(_("The time must say its time zone."))
    if moment <= now:
        raise BadInput(_("The deadline is in the past."), code="deadline_past")
    return moment


# --- telling who is connected --------------------------------------------------------------


def _sections_of_edition(edition_id: int) -> list[Section]:
    return list(
        db.session.scalars(
            select(Section)
            .join(Paper, Section.paper_id == Paper.id)
            .join(StakeholderGroup, Paper.group_id == StakeholderGroup.id)
            .where(StakeholderGroup.edition_id == edition_id)
            .order_by(Section.id)
        )
    )


def access_payload(sections) -> list[dict]:
    return [
        {
            "id": s.id,
            "key": s.key,
            "group": s.paper.group.slug,
            "locked": bool(section_is_locked(s)),
        }
        for s in sections
    ]


def notify_access(edition_id: int, section_ids: list[int] | None = None) -> None:
    """After commit: tell editors (live editor) and every /live page of the new locks."""

    def work() -> None:
        sections = _sections_of_edition(edition_id)
        if section_ids is not None:
            wanted = set(section_ids)
            sections = [s for s in sections if s.id in wanted]
        notify_access_changed(sections)
        socketio.emit(
            "access",
            {"sections": access_payload(sections)},
            to=live.edition_room(edition_id),
            namespace=live.NAMESPACE,
        )

    live.after_commit(work)


# --- locks now -------------------------------------------------------------------------------


def _papers(edition: Edition) -> list[Paper]:
    return list(
        db.session.scalars(
            select(Paper)
            .join(StakeholderGroup, Paper.group_id == StakeholderGroup.id)
            .where(StakeholderGroup.edition_id == edition.id)
            .order_by(StakeholderGroup.position)
        )
    )


def _apply_lock(edition: Edition, scope: str, paper_id, section_id, locked: bool) -> list[int]:
    """Set the flags; return the ids of the sections whose access may have changed."""
    if scope == LockScope.SECTION:
        section = db.session.get(Section, section_id)
        if section is None:
            return []
        section.locked = locked
        return [section.id]
    if scope == LockScope.PAPER:
        paper = db.session.get(Paper, paper_id)
        if paper is None:
            return []
        paper.locked = locked
        return [s.id for s in paper.sections]
    ids = []
    for paper in _papers(edition):
        paper.locked = locked
        ids += [s.id for s in paper.sections]
    return ids


def resolve_lock_target(edition: Edition, scope: str, target_id: int | None):
    """(paper_id, section_id, target object) for a lock scope, checked to be in ``edition``."""
    if scope not in LockScope.ALL_SCOPES:
        raise BadInput(_("Unknown lock scope."))
    if scope == LockScope.ALL:
        return None, None, edition
    if not isinstance(target_id, int):
        raise BadInput(_("Choose what to lock."))
    if scope == LockScope.PAPER:
        paper = db.session.get(Paper, target_id)
        if paper is None or paper.group.edition_id != edition.id:
            raise NotFound(_("This paper does not exist."))
        return paper.id, None, paper
    section = db.session.get(Section, target_id)
    if section is None or section.paper.group.edition_id != edition.id:
        raise NotFound(_("This section does not exist."))
    return section.paper_id, section.id, section


def _lock_state(scope: str, target) -> Any:
    if scope == LockScope.ALL:
        return {"papers": {p.group.slug: p.locked for p in _papers(target)}}
    return {"locked": target.locked}


def _reason(reason: str | None) -> str:
    reason = clean_text(reason or "").strip()
    if len(reason) > REASON_MAX:
        raise BadInput(_("A reason has at most 1,000 characters."))
    return reason


def set_lock(
    edition: Edition,
    actor,
    scope: str,
    target_id: int | None,
    *,
    locked: bool,
    reason: str = "",
) -> list[int]:
    """Lock or unlock one section, one paper or all the papers of ``edition`` now."""
    reason = _reason(reason)
    paper_id, section_id, target = resolve_lock_target(edition, scope, target_id)
    apply_due_locks(edition=edition)  # a due schedule first takes effect, then this change
    before = _lock_state(scope, target)
    ids = _apply_lock(edition, scope, paper_id, section_id, locked)
    db.session.flush()
    after = _lock_state(scope, target)
    name = {LockScope.SECTION: "section", LockScope.PAPER: "paper", LockScope.ALL: "papers"}
    record_audit(
        edition,
        actor,
        f"{name[scope]}.{'lock' if locked else 'unlock'}",
        target,
        reason=reason,
        before=before,
        after=after,
    )
    notify_access(edition.id, ids)
    return ids


# --- locks at a moment -----------------------------------------------------------------------


def schedule_lock(
    edition: Edition,
    actor,
    scope: str,
    target_id: int | None = None,
    *,
    at: datetime | None = None,
    now: datetime | None = None,
) -> ScheduledLock:
    """Lock at ``at`` (by default the current phase's deadline)."""
    now = now or utcnow()
    paper_id, section_id, target = resolve_lock_target(edition, scope, target_id)
    if at is None:
        phase = edition.current_phase
        if phase is None or phase.deadline is None:
            raise BadInput(_("The current phase has no deadline: give a time."))
        at = phase.deadline
    at = ahead(at, now)
    lock = ScheduledLock(
        edition_id=edition.id,
        scope=scope,
        paper_id=paper_id,
        section_id=section_id,
        at=at,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(lock)
    db.session.flush()
    record_audit(
        edition,
        actor,
        "lock.schedule",
        target,
        after={"scope": scope, "at": at.isoformat(), "schedule": lock.id},
    )
    _announce_schedules(edition)
    return lock


def pending_schedules(edition: Edition) -> list[ScheduledLock]:
    return list(
        db.session.scalars(
            select(ScheduledLock)
            .where(
                ScheduledLock.edition_id == edition.id,
                ScheduledLock.applied_at.is_(None),
                ScheduledLock.cancelled_at.is_(None),
            )
            .order_by(ScheduledLock.at)
        )
    )


def schedules_payload(edition: Edition) -> dict:
    return {
        "schedules": [
            {
                "id": s.id,
                "scope": s.scope,
                "paper": s.paper_id,
                "section": s.section_id,
                "at": s.at.isoformat(),
            }
            for s in pending_schedules(edition)
        ]
    }


def _announce_schedules(edition: Edition) -> None:
    live.emit("schedule", schedules_payload(edition), live.edition_room(edition.id))


def get_schedule(edition: Edition, lock_id: int) -> ScheduledLock:
    lock = db.session.get(ScheduledLock, lock_id)
    if lock is None or lock.edition_id != edition.id:
        raise NotFound()
    return lock


def cancel_schedule(lock: ScheduledLock, actor, *, now: datetime | None = None) -> None:
    if not lock.pending:
        raise Conflict(_("This scheduled lock has already taken effect or been cancelled."))
    now = now or utcnow()
    if lock.at <= now:
        raise Conflict(_("This scheduled lock has already taken effect."))
    lock.cancelled_at = now
    db.session.flush()
    edition = db.session.get(Edition, lock.edition_id)
    record_audit(
        edition,
        actor,
        "lock.schedule_cancel",
        lock,
        before={"scope": lock.scope, "at": lock.at.isoformat()},
    )
    _announce_schedules(edition)


def apply_due_locks(*, now: datetime | None = None, edition: Edition | None = None) -> int:
    """Turn due scheduled locks into lock flags; returns how many this call applied.

    Safe with several processes: each lock is claimed by one conditional UPDATE, so only
    one process applies (and announces) it.
    """
    now = now or utcnow()
    query = select(ScheduledLock).where(
        ScheduledLock.applied_at.is_(None),
        ScheduledLock.cancelled_at.is_(None),
        ScheduledLock.at <= now,
    )
    if edition is not None:
        query = query.where(ScheduledLock.edition_id == edition.id)
    applied = 0
    for lock in list(db.session.scalars(query.order_by(ScheduledLock.at))):
        claimed = db.session.execute(
            update(ScheduledLock)
            .where(
                ScheduledLock.id == lock.id,
                ScheduledLock.applied_at.is_(None),
                ScheduledLock.cancelled_at.is_(None),
            )
            .values(applied_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            continue
        db.session.refresh(lock)
        target_edition = db.session.get(Edition, lock.edition_id)
        ids = _apply_lock(target_edition, lock.scope, lock.paper_id, lock.section_id, True)
        db.session.flush()
        record_audit(
            target_edition,
            None,
            "lock.scheduled_applied",
            lock,
            after={"scope": lock.scope, "at": lock.at.isoformat(), "sections": len(ids)},
        )
        notify_access(target_edition.id, ids)
        _announce_schedules(target_edition)
        applied += 1
    return applied


def next_due_time() -> datetime | None:
    return db.session.scalar(
        select(func.min(ScheduledLock.at)).where(
            ScheduledLock.applied_at.is_(None), ScheduledLock.cancelled_at.is_(None)
        )
    )
