"""Facilitation services: phases and deadlines, locks (now or at a deadline),
announcements, the audit log, role changes, presence and dashboard settings.

``record_audit`` is used by every area that moderates or locks. Services flush, never
commit; what connected browsers must hear is queued with ``live.after_commit``.
"""

from __future__ import annotations

import csv
import io
import logging
import threading
import time
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from app.collaboration.models import Paper, Section
from app.core.errors import BadInput, Conflict, NotFound
from app.core.markdown import clean_text
from app.core.models import utcnow
from app.extensions import db, socketio
from app.facilitation import integration, live
from app.facilitation.models import (
    Announcement,
    AnnouncementRead,
    AuditEntry,
    FacilitationSettings,
    LivePresence,
    LockScope,
    ScheduledLock,
)
from app.workshops.models import (
    DebateMode,
    Edition,
    Membership,
    Phase,
    Role,
    StakeholderGroup,
)

log = logging.getLogger(__name__)

ANNOUNCEMENT_MAX = 2000
REASON_MAX = 1000
PRESENCE_TTL = timedelta(seconds=90)


def record_audit(
    edition,
    actor,
    action: str,
    target: Any = None,
    *,
    reason: str = "",
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    """Append one entry to the audit log (``action`` like ``"argument.hide"``)."""
    entry = AuditEntry(
        edition_id=edition.id,
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=getattr(target, "id", None),
        reason=reason or "",
        before=before,
        after=after,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


REFUSED = "forbidden.attempt"
OUTSIDER_LOG_SECONDS = 60.0
REFUSALS_FLUSH_SECONDS = 1.0  # a coalesced row's further attempts are written this often
_refusals = threading.Lock()
_first_refusals = threading.Lock()
_outsiders: dict[int, list[float]] = {}  # user id → [last line logged, refusals since]
_refusal_rows: dict[tuple, int] = {}  # (database, edition, user, event, minute) → row id
_unwritten: dict[tuple[str, int], int] = {}  # (database, row id) → attempts not written yet


def audit_refusal(edition, user, namespace: str, event: str, target: Any, payload: dict) -> None:
    """A refused socket event naming ``edition``. From someone who is not a member of it
    (or naming none): never its audit log (anyone could fill it), one log line per user per
    minute. From a member: one "forbidden.attempt" row per (user, event, minute), written in
    its own transaction (the event's is rolled back); each further attempt of that minute
    raises its ``count``, written at most every ``REFUSALS_FLUSH_SECONDS`` (one commit, not
    one per attempt: a member's flood does not make the database sync for each)."""
    is_member = edition is not None and db.session.scalar(
        select(Membership.id).where(
            Membership.edition_id == edition.id, Membership.user_id == user.id
        )
    )
    if not is_member:
        _log_outsider(edition, user, namespace, event)
        return
    reason = f"{namespace} {event}"
    minute = utcnow().replace(second=0, microsecond=0)
    database = str(db.engine.url)
    key = (database, edition.id, user.id, reason, minute)
    if _counted_later(key):
        return
    with _first_refusals:  # this process's first of the minute: written now
        if _counted_later(key):
            return
        _write_first_refusal(key, edition, user, namespace, event, target, payload)


def _counted_later(key: tuple) -> bool:
    """Count one more attempt on the row this process wrote for ``key``, if there is one;
    the first attempt counted since the last write sends a writer on its way."""
    with _refusals:
        row = _refusal_rows.get(key)
        if row is None:
            return False
        waiting = _unwritten.get((key[0], row))
        _unwritten[(key[0], row)] = (waiting or 0) + 1
    if waiting is None:
        socketio.start_background_task(_write_refusals_later, current_app._get_current_object())
    return True


def _write_first_refusal(key, edition, user, namespace, event, target, payload) -> None:
    _database, _edition, _user, reason, minute = key
    with Session(db.engine) as session:
        row = session.scalar(
            select(AuditEntry.id)
            .where(
                AuditEntry.actor_id == user.id,
                AuditEntry.edition_id == edition.id,
                AuditEntry.action == REFUSED,
                AuditEntry.reason == reason,
                AuditEntry.created_at >= minute,
            )
            .order_by(AuditEntry.id.desc())
            .limit(1)
        )
        if row is None:
            entry = AuditEntry(
                edition_id=edition.id,
                actor_id=user.id,
                action=REFUSED,
                target_type=type(target).__name__.lower(),
                target_id=getattr(target, "id", None),
                reason=reason,
                before=None,
                after={"event": f"{namespace}:{event}", "payload": payload},
                count=1,
            )
            session.add(entry)
            session.flush()
            row = entry.id
        else:  # another process's row of this minute
            _add_refusals(session, row, 1)
        session.commit()
    with _refusals:
        for known in [k for k in _refusal_rows if k[4] < minute]:
            del _refusal_rows[known]
        _refusal_rows.setdefault(key, row)


def _add_refusals(session, row: int, attempts: int) -> None:
    """The one update of the audit log (see AuditEntry): bypasses its append-only guard."""
    session.execute(
        update(AuditEntry)
        .where(AuditEntry.id == row)
        .values(count=AuditEntry.count + attempts)
        .execution_options(synchronize_session=False)
    )


def _write_refusals_later(app) -> None:
    """After ``REFUSALS_FLUSH_SECONDS``, write the attempts counted meanwhile."""
    socketio.sleep(REFUSALS_FLUSH_SECONDS)
    with app.app_context():
        database = str(db.engine.url)
        with _refusals:
            due = {k: n for k, n in _unwritten.items() if k[0] == database}
            for k in due:
                del _unwritten[k]
        try:
            with Session(db.engine) as session:
                for (_database, row), attempts in due.items():
                    _add_refusals(session, row, attempts)
                session.commit()
        except Exception:
            log.exception("could not write %d refused attempts", sum(due.values()))


def _log_outsider(edition, user, namespace: str, event: str) -> None:
    now = time.monotonic()
    with _refusals:
        seen = _outsiders.get(user.id)
        if seen is not None and now - seen[0] < OUTSIDER_LOG_SECONDS:
            seen[1] += 1
            return
        if len(_outsiders) >= 10_000:
            _outsiders.clear()
        _outsiders[user.id] = [now, 0]
    log.warning(
        "refused %s %s by user %s, not a member of edition %s: not audited "
        "(%d more since the previous line; one line a minute per user)",
        namespace,
        event,
        user.id,
        edition.slug if edition is not None else "(none named)",
        int(seen[1]) if seen is not None else 0,
    )


def _reason(reason: str | None) -> str:
    reason = clean_text(reason or "").strip()
    if len(reason) > REASON_MAX:
        raise BadInput(_("A reason has at most 1,000 characters."))
    return reason


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise BadInput(_("The time must say its time zone."))
    return moment


# --- access changes ------------------------------------------------------------------


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
    from app.collaboration.permissions import section_is_locked

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
        integration.notify_access_changed(sections)
        socketio.emit(
            "access",
            {"sections": access_payload(sections)},
            to=live.edition_room(edition_id),
            namespace=live.NAMESPACE,
        )

    live.after_commit(work)


# --- phases --------------------------------------------------------------------------


def phase_payload(edition: Edition) -> dict:
    phase = edition.current_phase
    if phase is None:
        return {"key": None, "name": None, "deadline": None}
    return {
        "key": phase.key,
        "name": phase.name,
        "deadline": phase.deadline.isoformat() if phase.deadline else None,
        "write_own_paper": phase.write_own_paper,
        "read_other_papers": phase.read_other_papers,
        "debate_mode": phase.debate_mode,
        "papers_locked": phase.papers_locked,
    }


def _phase_state(phase: Phase) -> dict:
    return {
        "key": phase.key,
        "name": phase.name,
        "position": phase.position,
        "deadline": phase.deadline.isoformat() if phase.deadline else None,
        "write_own_paper": phase.write_own_paper,
        "read_other_papers": phase.read_other_papers,
        "debate_mode": phase.debate_mode,
        "papers_locked": phase.papers_locked,
    }


def get_phase(edition: Edition, key: str) -> Phase:
    for phase in edition.phases:
        if phase.key == key:
            return phase
    raise NotFound(_("This phase does not exist."), code="unknown_phase")


def get_phase_by_id(edition: Edition, phase_id: int) -> Phase:
    for phase in edition.phases:
        if phase.id == phase_id:
            return phase
    raise NotFound(_("This phase does not exist."), code="unknown_phase")


def _announce_phase(edition: Edition) -> None:
    live.emit("phase", phase_payload(edition), live.edition_room(edition.id))
    notify_access(edition.id)


def set_current_phase(edition: Edition, key: str, actor) -> Phase:
    phase = get_phase(edition, (key or "").strip())
    db.session.flush()  # pending phase edits first: phase and current phase in one flush loop
    previous = edition.current_phase
    if previous is not None and previous.id == phase.id:
        raise Conflict(_("This phase is already the current one."))
    edition.current_phase = phase
    db.session.flush()
    record_audit(
        edition,
        actor,
        "phase.change",
        phase,
        before={"phase": previous.key if previous else None},
        after={"phase": phase.key},
    )
    _announce_phase(edition)
    return phase


def set_deadline(phase: Phase, deadline: datetime | None, actor, *, now=None) -> None:
    now = now or utcnow()
    if deadline is not None:
        deadline = _aware(deadline)
        if deadline <= now:
            raise BadInput(_("The deadline is in the past."), code="deadline_past")
    before = phase.deadline.isoformat() if phase.deadline else None
    phase.deadline = deadline
    db.session.flush()
    record_audit(
        phase.edition,
        actor,
        "phase.deadline",
        phase,
        before={"deadline": before},
        after={"deadline": deadline.isoformat() if deadline else None},
    )
    if phase.edition.current_phase_id == phase.id:
        live.emit("phase", phase_payload(phase.edition), live.edition_room(phase.edition_id))


def _clean_phase_fields(name: str, debate_mode: str) -> tuple[str, str]:
    name = clean_text(name or "").strip()
    if not name or len(name) > 80:
        raise BadInput(_("A phase needs a name of at most 80 characters."))
    if debate_mode not in set(DebateMode):
        raise BadInput(_("Unknown debate mode."))
    return name, debate_mode


def update_phase(
    phase: Phase,
    actor,
    *,
    name: str,
    write_own_paper: bool,
    read_other_papers: bool,
    debate_mode: str,
    papers_locked: bool,
) -> None:
    name, debate_mode = _clean_phase_fields(name, debate_mode)
    before = _phase_state(phase)
    phase.name = name
    phase.write_own_paper = bool(write_own_paper)
    phase.read_other_papers = bool(read_other_papers)
    phase.debate_mode = debate_mode
    phase.papers_locked = bool(papers_locked)
    db.session.flush()
    after = _phase_state(phase)
    if before == after:
        return
    record_audit(phase.edition, actor, "phase.update", phase, before=before, after=after)
    if phase.edition.current_phase_id == phase.id:
        _announce_phase(phase.edition)


def add_phase(edition: Edition, actor, *, key: str, name: str) -> Phase:
    from app.workshops.services import SLUG_RE

    key = (key or "").strip().lower()
    if not SLUG_RE.fullmatch(key) or len(key) > 40:
        raise BadInput(_("A short name may only use lowercase letters, digits and dashes."))
    if any(p.key == key for p in edition.phases):
        raise Conflict(_("A phase with this short name already exists."))
    name, _mode = _clean_phase_fields(name, DebateMode.OPEN)
    phase = Phase(
        edition=edition,
        key=key,
        name=name,
        position=max((p.position for p in edition.phases), default=0) + 1,
        write_own_paper=True,
        read_other_papers=False,
        debate_mode=DebateMode.OPEN,
        papers_locked=False,
    )
    db.session.add(phase)
    db.session.flush()
    db.session.expire(edition, ["phases"])
    record_audit(edition, actor, "phase.add", phase, after=_phase_state(phase))
    return phase


def _renumber_phases(phases: list[Phase]) -> None:
    for phase in phases:
        phase.position = -phase.id
    db.session.flush()
    for position, phase in enumerate(phases, start=1):
        phase.position = position
    db.session.flush()


def move_phase(phase: Phase, offset: int, actor) -> None:
    edition = phase.edition
    phases = list(edition.phases)
    index = phases.index(phase)
    target = index + offset
    if not 0 <= target < len(phases):
        raise BadInput(_("This phase cannot move further."))
    before = [p.key for p in phases]
    phases[index], phases[target] = phases[target], phases[index]
    _renumber_phases(phases)
    db.session.expire(edition, ["phases"])
    record_audit(
        edition,
        actor,
        "phase.move",
        phase,
        before={"order": before},
        after={"order": [p.key for p in phases]},
    )


def delete_phase(phase: Phase, actor) -> None:
    edition = phase.edition
    if edition.current_phase_id == phase.id:
        raise Conflict(_("The current phase cannot be deleted."))
    if len(edition.phases) <= 1:
        raise Conflict(_("An edition keeps at least one phase."))
    before = _phase_state(phase)
    record_audit(edition, actor, "phase.delete", phase, before=before)
    db.session.delete(phase)
    db.session.flush()
    db.session.expire(edition, ["phases"])
    _renumber_phases(list(edition.phases))


# --- locks ---------------------------------------------------------------------------


def earliest_scheduled_lock(section: Section) -> datetime | None:
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
    at = _aware(at)
    if at <= now:
        raise BadInput(_("The deadline is in the past."), code="deadline_past")
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
    live.emit("schedule", schedules_payload(edition), live.edition_room(edition.id))
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
    live.emit("schedule", schedules_payload(edition), live.edition_room(edition.id))


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
        live.emit("schedule", schedules_payload(target_edition), live.edition_room(lock.edition_id))
        applied += 1
    return applied


def next_due_time() -> datetime | None:
    return db.session.scalar(
        select(func.min(ScheduledLock.at)).where(
            ScheduledLock.applied_at.is_(None), ScheduledLock.cancelled_at.is_(None)
        )
    )


# --- announcements -------------------------------------------------------------------


def announcement_payload(announcement: Announcement) -> dict:
    from app.core.markdown import render_html

    return {
        "id": announcement.id,
        "html": render_html(announcement.body),
        "text": announcement.body,
        "author": announcement.author.name if announcement.author else "",
        "group": announcement.group.name if announcement.group else None,
        "at": announcement.created_at.isoformat(),
    }


def send_announcement(
    edition: Edition, author, body: str, group: StakeholderGroup | None = None
) -> Announcement:
    body = clean_text(body or "").strip()
    if not body:
        raise BadInput(_("The announcement is empty."))
    if len(body) > ANNOUNCEMENT_MAX:
        raise BadInput(_("An announcement has at most 2,000 characters."))
    if group is not None and group.edition_id != edition.id:
        raise BadInput(_("This group belongs to another edition."))
    announcement = Announcement(
        edition_id=edition.id,
        group_id=group.id if group else None,
        author_id=getattr(author, "id", None),
        body=body,
    )
    db.session.add(announcement)
    db.session.flush()
    record_audit(
        edition,
        author,
        "announcement.send",
        announcement,
        after={"group": group.slug if group else None, "body": body[:200]},
    )
    payload = announcement_payload(announcement)
    room = live.group_room(group.id) if group else live.edition_room(edition.id)
    live.emit("announcement", payload, room)
    if group is not None:  # the staff follow every group's announcements too
        live.emit("announcement", payload, live.staff_room(edition.id))
    return announcement


def _announcements_query(user, edition: Edition):
    from app.workshops.services import membership_of

    query = select(Announcement).where(Announcement.edition_id == edition.id)
    membership = membership_of(user, edition)
    if membership is None:
        return None
    if membership.role not in (Role.ORGANIZER, Role.FACILITATOR):
        visible = Announcement.group_id.is_(None)
        if membership.group_id is not None:
            visible = or_(visible, Announcement.group_id == membership.group_id)
        query = query.where(visible)
    return query


def announcements_for(user, edition: Edition) -> list[Announcement]:
    query = _announcements_query(user, edition)
    if query is None:
        return []
    return list(db.session.scalars(query.order_by(Announcement.id.desc())))


def may_read_announcement(user, announcement: Announcement) -> bool:
    edition = db.session.get(Edition, announcement.edition_id)
    query = _announcements_query(user, edition)
    if query is None:
        return False
    return db.session.scalar(query.where(Announcement.id == announcement.id)) is not None


def unread_announcements(user, edition: Edition) -> list[Announcement]:
    query = _announcements_query(user, edition)
    if query is None:
        return []
    read = select(AnnouncementRead.announcement_id).where(AnnouncementRead.user_id == user.id)
    return list(
        db.session.scalars(query.where(Announcement.id.not_in(read)).order_by(Announcement.id))
    )


def read_ids(user, announcements) -> set[int]:
    ids = [a.id for a in announcements]
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(AnnouncementRead.announcement_id).where(
                AnnouncementRead.user_id == user.id, AnnouncementRead.announcement_id.in_(ids)
            )
        )
    )


