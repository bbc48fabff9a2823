"""Facilitators' feedback on a section: a text and a status ("à revoir", "prêt").

A facilitator drafts it (only the staff see drafts), for as many sections and groups as
they like, then releases every draft at once (of the edition, or of one question): each
group then reads it in its paper, each of its participants is told, and the dashboard
shows the status. Rewriting a released feedback makes a new draft; the group keeps reading
the released one until the next release.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.collaboration.models import Paper, Section
from app.collaboration.services import section_address
from app.core.errors import BadInput
from app.core.markdown import render_html
from app.core.models import utcnow
from app.extensions import db
from app.review import rooms
from app.review.audit import audit
from app.review.common import person, text_field
from app.review.models import Feedback, FeedbackStatus, NotificationKind
from app.review.notifications import notify
from app.workshops.models import Role, StakeholderGroup
from app.workshops.services import members

FEEDBACK_MAX = 4000
STATUSES = tuple(str(status) for status in FeedbackStatus)
STATUS_LABELS = {FeedbackStatus.TO_REVIEW: _l("To review"), FeedbackStatus.READY: _l("Ready")}


def feedback_of(section: Section) -> Feedback | None:
    return db.session.scalar(select(Feedback).where(Feedback.section_id == section.id))


def save_feedback(section: Section, author, *, body, status) -> Feedback:
    """Write (or rewrite) the draft of a section's feedback."""
    if status not in STATUSES:
        raise BadInput(_("Choose a status: to review, or ready."))
    body = text_field(
        body, limit=FEEDBACK_MAX, empty="", too_long=_("Feedback has at most 4,000 characters.")
    )
    feedback = feedback_of(section)
    if feedback is None:
        feedback = Feedback(section_id=section.id)
    feedback.author_id, feedback.body, feedback.status = author.id, body, status
    feedback.updated_at = utcnow()
    db.session.add(feedback)
    db.session.flush()
    return feedback


def _released(feedback: Feedback) -> dict | None:
    if feedback.released_at is None:
        return None
    return {
        "status": feedback.released_status,
        "body": feedback.released_body,
        "html": render_html(feedback.released_body),
        "at": feedback.released_at.isoformat(),
    }


def feedback_payload(feedback: Feedback | None, *, staff: bool) -> dict | None:
    """What a member sees: the released feedback; the staff also see the draft."""
    if feedback is None:
        return None
    data = {"section": section_address(feedback.section), "released": _released(feedback)}
    if staff:
        data["draft"] = {
            "status": feedback.status,
            "body": feedback.body,
            "html": render_html(feedback.body),
            "author": person(feedback.author),
            "updated_at": feedback.updated_at.isoformat(),
            "pending": feedback.draft_pending,
        }
    elif data["released"] is None:
        return None
    return data


def edition_feedback(edition, question: int | None = None) -> list[Feedback]:
    """Every feedback of the edition's papers (of one question's sections, if given)."""
    query = (
        select(Feedback)
        .join(Section, Feedback.section_id == Section.id)
        .join(Paper, Section.paper_id == Paper.id)
        .join(StakeholderGroup, Paper.group_id == StakeholderGroup.id)
        .where(StakeholderGroup.edition_id == edition.id)
        .order_by(StakeholderGroup.position, Section.position)
    )
    rows = list(db.session.scalars(query))
    if question is not None:
        rows = [r for r in rows if r.section.question and r.section.question.position == question]
    return rows


def release_feedback(edition, actor, question=None) -> int:
    """Release every draft of the edition (of question number ``question``) at once; each
    group's participants are told. How many were released."""
    if question is not None and (not isinstance(question, int) or isinstance(question, bool)):
        raise BadInput(_("Name the question by its number."))
    now = utcnow()
    released = [f for f in edition_feedback(edition, question) if f.draft_pending]
    participants: dict[int, list[int]] = {}
    for feedback in released:
        feedback.released_body, feedback.released_status = feedback.body, feedback.status
        feedback.released_at, feedback.released_by_id = now, actor.id
    db.session.flush()
    for feedback in released:
        section = feedback.section
        group = section.paper.group
        if group.id not in participants:
            participants[group.id] = [
                m.user_id for m in members(edition, group) if m.role == Role.PARTICIPANT
            ]
        for user_id in participants[group.id]:
            notify(user_id, section, NotificationKind.FEEDBACK, actor)
        rooms.tell_section(
            section.id,
            section_address(section),
            "feedback",
            "released",
            feedback_payload(feedback, staff=False),
        )
    if released:
        audit(
            edition,
            actor,
            "feedback.release",
            edition,
            after={
                "sections": [section_address(f.section) for f in released],
                "question": question,
            },
        )
    return len(released)


@dataclass(frozen=True)
class FeedbackState:
    """What the dashboard shows of a section's feedback."""

    released: str | None  # the status the group reads, if any
    draft: str  # the draft's status
    pending: bool  # a draft not released yet


def dashboard_feedback(edition) -> dict[int, FeedbackState]:
    """Section id → its feedback's state, for the facilitators' dashboard."""
    return {
        f.section_id: FeedbackState(f.released_status, f.status, f.draft_pending)
        for f in edition_feedback(edition)
    }
