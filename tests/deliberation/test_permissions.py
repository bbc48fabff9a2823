"""Who may do what in the debate, per role and per phase mode (app/deliberation/permissions)."""

import pytest

from app.core import authz
from app.core.transactions import commit
from app.deliberation.moderation import hide
from app.workshops.models import DebateMode

ROLES = {
    "organizer": "organisateur@demo.palabre",
    "facilitator": "facilitateur@demo.palabre",
    "participant": "prive1@demo.palabre",
    "observer": "public@demo.palabre",
}
# action -> roles allowed while the debate is open
OPEN = {
    "debate.read": {"organizer", "facilitator", "participant", "observer"},
    "debate.write": {"participant"},
    "debate.moderate": {"organizer", "facilitator"},
    "source.add": {"organizer", "facilitator", "participant"},
}


def _set_mode(edition, mode):
    edition.current_phase.debate_mode = mode
    commit()


@pytest.mark.parametrize("action", sorted(OPEN))
def test_who_may_act_on_an_open_debate(demo, action):
    allowed = {role for role, email in ROLES.items() if authz.can(demo.users[email], action, demo)}
    assert allowed == OPEN[action]


def test_a_read_only_debate_is_read_by_everyone_and_written_by_nobody(demo):
    _set_mode(demo, DebateMode.READONLY)
    assert all(authz.can(demo.users[e], "debate.read", demo) for e in ROLES.values())
    assert not any(authz.can(demo.users[e], "debate.write", demo) for e in ROLES.values())


def test_a_hidden_debate_is_read_only_by_the_staff(demo):
    _set_mode(demo, DebateMode.HIDDEN)
    readers = {r for r, e in ROLES.items() if authz.can(demo.users[e], "debate.read", demo)}
    assert readers == {"organizer", "facilitator"}


def test_nobody_reads_another_editions_debate(demo, create_edition, add_member):
    other = create_edition("autre")
    stranger = add_member(other, "participant", "gouvernement")
    assert not authz.can(stranger, "debate.read", demo)
    assert not authz.can(stranger, "debate.moderate", demo)
    assert not authz.can(None, "debate.read", demo)


def test_marks_need_an_open_debate_and_someone_elses_argument(demo, claim, users):
    assert authz.can(users["prive1@demo.palabre"], "debate.mark", claim)
    assert not authz.can(users["gouvernement1@demo.palabre"], "debate.mark", claim)
    assert not authz.can(users["public@demo.palabre"], "debate.mark", claim)
    _set_mode(demo, DebateMode.READONLY)
    assert not authz.can(users["prive1@demo.palabre"], "debate.mark", claim)


def test_only_the_author_edits_and_deletes(claim, users):
    assert authz.can(users["gouvernement1@demo.palabre"], "debate.delete", claim)
    assert not authz.can(users["gouvernement2@demo.palabre"], "debate.edit", claim)
    assert not authz.can(users["facilitateur@demo.palabre"], "debate.delete", claim)


def test_a_hidden_argument_is_no_longer_editable_by_its_author(claim, users):
    hide(claim, users["facilitateur@demo.palabre"], "hors sujet")
    assert not authz.can(users["gouvernement1@demo.palabre"], "debate.edit", claim)


def test_only_the_authors_group_inserts_an_argument_into_its_paper(claim, users):
    assert authz.can(users["gouvernement2@demo.palabre"], "debate.insert", claim)
    assert not authz.can(users["prive1@demo.palabre"], "debate.insert", claim)
    assert not authz.can(users["facilitateur@demo.palabre"], "debate.insert", claim)


def test_moderation_rights_hold_for_an_argument_as_for_its_edition(claim, users):
    assert authz.can(users["facilitateur@demo.palabre"], "debate.moderate", claim)
    assert not authz.can(users["gouvernement1@demo.palabre"], "debate.moderate", claim)
