"""Phases of an edition: the current one, deadlines, and the course itself (add, edit,
reorder, delete). A phase says what groups may do, so each change is told to the editors
and /live pages like a lock (``locks.notify_access``)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from app.core.errors import BadInput, Conflict, NotFound
from app.core.markdown import clean_text
from app.core.models import utcnow
from app.core.ordering import renumber
from app.extensions import db
from app.facilitation import live
from app.facilitation.audit import record_audit
from app.facilitation.locks import ahead, notify_access
from app.workshops.models import DebateMode, Edition, Phase
from app.workshops.services import SLUG_RE


def _rights(phase: Phase) -> dict:
    return {
        "write_own_paper": phase.write_own_paper,
        "read_other_papers": phase.read_other_papers,
        "debate_mode": phase.debate_mode,
        "papers_locked": phase.papers_locked,
    }


def _deadline(phase: Phase) -> str | None:
    return phase.deadline.isoformat() if phase.deadline else None


def phase_payload(edition: Edition) -> dict:
    phase = edition.current_phase
    if phase is None:
        return {"key": None, "name": None, "deadline": None}
    return {"key": phase.key, "name": phase.name, "deadline": _deadline(phase), **_rights(phase)}


def _phase_state(phase: Phase) -> dict:
    return {
        "key": phase.key,
        "name": phase.name,
        "position": phase.position,
        "deadline": _deadline(phase),
        **_rights(phase),
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
    if deadline is not None:
        deadline = ahead(deadline, now or utcnow())
    before = _deadline(phase)
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


def move_phase(phase: Phase, offset: int, actor) -> None:
    edition = phase.edition
    phases = list(edition.phases)
    index = phases.index(phase)
    target = index + offset
    if not 0 <= target < len(phases):
        raise BadInput(_("This phase cannot move further."))
    before = [p.key for p in phases]
    phases[index], phases[target] = phases[target], phases[index]
    renumber(phases)
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
    record_audit(edition, actor, "phase.delete", phase, before=_phase_state(phase))
    db.session.delete(phase)
    db.session.flush()
    db.session.expire(edition, ["phases"])
    renumber(list(edition.phases))
