"""Facilitators' feedback (drafts, released at once) and the members' inbox."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.collaboration.services import paper_of
from app.core.errors import BadInput
from app.core.transactions import commit
from app.extensions import db
from app.facilitation.dashboard import build
from app.review import comments, feedback, notifications
from app.review.models import Notification
from app.review.reading import review_of
from app.workshops.memberships import remove_member
from app.workshops.services import get_group, membership_of
from tests.review.conftest import new_id, passage


def _draft(world, section=None, body="Développez la deuxième idée.", status="to_review"):
    saved = feedback.save_feedback(
        section or world.section, world.facilitator, body=body, status=status
    )
    commit()
    return saved


def test_a_draft_is_for_the_staff_until_it_is_released(world):
    _draft(world)
    assert review_of(world.section, world.author)["feedback"] is None
    seen = review_of(world.section, world.facilitator)["feedback"]
    assert seen["draft"]["body"] == "Développez la deuxième idée." and seen["released"] is None
    assert db.session.scalars(select(Notification)).all() == []


def test_release_all_shows_every_draft_and_tells_each_group(world):
    _draft(world)
    other_section = paper_of(get_group(world.edition, "societe-civile")).sections[0]
    _draft(world, other_section, "Prêt pour la cérémonie.", "ready")
    assert feedback.release_feedback(world.edition, world.facilitator) == 2
    commit()
    released = review_of(world.section, world.author)["feedback"]["released"]
    assert (released["status"], released["body"]) == ("to_review", "Développez la deuxième idée.")
    told = {(n.user_id, n.section_id) for n in db.session.scalars(select(Notification))}
    assert told == {
        (world.author.id, world.section.id),
        (world.teammate.id, world.section.id),
        (world.other.id, other_section.id),
    }
    assert feedback.release_feedback(world.edition, world.facilitator) == 0  # nothing new


def test_a_rewritten_draft_waits_while_the_group_reads_the_released_one(world):
    _draft(world)
    feedback.release_feedback(world.edition, world.facilitator)
    _draft(world, body="Parfait.", status="ready")
    member_view = review_of(world.section, world.author)["feedback"]["released"]
    assert member_view["status"] == "to_review"
    state = feedback.dashboard_feedback(world.edition)[world.section.id]
    assert (state.released, state.draft, state.pending) == ("to_review", "ready", True)


def test_the_dashboard_shows_the_status(world):
    _draft(world, status="ready")
    feedback.release_feedback(world.edition, world.facilitator)
    commit()
    rows = [row for block in build(world.edition).groups for row in block.sections]
    shown = {row.section.id: row.feedback for row in rows if row.feedback is not None}
    assert shown[world.section.id].released == "ready"


def test_release_one_question_only(world):
    intro = world.section
    question_one = next(s for s in intro.paper.sections if s.key == "q1")
    _draft(world, intro)
    _draft(world, question_one, "Citez une source.")
    assert feedback.release_feedback(world.edition, world.facilitator, question=1) == 1
    assert feedback.feedback_of(intro).released_at is None


@pytest.mark.parametrize("values", [{"status": "parfait"}, {"status": None}, {"body": "x" * 4001}])
def test_bad_feedback_is_refused(world, values):
    with pytest.raises(BadInput):
        feedback.save_feedback(
            world.section, world.facilitator, **{"body": "Bien", "status": "ready", **values}
        )


def _mention(world, who="@Awa Traoré"):
    comments.create_comment(
        world.section,
        world.teammate,
        uid=new_id(),
        body=f"{who} : une source ?",
        **passage(world.section, "privent"),
    )
    commit()


def test_the_inbox_counts_what_is_unread_and_marks_it_read(world):
    _mention(world)
    _mention(world)
    assert notifications.unread_count(world.author, world.edition) == 2
    lines = notifications.inbox(world.author, world.edition)
    assert [line.kind for line in lines] == ["mention", "mention"]
    shown = notifications.payload(lines[0])
    assert shown["excerpt"] == "@Awa Traoré : une source ?" and shown["actor"] == "Awa"
    assert notifications.mark_read(world.author, world.edition, [lines[0].id]) == 1
    assert notifications.unread_count(world.author, world.edition) == 1
    assert notifications.mark_read(world.author, world.edition) == 1
    assert notifications.unread_count(world.author, world.edition) == 0


def test_one_cannot_mark_someone_elses_lines(world):
    _mention(world)
    line = notifications.inbox(world.author, world.edition)[0]
    assert notifications.mark_read(world.teammate, world.edition, [line.id]) == 0
    assert notifications.unread_count(world.author, world.edition) == 1
    with pytest.raises(BadInput):
        notifications.mark_read(world.author, world.edition, ["1"])


def test_a_member_removed_no_longer_reads_their_inbox_of_the_edition(world):
    _mention(world)
    remove_member(membership_of(world.author, world.edition), world.organizer)
    commit()
    assert notifications.unread_count(world.author, world.edition) == 0
    assert notifications.inbox(world.author, world.edition) == []
