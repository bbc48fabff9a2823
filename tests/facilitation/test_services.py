"""Announcements, the audit log and its CSV, roles, presence and the dashboard figures."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core import authz, signals
from app.core.errors import BadInput, Conflict
from app.core.models import AccessGeneration, utcnow
from app.extensions import db
from app.facilitation import announcements, audit, dashboard, locks, phases, presence, settings
from app.workshops import memberships
from app.workshops.models import Role
from tests.facilitation.conftest import audit_actions, group


def _section(edition, slug="gouvernement", key="q1"):
    return next(s for s in group(edition, slug).paper.sections if s.key == key)


# --- announcements --------------------------------------------------------------------


def test_an_announcement_to_everyone_is_unread_until_read(world):
    announcements.send_announcement(world.edition, world.facilitator, "Pause à **16 h**.")
    db.session.commit()
    unread = announcements.unread_announcements(world.participant, world.edition)
    assert [a.body for a in unread] == ["Pause à **16 h**."]
    assert announcements.mark_read(world.participant, unread) == 1
    db.session.commit()
    assert announcements.unread_announcements(world.participant, world.edition) == []
    assert len(announcements.unread_announcements(world.other, world.edition)) == 1
    assert "announcement.send" in audit_actions(world.edition)


def test_a_group_announcement_reaches_only_that_group_and_the_staff(world):
    gov = group(world.edition, "gouvernement")
    announcement = announcements.send_announcement(world.edition, world.facilitator, "Gouv !", gov)
    db.session.commit()
    assert announcements.announcements_for(world.participant, world.edition) == [announcement]
    assert announcements.announcements_for(world.other, world.edition) == []
    assert announcements.announcements_for(world.observer, world.edition) == []
    assert announcements.announcements_for(world.organizer, world.edition) == [announcement]
    assert not authz.can(world.other, "announcement.read", announcement)
    assert authz.can(world.participant, "announcement.read", announcement)


def test_an_empty_or_too_long_announcement_is_refused(world):
    with pytest.raises(BadInput):
        announcements.send_announcement(world.edition, world.facilitator, "   ")
    with pytest.raises(BadInput):
        announcements.send_announcement(world.edition, world.facilitator, "x" * 2001)


def test_an_announcement_to_a_group_of_another_edition_is_refused(world, create_edition):
    elsewhere = create_edition("autre-ecole")
    with pytest.raises(BadInput):
        announcements.send_announcement(
            world.edition, world.facilitator, "Hop", elsewhere.groups[0]
        )


# --- audit log ------------------------------------------------------------------------


def test_the_audit_log_filters_by_action_actor_and_date(world):
    phases.set_current_phase(world.edition, "debat", world.facilitator)
    announcements.send_announcement(world.edition, world.organizer, "Bonjour")
    db.session.commit()
    assert [e.action for e in audit.audit_entries(world.edition, actor_id=world.organizer.id)] == [
        "announcement.send"
    ]
    assert len(audit.audit_entries(world.edition, action="phase.change")) == 1
    assert audit.audit_entries(world.edition, since=utcnow() + timedelta(minutes=1)) == []
    assert len(audit.audit_entries(world.edition, until=utcnow() + timedelta(minutes=1))) == 2


@pytest.mark.parametrize("evil", ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\t=1"])
def test_csv_cells_never_start_a_formula(evil):
    assert audit.csv_safe(evil).startswith("'")


def test_the_csv_export_keeps_french_text_and_neutralises_formulas(world):
    section = _section(world.edition)
    locks.set_lock(
        world.edition,
        world.facilitator,
        "section",
        section.id,
        locked=True,
        reason='=cmd|" /C calc"!A0 — relecture',
    )
    db.session.commit()
    text = audit.audit_csv(audit.audit_entries(world.edition))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:5] == ["id", "when", "actor", "actor_email", "action"]
    assert rows[1][4] == "section.lock"
    assert rows[1][7].startswith("'=cmd")
    assert rows[1][2] == "Fatou"


# --- roles ----------------------------------------------------------------------------


def _membership(world, user):
    from app.workshops.services import membership_of

    return membership_of(user, world.edition)


def test_an_organizer_promotes_a_participant_to_facilitator(world):
    memberships.promote_to_facilitator(_membership(world, world.participant), world.organizer)
    db.session.commit()
    assert authz.can(world.participant, "edition.facilitate", world.edition)
    entry = audit.audit_entries(world.edition, action="member.promote")[0]
    assert entry.before == {"role": "participant", "group": "gouvernement"}
    assert entry.after == {"role": "facilitator", "group": None}


def test_only_a_participant_is_promoted(world):
    with pytest.raises(Conflict):
        memberships.promote_to_facilitator(_membership(world, world.observer), world.organizer)


def test_a_moved_member_writes_in_the_new_group_only(world):
    civil = group(world.edition, "societe-civile")
    memberships.move_member(_membership(world, world.participant), civil, world.organizer)
    db.session.commit()
    assert authz.can(world.participant, "section.edit", _section(world.edition, "societe-civile"))
    assert not authz.can(world.participant, "section.edit", _section(world.edition))
    entry = audit.audit_entries(world.edition, action="member.move")[0]
    assert (entry.before["group"], entry.after["group"]) == ("gouvernement", "societe-civile")


def test_moving_to_the_same_group_is_refused(world):
    gov = group(world.edition, "gouvernement")
    with pytest.raises(BadInput):
        memberships.move_member(_membership(world, world.participant), gov, world.organizer)


def test_a_removed_member_loses_access_at_once(world):
    section = _section(world.edition)
    memberships.remove_member(_membership(world, world.participant), world.organizer)
    db.session.commit()
    assert not authz.can(world.participant, "edition.view", world.edition)
    assert not authz.can(world.participant, "section.edit", section)
    entry = audit.audit_entries(world.edition, action="member.remove")[0]
    assert (entry.target_type, entry.target_id) == ("user", world.participant.id)


def test_the_last_organizer_cannot_be_removed(world):
    with pytest.raises(Conflict):
        memberships.remove_member(_membership(world, world.organizer), world.facilitator)


def test_an_organizer_makes_a_facilitator_an_observer(world):
    memberships.change_role(_membership(world, world.facilitator), Role.OBSERVER, world.organizer)
    db.session.commit()
    assert not authz.can(world.facilitator, "edition.facilitate", world.edition)
    assert authz.can(world.facilitator, "edition.view", world.edition)
    entry = audit.audit_entries(world.edition, action="member.role")[0]
    assert (entry.before, entry.after) == (
        {"role": "facilitator", "group": None},
        {"role": "observer", "group": None},
    )


def test_an_observer_made_a_participant_joins_the_group_given(world):
    membership = _membership(world, world.observer)
    with pytest.raises(BadInput):
        memberships.change_role(membership, Role.PARTICIPANT, world.organizer)
    memberships.change_role(
        membership, Role.PARTICIPANT, world.organizer, group=group(world.edition, "societe-civile")
    )
    db.session.commit()
    assert authz.can(world.observer, "section.edit", _section(world.edition, "societe-civile"))
    assert not authz.can(world.observer, "section.edit", _section(world.edition))


@pytest.mark.parametrize(
    ("who", "role", "error"),
    [
        ("organizer", Role.OBSERVER, Conflict),  # organizers are not changed here
        ("facilitator", Role.ORGANIZER, BadInput),  # nor named
        ("facilitator", "chef", BadInput),
        ("facilitator", Role.FACILITATOR, Conflict),  # already
    ],
)
def test_a_role_change_outside_the_three_roles_is_refused(world, who, role, error):
    with pytest.raises(error):
        memberships.change_role(_membership(world, getattr(world, who)), role, world.organizer)


def test_a_role_change_makes_open_sockets_check_again_once_committed(world):
    heard = []

    def hear(_app, **_what):
        heard.append(True)

    generation = select(AccessGeneration.value).where(AccessGeneration.id == 1)
    before = db.session.scalar(generation)
    signals.access_changed.connect(hear)
    try:
        memberships.change_role(
            _membership(world, world.facilitator), Role.OBSERVER, world.organizer
        )
        assert heard == []
        db.session.commit()
        assert heard
    finally:
        signals.access_changed.disconnect(hear)
    assert db.session.scalar(generation) > before


# --- presence and dashboard -----------------------------------------------------------


def test_presence_expires_without_heartbeat(world):
    presence.presence_join("sid-1", world.participant, world.edition, "editor")
    db.session.commit()
    assert presence.online(world.edition) == {world.participant.id: "editor"}
    assert presence.online(world.edition, now=utcnow() + timedelta(minutes=5)) == {}
    presence.presence_leave("sid-1")
    assert presence.online(world.edition) == {}


def test_gini_is_zero_when_even_and_high_when_one_writes_everything():
    assert dashboard.gini([100, 100, 100]) == pytest.approx(0)
    assert dashboard.gini([0, 0, 0, 900]) == pytest.approx(0.75)
    assert dashboard.gini([]) == 0


def test_words_are_counted_in_french_markdown():
    text = "## L'accès à **Internet** — c'est-à-dire tout.\n\n- une liste\n- [^1]"
    assert dashboard.count_words(text) == 8


def test_the_target_length_is_checked_and_audited(world):
    with pytest.raises(BadInput):
        settings.set_target_words(world.edition, 5, world.facilitator)
    settings.set_target_words(world.edition, 500, world.facilitator)
    db.session.commit()
    assert settings.settings_of(world.edition).target_words == 500
    assert audit_actions(world.edition)[-1] == "dashboard.target"


def test_the_dashboard_lists_every_group_section_and_member(world):
    board = dashboard.build(world.edition)
    assert [b.group.slug for b in board.groups] == ["gouvernement", "societe-civile"]
    gov = board.groups[0]
    assert [r.label for r in gov.sections] == ["Intro", "Q1", "Q2", "Concl."]
    assert {m.name for m in gov.members} == {"Awa", "Ali"}
    assert all(r.status == "empty" for r in gov.sections)


def test_stale_presence_rows_are_pruned(world):
    presence.presence_join("sid-old", world.participant, world.edition)
    db.session.commit()
    assert presence.prune_presence() == 0
    assert presence.prune_presence(now=utcnow() + timedelta(hours=1)) == 1