def mark_read(user, announcements) -> int:
    """Mark announcements read for ``user``; returns how many were unread."""
    announcements = list(announcements)
    already = read_ids(user, announcements)
    count = 0
    for announcement in announcements:
        if announcement.id not in already:
            db.session.add(AnnouncementRead(announcement_id=announcement.id, user_id=user.id))
            count += 1
    db.session.flush()
    return count


def get_announcement(announcement_id: Any) -> Announcement:
    if not isinstance(announcement_id, int) or isinstance(announcement_id, bool):
        raise BadInput(_("Unknown announcement."))
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None:
        raise NotFound()
    return announcement


# --- the audit log -------------------------------------------------------------------


def audit_entries(
    edition: Edition,
    *,
    action: str | None = None,
    actor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.edition_id == edition.id)
    if action:
        if action.endswith(".*"):
            query = query.where(AuditEntry.action.startswith(action[:-1], autoescape=True))
        else:
            query = query.where(AuditEntry.action == action)
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
    if since is not None:
        query = query.where(AuditEntry.created_at >= since)
    if until is not None:
        query = query.where(AuditEntry.created_at < until)
    query = query.order_by(AuditEntry.id.desc())
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def audit_actions(edition: Edition) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.edition_id == edition.id)
            .distinct()
            .order_by(AuditEntry.action)
        )
    )


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_safe(value: Any) -> str:
    """A cell a spreadsheet shows as text: no formula (``=``, ``+``, ``-``, ``@`` …)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        import json

        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    value = clean_text(value)
    if value.startswith(_FORMULA_START) or value.lstrip().startswith(_FORMULA_START[:4]):
        return "'" + value
    return value


def audit_csv(entries) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(
        [
            "id",
            "when",
            "actor",
            "actor_email",
            "action",
            "target_type",
            "target_id",
            "reason",
            "before",
            "after",
            "count",
        ]
    )
    for e in entries:
        writer.writerow(
            [
                e.id,
                e.created_at.isoformat(),
                csv_safe(e.actor.name if e.actor else ""),
                csv_safe(e.actor.email if e.actor else ""),
                csv_safe(e.action),
                csv_safe(e.target_type),
                e.target_id if e.target_id is not None else "",
                csv_safe(e.reason),
                csv_safe(e.before),
                csv_safe(e.after),
                e.count,
            ]
        )
    return "\ufeff" + out.getvalue()  # BOM: Excel opens UTF-8 French text correctly


# --- roles ---------------------------------------------------------------------------


def get_membership(edition: Edition, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.edition_id != edition.id:
        raise NotFound()
    return membership


def _membership_state(m: Membership) -> dict:
    return {"role": m.role, "group": m.group.slug if m.group else None}


def _group_section_ids(group_id: int | None) -> list[int]:
    if group_id is None:
        return []
    return list(
        db.session.scalars(
            select(Section.id)
            .join(Paper, Section.paper_id == Paper.id)
            .where(Paper.group_id == group_id)
        )
    )


def _tell_user(user_id: int, name: str, data: dict, *, every_namespace: bool = False) -> None:
    """Send to the user's room on /live (or on every namespace: the editor hears it too)."""
    from app.core.sockets import registered_namespaces, user_room

    if not every_namespace:
        live.emit(name, data, user_room(user_id))
        return
    for namespace in registered_namespaces():
        live.after_commit(
            lambda ns=namespace: socketio.emit(name, data, to=user_room(user_id), namespace=ns)
        )


