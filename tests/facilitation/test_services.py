"""Announcements, the audit log and its CSV, roles, presence and the dashboard figures."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from app.core import authz
from app.core.errors import BadInput, Conflict
from app.core.models import utcnow
from app.extensions import db
from app.facilitation import dashboard, services
from tests.facilitation.conftest import audit_actions, group


def _section(edition, slug="gouvernement", key="q1"):
    return next(s for s in group(edition, slug).paper.sections if s.key == key)


# --- announcements --------------------------------------------------------------------


def test_an_announcement_to_everyone_is_unread_until_read(world):
    services.send_announcement(world.edition, world.facilitator, "Pause à **16 h**.")
    db.session.commit()
    unread = services.unread_announcements(world.participant, world.edition)
    assert [a.body for a in unread] == ["Pause à **16 h**."]
    assert services.mark_read(world.participant, unread) == 1
    db.session.commit()
    assert services.unread_announcements(world.participant, world.edition) == []
    assert len(services.unread_announcements(world.other, world.edition)) == 1
    assert "announcement.send" in audit_actions(world.edition)


def test_a_group_announcement_reaches_only_that_group_and_the_staff(world):
    gov = group(world.edition, "gouvernement")
    announcement = services.send_announcement(world.edition, world.facilitator, "Gouv !", gov)
    db.session.commit()
    assert services.announcements_for(world.participant, world.edition) == [announcement]
    assert services.announcements_for(world.other, world.edition) == []
    assert services.announcements_for(world.observer, world.edition) == []
    assert services.announcements_for(world.organizer, world.edition) == [announcement]
    assert not authz.can(world.other, "announcement.read", announcement)
    assert authz.can(world.participant, "announcement.read", announcement)


def test_an_empty_or_too_long_announcement_is_refused(world):
    with pytest.raises(BadInput):
        services.send_announcement(world.edition, world.facilitator, "   ")
    with pytest.raises(BadInput):
        services.send_announcement(world.edition, world.facilitator, "x" * 2001)


def test_an_announcement_to_a_group_of_another_edition_is_refused(world, create_edition):
    elsewhere = create_edition("autre-ecole")
    with pytest.raises(BadInput):
        services.send_announcement(world.edition, world.facilitator, "Hop", elsewhere.groups[0])


# --- audit log ------------------------------------------------------------------------


def test_the_audit_log_filters_by_action_actor_and_date(world):
    services.set_current_phase(world.edition, "debat", world.facilitator)
    services.send_announcement(world.edition, world.organizer, "Bonjour")
    db.session.commit()
    assert [
        e.action for e in services.audit_entries(world.edition, actor_id=world.organizer.id)
    ] == ["announcement.send"]
    assert len(services.audit_entries(world.edition, action="phase.change")) == 1
    assert services.audit_entries(world.edition, since=utcnow() + timedelta(minutes=1)) == []
    assert len(services.audit_entries(world.edition, until=utcnow() + timedelta(minutes=1))) == 2


@pytest.mark.parametrize("evil", ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\t=1"])
def test_csv_cells_never_start_a_formula(evil):
    assert services.csv_safe(evil).startswith("'")


def test_the_csv_export_keeps_french_text_and_neutralises_formulas(world):
    section = _section(world.edition)
    services.set_lock(
        world.edition,
        world.facilitator,
        "section",
        section.id,
        locked=True,
        reason='=cmd|" /C calc"!A0 — relecture',
    )
    db.session.commit()
    text = services.audit_csv(services.audit_entries(world.edition))
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
    services.promote_to_facilitator(_membership(world, world.participant), world.organizer)
    db.session.commit()
    assert authz.can(world.participant, "edition.facilitate", world.edition)
    entry = services.audit_entries(world.edition, action="member.promote")[0]
    assert entry.before == {"role": "participant", "group": "gouvernement"}
    assert entry.after == {"role": "facilitator", "group": None}


def test_only_a_participant_is_promoted(world):
    with pytest.raises(Conflict):
        services.promote_to_facilitator(_membership(world, world.observer), world.organizer)


def test_a_moved_member_writes_in_the_new_group_only(world):
    civil = group(world.edition, "societe-civile")
    services.move_member(_membership(world, world.participant), civil, world.organizer)
    db.session.commit()
    assert authz.can(world.participant, "section.edit", _section(world.edition, "societe-civile"))
    assert not authz.can(world.participant, "section.edit", _section(world.edition))
    entry = services.audit_entries(world.edition, action="member.move")[0]
    assert (entry.before["group"], entry.after["group"]) == ("gouvernement", "societe-civile")


def test_moving_to_the_same_group_is_refused(world):
    gov = group(world.edition, "gouvernement")
    with pytest.raises(BadInput):
        services.move_member(_membership(world, world.participant), gov, world.organizer)


def test_a_removed_member_loses_access_at_once(world):
    section = _section(world.edition)
    services.remove_member(_membership(world, world.participant), world.organizer)
    db.session.commit()
    assert not authz.can(world.participant, "edition.view", world.edition)
    assert not authz.can(world.participant, "section.edit", section)
    entry = services.audit_entries(world.edition, action="member.remove")[0]
    assert (entry.target_type, entry.target_id) == ("user", world.participant.id)


def test_the_last_organizer_cannot_be_removed(world):
    with pytest.raises(Conflict):
        services.remove_member(_membership(world, world.organizer), world.facilitator)


# --- presence and dashboard -----------------------------------------------------------


def test_presence_expires_without_heartbeat(world):
    services.presence_join("sid-1", world.participant, world.edition, "editor")
    db.session.commit()
    assert services.online(world.edition) == {world.participant.id: "editor"}
    assert services.online(world.edition, now=utcnow() + timedelta(minutes=5)) == {}
    services.presence_leave("sid-1")
    assert services.online(world.edition) == {}


def test_gini_is_zero_when_even_and_high_when_one_writes_everything():
    assert dashboard.gini([100, 100, 100]) == pytest.approx(0)
    assert dashboard.gini([0, 0, 0, 900]) == pytest.approx(0.75)
    assert dashboard.gini([]) == 0


def test_words_are_counted_in_french_markdown():
    text = "## L'accès à **Internet** — c'est-à-dire tout.\n\n- une liste\n- [^1]"
    assert dashboard.count_words(text) == 8


def test_the_target_length_is_checked_and_audited(world):
    with pytest.raises(BadInput):
        services.set_target_words(world.edition, 5, world.facilitator)
    services.set_target_words(world.edition, 500, world.facilitator)
    db.session.commit()
    assert services.settings_of(world.edition).target_words == 500
    assert audit_actions(world.edition)[-1] == "dashboard.target"


def test_the_dashboard_lists_every_group_section_and_member(world):
    board = dashboard.build(world.edition)
    assert [b.group.slug for b in board.groups] == ["gouvernement", "societe-civile"]
    gov = board.groups[0]
    assert [r.label for r in gov.sections] == ["Intro", "Q1", "Q2", "Concl."]
    assert {m.name for m in gov.members} == {"Awa", "Ali"}
    assert all(r.status == "empty" for r in gov.sections)


def test_stale_presence_rows_are_pruned(world):
    services.presence_join("sid-old", world.participant, world.edition)
    db.session.commit()
    assert services.prune_presence() == 0
    assert services.prune_presence(now=utcnow() + timedelta(hours=1)) == 1
