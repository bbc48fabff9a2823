"""A section's whole review as one member may see it (the ``review`` event, the JSON route)."""

from __future__ import annotations

from app.collaboration.models import Section
from app.core import authz
from app.review import comments, feedback, suggestions


def review_of(section: Section, user) -> dict:
    """Its threads (with where each passage is now), its pending suggestions, its feedback
    (released; the draft too for the staff)."""
    staff = authz.can(user, "review.feedback", section)
    return {
        "comments": comments.threads(section, user),
        "suggestions": [suggestions.suggestion_payload(s) for s in suggestions.pending(section)],
        "feedback": feedback.feedback_payload(feedback.feedback_of(section), staff=staff),
    }