def promote_to_facilitator(membership: Membership, actor) -> None:
    if membership.role != Role.PARTICIPANT:
        raise Conflict(_("Only a participant can be promoted to facilitator."))
    before = _membership_state(membership)
    old_group = membership.group_id
    membership.role = Role.FACILITATOR
    membership.group_id = None
    db.session.flush()
    db.session.expire(membership, ["group"])
    edition = membership.edition
    record_audit(
        edition,
        actor,
        "member.promote",
        membership,
        before=before,
        after=_membership_state(membership),
    )
    _tell_user(membership.user_id, "membership", {"role": membership.role, "reload": True})
    _disconnect_live(membership.user_id, edition.id)
    notify_access(edition.id, _group_section_ids(old_group))


def move_member(membership: Membership, group: StakeholderGroup, actor) -> None:
    """Move a participant to another group; what they wrote stays theirs (authorship)."""
    if membership.role != Role.PARTICIPANT:
        raise Conflict(_("Only participants belong to a group."))
    if group.edition_id != membership.edition_id:
        raise BadInput(_("This group belongs to another edition."))
    if group.id == membership.group_id:
        raise BadInput(_("This member is already in this group."))
    before = _membership_state(membership)
    old_group = membership.group_id
    membership.group_id = group.id
    db.session.flush()
    db.session.expire(membership, ["group"])
    edition = membership.edition
    record_audit(
        edition,
        actor,
        "member.move",
        membership,
        before=before,
        after=_membership_state(membership),
    )
    _tell_user(membership.user_id, "membership", {"role": membership.role, "reload": True})
    _disconnect_live(membership.user_id, edition.id)
    notify_access(edition.id, _group_section_ids(old_group) + _group_section_ids(group.id))


