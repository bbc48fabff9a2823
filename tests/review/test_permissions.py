"""Who may do what in review: role × action, in "Rédaction" (other papers closed), in
"Débat" (open to every participant) and with the paper locked."""

from __future__ import annotations

import pytest

from app.core import authz
from app.core.transactions import commit
from app.review import comments
from tests.review.conftest import new_id, open_papers, passage, suggest

ROLES = ("anonymous", "outsider", "observer", "other", "author", "facilitator", "organizer")
ACTIONS = (
    "review.read",
    "review.comment",
    "review.reply",
    "review.resolve",
    "review.moderate",
    "review.suggest",
    "review.decide",
    "review.feedback",
)


def _allowed(*roles) -> dict[str, bool]:
    return {role: role in roles for role in ROLES}


GROUP_AND_STAFF = _allowed("author", "facilitator", "organizer")
EVERY_PARTICIPANT_AND_STAFF = _allowed("other", "author", "facilitator", "organizer")
GROUP = _allowed("author")
STAFF = _allowed("facilitator", "organizer")
NOBODY = _allowed()

WRITING = {  # "Rédaction": the others do not read the Government's paper
    "review.read": GROUP_AND_STAFF,
    "review.comment": GROUP_AND_STAFF,
    "review.reply": GROUP_AND_STAFF,
    "review.resolve": GROUP_AND_STAFF,
    "review.moderate": STAFF,
    "review.suggest": GROUP,
    "review.decide": GROUP,
    "review.feedback": STAFF,
}
DEBATE = {  # "Débat": every paper opened to every participant
    **WRITING,
    "review.read": EVERY_PARTICIPANT_AND_STAFF,
    "review.comment": EVERY_PARTICIPANT_AND_STAFF,
    "review.reply": EVERY_PARTICIPANT_AND_STAFF,
}
LOCKED = {**WRITING, "review.suggest": NOBODY, "review.decide": NOBODY}


def _targets(world):
    root, _new = comments.create_comment(
        world.section,
        world.author,
        uid=new_id(),
        body="À vérifier",
        **passage(world.section, "coûtent cher"),
    )
    suggestion = suggest(world.section, world.author, "cher", "très cher")
    return {
        "review.read": world.section,
        "review.comment": world.section,
        "review.reply": root,
        "review.resolve": root,
        "review.moderate": root,
        "review.suggest": world.section,
        "review.decide": suggestion,
        "review.feedback": world.section,
    }


def _observed(world, targets) -> dict:
    users = {role: getattr(world, role, None) for role in ROLES}
    users["anonymous"] = None
    return {
        action: {role: authz.can(users[role], action, targets[action]) for role in ROLES}
        for action in ACTIONS
    }


@pytest.mark.parametrize("situation", ["writing", "debate", "locked"])
def test_the_review_matrix(world, situation):
    targets = _targets(world)
    if situation == "debate":
        open_papers(world.edition)
    elif situation == "locked":
        world.section.paper.locked = True
        commit()
    expected = {"writing": WRITING, "debate": DEBATE, "locked": LOCKED}[situation]
    assert _observed(world, targets) == expected


def test_the_writer_of_a_thread_from_another_group_may_resolve_it(world):
    open_papers(world.edition)
    root, _new = comments.create_comment(
        world.section,
        world.other,
        uid=new_id(),
        body="Et la société civile ?",
        **passage(world.section, "élèves"),
    )
    commit()
    assert root.group.slug == "societe-civile"  # the badge
    assert comments.threads(world.section, world.author)[0]["badge"] is True
    assert authz.can(world.other, "review.resolve", root)
    world.edition.current_phase = next(p for p in world.edition.phases if p.key == "redaction")
    commit()
    assert not authz.can(world.other, "review.resolve", root)  # no longer reads the paper


def test_inbox_and_release_rules(world):
    for role in ("author", "other", "observer", "facilitator", "organizer"):
        assert authz.can(getattr(world, role), "review.inbox", world.edition), role
    assert not authz.can(world.outsider, "review.inbox", world.edition)
    assert not authz.can(None, "review.inbox", world.edition)
    allowed = {
        role
        for role in ROLES
        if authz.can(getattr(world, role, None), "review.release", world.edition)
    }
    assert allowed == {"facilitator", "organizer"}
