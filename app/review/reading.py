"""A section's whole review as one member may see it (the ``review`` event, the JSON route);
a paper's comments for the facilitators' review copy."""

from __future__ import annotations

from sqlalchemy import select

from app.collaboration.models import Section
from app.core import authz
from app.extensions import db
from app.review import comments, feedback, suggestions
from app.review.models import Comment


def review_of(section: Section, user) -> dict:
    """Its threads (with where each passage is now), its pending suggestions, its feedback
    (released; the draft too for the staff)."""
    staff = authz.can(user, "review.feedback", section)
    return {
        "comments": comments.threads(section, user),
        "suggestions": [suggestions.suggestion_payload(s) for s in suggestions.pending(section)],
        "feedback": feedback.feedback_payload(feedback.feedback_of(section), staff=staff),
    }


def comments_for_export(paper) -> list[dict]:
    """The paper's threads for the facilitators' review copy (``app.exports``), oldest
    first by section: hidden comments left out, a hidden thread with its replies."""
    found = []
    for section in paper.sections:
        roots = list(
            db.session.scalars(
                select(Comment)
                .where(
                    Comment.section_id == section.id,
                    Comment.parent_id.is_(None),
                    Comment.hidden.is_(False),
                )
                .order_by(Comment.id)
            )
        )
        places = comments.passage(section, roots)
        for root in roots:
            where = places[root.id]
            found.append(
                {
                    "section_key": section.key,
                    "start": where[0] if where else None,
                    "end": where[1] if where else None,
                    "quote": root.quote,
                    "author": root.author.name if root.author else "",
                    "at": root.created_at,
                    "body": root.body,
                    "replies": [
                        {
                            "author": reply.author.name if reply.author else "",
                            "at": reply.created_at,
                            "body": reply.body,
                        }
                        for reply in root.replies
                        if not reply.hidden
                    ],
                    "resolved": root.resolved_at is not None,
                }
            )
    return found