def remove_member(membership: Membership, actor) -> None:
    """End a member's access at once; their text and arguments stay."""
    edition = membership.edition
    if membership.role == Role.ORGANIZER:
        organizers = db.session.scalar(
            select(func.count(Membership.id)).where(
                Membership.edition_id == edition.id, Membership.role == Role.ORGANIZER
            )
        )
        if organizers <= 1:
            raise Conflict(_("An edition keeps at least one organizer."))
    if getattr(actor, "id", None) == membership.user_id:
        raise Conflict(_("You cannot remove yourself."))
    before = _membership_state(membership)
    old_group = membership.group_id
    user_id = membership.user_id
    record_audit(edition, actor, "member.remove", membership.user, before=before)
    db.session.delete(membership)
    db.session.flush()
    _tell_user(user_id, "session_ended", {"edition": edition.slug}, every_namespace=True)
    _disconnect_live(user_id, edition.id)
    db.session.execute(
        delete(LivePresence).where(
            LivePresence.user_id == user_id, LivePresence.edition_id == edition.id
        )
    )
    notify_access(edition.id, _group_section_ids(old_group))


def _disconnect_live(user_id: int, edition_id: int) -> None:
    """Close the user's /live sockets of this edition (rooms are rejoined on reconnect)."""
    sids = list(
        db.session.scalars(
            select(LivePresence.sid).where(
                LivePresence.user_id == user_id, LivePresence.edition_id == edition_id
            )
        )
    )

    def work() -> None:
        for sid in sids:
            try:
                socketio.server.disconnect(sid, namespace=live.NAMESPACE)
            except Exception:  # noqa: S112 - the socket may be gone already
                continue

    if sids:
        live.after_commit(work)


