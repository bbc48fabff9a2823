"""Phases, deadlines and locks: each action, its audit entry, and its refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core import authz
from app.core.errors import BadInput, Conflict, NotFound
from app.core.models import utcnow
from app.extensions import db
from app.facilitation import audit, locks, phases
from app.facilitation.models import AuditEntry
from app.workshops.locks import section_is_locked
from app.workshops.models import ScheduledLock
from tests.facilitation.conftest import audit_actions, group


def _paper(edition, slug="gouvernement"):
    return group(edition, slug).paper


def _section(edition, slug="gouvernement", key="q1"):
    return next(s for s in _paper(edition, slug).sections if s.key == key)


def test_changing_phase_is_audited_with_before_and_after(world):
    phases.set_current_phase(world.edition, "debat", world.facilitator)
    db.session.commit()
    assert world.edition.current_phase.key == "debat"
    entry = audit.audit_entries(world.edition, action="phase.change")[0]
    assert entry.actor_id == world.facilitator.id
    assert (entry.before, entry.after) == ({"phase": "redaction"}, {"phase": "debat"})


def test_an_unknown_phase_is_a_clear_error_and_changes_nothing(world):
    with pytest.raises(NotFound) as error:
        phases.set_current_phase(world.edition, "vacances", world.facilitator)
    assert error.value.code == "unknown_phase"
    db.session.rollback()
    assert world.edition.current_phase.key == "redaction"
    assert "phase.change" not in audit_actions(world.edition)


def test_moving_to_the_current_phase_is_refused(world):
    with pytest.raises(Conflict):
        phases.set_current_phase(world.edition, "redaction", world.facilitator)


def test_a_phase_that_forbids_writing_makes_sections_read_only(world):
    section = _section(world.edition)
    assert authz.can(world.participant, "section.edit", section)
    phases.set_current_phase(world.edition, "ceremonie", world.facilitator)
    db.session.commit()
    assert not authz.can(world.participant, "section.edit", section)


def test_a_deadline_in_the_past_is_refused_and_nothing_changes(world):
    phase = world.edition.current_phase
    with pytest.raises(BadInput) as error:
        phases.set_deadline(phase, utcnow() - timedelta(minutes=1), world.facilitator)
    assert error.value.code == "deadline_past"
    assert phase.deadline is None
    assert "phase.deadline" not in audit_actions(world.edition)


def test_a_deadline_is_set_and_audited(world):
    phase = world.edition.current_phase
    when = utcnow() + timedelta(hours=3)
    phases.set_deadline(phase, when, world.facilitator)
    db.session.commit()
    assert phase.deadline == when
    entry = audit.audit_entries(world.edition, action="phase.deadline")[0]
    assert entry.before == {"deadline": None}
    assert entry.after == {"deadline": when.isoformat()}


def test_a_phase_is_configured_and_the_change_audited(world):
    phase = phases.get_phase(world.edition, "redaction")
    phases.update_phase(
        phase,
        world.facilitator,
        name="Écriture",
        write_own_paper=True,
        read_other_papers=True,
        debate_mode="readonly",
        papers_locked=False,
    )
    db.session.commit()
    entry = audit.audit_entries(world.edition, action="phase.update")[0]
    assert entry.before["name"] == "Rédaction" and entry.after["name"] == "Écriture"
    assert entry.after["debate_mode"] == "readonly"


def test_an_unknown_debate_mode_is_refused(world):
    phase = world.edition.current_phase
    with pytest.raises(BadInput):
        phases.update_phase(
            phase,
            world.facilitator,
            name="X",
            write_own_paper=True,
            read_other_papers=False,
            debate_mode="loud",
            papers_locked=False,
        )


def test_phases_are_added_moved_and_deleted(world):
    phase = phases.add_phase(world.edition, world.facilitator, key="bilan", name="Bilan")
    phases.move_phase(phase, -1, world.facilitator)
    db.session.commit()
    keys = [p.key for p in world.edition.phases]
    assert keys[-2:] == ["bilan", "ceremonie"]
    phases.delete_phase(phase, world.facilitator)
    db.session.commit()
    assert "bilan" not in [p.key for p in world.edition.phases]
    assert audit_actions(world.edition)[-3:] == ["phase.add", "phase.move", "phase.delete"]


def test_the_current_phase_cannot_be_deleted(world):
    with pytest.raises(Conflict):
        phases.delete_phase(world.edition.current_phase, world.facilitator)


def test_a_duplicate_phase_key_is_refused(world):
    with pytest.raises(Conflict):
        phases.add_phase(world.edition, world.facilitator, key="debat", name="Encore")


def test_locking_a_section_refuses_edits_and_is_audited_with_the_reason(world):
    section = _section(world.edition)
    locks.set_lock(
        world.edition, world.facilitator, "section", section.id, locked=True, reason="relecture"
    )
    db.session.commit()
    assert section_is_locked(section)
    assert not authz.can(world.participant, "section.edit", section)
    assert authz.can(world.participant, "section.edit", _section(world.edition, key="q2"))
    entry = audit.audit_entries(world.edition, action="section.lock")[0]
    assert (entry.target_type, entry.target_id, entry.reason) == (
        "section",
        section.id,
        "relecture",
    )
    assert (entry.before, entry.after) == ({"locked": False}, {"locked": True})


def test_locking_one_paper_leaves_the_other_groups_writing(world):
    paper = _paper(world.edition)
    locks.set_lock(world.edition, world.facilitator, "paper", paper.id, locked=True)
    db.session.commit()
    assert not authz.can(world.participant, "section.edit", _section(world.edition))
    assert authz.can(world.other, "section.edit", _section(world.edition, "societe-civile"))
    assert "paper.lock" in audit_actions(world.edition)


def test_locking_all_papers_then_unlocking(world):
    locks.set_lock(world.edition, world.facilitator, "all", None, locked=True)
    db.session.commit()
    assert all(g.paper.locked for g in world.edition.groups)
    locks.set_lock(world.edition, world.facilitator, "all", None, locked=False)
    db.session.commit()
    assert not any(g.paper.locked for g in world.edition.groups)
    entries = audit.audit_entries(world.edition, action="papers.*")
    assert [e.action for e in entries] == ["papers.unlock", "papers.lock"]
    assert entries[1].after == {"papers": {"gouvernement": True, "societe-civile": True}}


def test_a_section_of_another_edition_cannot_be_locked(world, create_edition):
    elsewhere = create_edition("autre-ecole")
    foreign = _section(elsewhere)
    with pytest.raises(NotFound):
        locks.set_lock(world.edition, world.facilitator, "section", foreign.id, locked=True)
    assert not foreign.locked


def test_an_unknown_lock_scope_is_refused(world):
    with pytest.raises(BadInput):
        locks.set_lock(world.edition, world.facilitator, "planet", None, locked=True)


def test_a_lock_scheduled_in_the_past_is_refused(world):
    with pytest.raises(BadInput):
        locks.schedule_lock(
            world.edition, world.facilitator, "all", at=utcnow() - timedelta(seconds=1)
        )
    assert db.session.query(ScheduledLock).count() == 0


def test_scheduling_at_the_deadline_needs_a_deadline(world):
    with pytest.raises(BadInput):
        locks.schedule_lock(world.edition, world.facilitator, "all")


def test_a_lock_scheduled_at_the_deadline_uses_the_phase_deadline(world):
    when = utcnow() + timedelta(hours=2)
    phases.set_deadline(world.edition.current_phase, when, world.facilitator)
    lock = locks.schedule_lock(world.edition, world.facilitator, "all")
    db.session.commit()
    assert lock.at == when
    assert not section_is_locked(_section(world.edition))
    assert "lock.schedule" in audit_actions(world.edition)


def _due_lock(world, scope="all", target=None):
    """A lock scheduled (a second ago seen from an hour before) and now due."""
    at = utcnow() - timedelta(seconds=1)
    lock = locks.schedule_lock(
        world.edition, world.facilitator, scope, target, at=at, now=at - timedelta(hours=1)
    )
    db.session.commit()
    return lock


def test_a_due_scheduled_lock_refuses_edits_before_the_timer_applies_it(world):
    lock = _due_lock(world)
    section = _section(world.edition)
    assert lock.applied_at is None and not section.paper.locked
    assert not authz.can(world.participant, "section.edit", section)


def test_the_timer_applies_a_due_lock_once(world):
    _due_lock(world, "paper", _paper(world.edition).id)
    assert locks.apply_due_locks() == 1
    db.session.commit()
    assert locks.apply_due_locks() == 0
    assert _paper(world.edition).locked
    assert not _paper(world.edition, "societe-civile").locked
    entry = audit.audit_entries(world.edition, action="lock.scheduled_applied")[0]
    assert entry.actor_id is None and entry.after["scope"] == "paper"


def test_a_cancelled_schedule_never_locks(world):
    lock = locks.schedule_lock(
        world.edition, world.facilitator, "all", at=utcnow() + timedelta(hours=1)
    )
    locks.cancel_schedule(lock, world.facilitator)
    db.session.commit()
    assert locks.apply_due_locks(now=utcnow() + timedelta(hours=2)) == 0
    assert "lock.schedule_cancel" in audit_actions(world.edition)
    with pytest.raises(Conflict):
        locks.cancel_schedule(lock, world.facilitator)


def test_unlocking_after_a_due_lock_really_unlocks(world):
    _due_lock(world)
    locks.set_lock(world.edition, world.facilitator, "all", None, locked=False)
    db.session.commit()
    assert authz.can(world.participant, "section.edit", _section(world.edition))


def test_the_audit_log_cannot_be_updated_or_deleted(world):
    phases.set_current_phase(world.edition, "debat", world.facilitator)
    db.session.commit()
    entry = db.session.query(AuditEntry).first()
    entry.reason = "rewritten"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.query(AuditEntry).first())
    with pytest.raises(PermissionError):
        db.session.flush()


def test_two_timers_racing_apply_a_due_lock_once(app, world):
    """Two processes' timers (here two threads, each its own session) claim the lock once."""
    import threading

    from app.core.transactions import run_in_transaction

    _due_lock(world)
    results, barrier = [], threading.Barrier(2)

    def timer() -> None:
        with app.app_context():
            barrier.wait()
            results.append(run_in_transaction(locks.apply_due_locks))
            db.session.remove()

    threads = [threading.Thread(target=timer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(results) == [0, 1]
    assert audit_actions(world.edition).count("lock.scheduled_applied") == 1