# --- presence ------------------------------------------------------------------------


def presence_join(sid: str, user, edition: Edition, page: str = "page") -> None:
    row = db.session.get(LivePresence, sid)
    if row is None:
        row = LivePresence(sid=sid, user_id=user.id, edition_id=edition.id)
        db.session.add(row)
    row.user_id = user.id
    row.edition_id = edition.id
    row.page = page if page in ("page", "editor", "debate", "dashboard") else "page"
    row.seen_at = utcnow()
    db.session.flush()


def presence_touch(sid: str) -> None:
    db.session.execute(update(LivePresence).where(LivePresence.sid == sid).values(seen_at=utcnow()))


def presence_leave(sid: str) -> None:
    db.session.execute(delete(LivePresence).where(LivePresence.sid == sid))


def prune_presence(*, now: datetime | None = None) -> int:
    """Forget connections silent for long (a process that died cannot say goodbye)."""
    now = now or utcnow()
    return db.session.execute(
        delete(LivePresence).where(LivePresence.seen_at < now - 10 * PRESENCE_TTL)
    ).rowcount


def online(edition: Edition, *, now: datetime | None = None) -> dict[int, str]:
    """user id → what they have open ("editor" wins over other pages)."""
    now = now or utcnow()
    rows = db.session.execute(
        select(LivePresence.user_id, LivePresence.page).where(
            LivePresence.edition_id == edition.id, LivePresence.seen_at >= now - PRESENCE_TTL
        )
    )
    result: dict[int, str] = {}
    for user_id, page in rows:
        if result.get(user_id) != "editor":
            result[user_id] = page
    return result


# --- dashboard settings --------------------------------------------------------------


def settings_of(edition: Edition) -> FacilitationSettings:
    settings = db.session.get(FacilitationSettings, edition.id)
    return settings or FacilitationSettings(edition_id=edition.id, target_words=300)


def set_target_words(edition: Edition, words: Any, actor) -> None:
    if not isinstance(words, int) or isinstance(words, bool) or not 10 <= words <= 20000:
        raise BadInput(_("The target length is between 10 and 20,000 words."))
    settings = db.session.get(FacilitationSettings, edition.id)
    before = settings.target_words if settings else 300
    if settings is None:
        settings = FacilitationSettings(edition_id=edition.id)
        db.session.add(settings)
    settings.target_words = words
    db.session.flush()
    record_audit(
        edition,
        actor,
        "dashboard.target",
        edition,
        before={"target_words": before},
        after={"target_words": words},
    )
    live.emit("dashboard", {"reason": "target"}, live.staff_room(edition.id))
