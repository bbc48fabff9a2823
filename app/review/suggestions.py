"""Suggested edits: "replace this passage with that", decided by the group.

A member in "Suggérer" mode types and deletes as usual; their editor turns it into
suggestions instead of edits: the passage (two anchors and the text it holds, empty for an
insertion) and what would replace it. Accepting one applies it on the server as an
ordinary edit everyone sees (``collaboration.services.edit_section``): the member who
accepts is the actor of that edit in the section's history, and the audit log keeps who
suggested it. The passage must still hold the text the suggestion quoted: otherwise the
suggestion is refused ("le passage a changé") and nothing changes. Rejecting removes it
from the text's margin; both decisions are audited and the author is told.

Nothing of a suggestion is in the section's text until it is accepted: the deliverables
(``exports``), built from the text, hold no pending suggestion (``pending_count`` lets
their page warn).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.collaboration.models import Paper, Section
from app.collaboration.services import edit_section, section_address
from app.core.errors import BadInput, Conflict, NotFound
from app.core.models import utcnow
from app.extensions import db
from app.review import anchors, rooms
from app.review.audit import audit
from app.review.common import client_id, person, section_state, section_text_now, text_field
from app.review.models import NotificationKind, Suggestion, SuggestionStatus
from app.review.notifications import notify
from app.workshops.models import StakeholderGroup

SUGGESTION_MAX = 5000
CHANGED = "passage_changed"
DECISIONS = ("accept", "reject")


def _changed() -> Conflict:
    return Conflict(_("The passage has changed since this suggestion was made."), code=CHANGED)


def get_suggestion(uid) -> Suggestion:
    found = db.session.scalar(select(Suggestion).where(Suggestion.uid == client_id(uid)))
    if found is None:
        raise NotFound(_("This suggestion does not exist."))
    return found


def suggestion_payload(suggestion: Suggestion) -> dict:
    return {
        "id": suggestion.uid,
        "section": section_address(suggestion.section),
        "author": person(suggestion.author),
        "start": anchors.to_text(anchors.decode(suggestion.anchor_start)),
        "end": anchors.to_text(anchors.decode(suggestion.anchor_end)),
        "deleted": suggestion.deleted_text,
        "inserted": suggestion.inserted_text,
        "status": suggestion.status,
        "decided_by": person(suggestion.decided_by),
        "decided_at": suggestion.decided_at.isoformat() if suggestion.decided_at else None,
        "created_at": suggestion.created_at.isoformat(),
    }


def pending(section: Section) -> list[Suggestion]:
    return list(
        db.session.scalars(
            select(Suggestion)
            .where(
                Suggestion.section_id == section.id,
                Suggestion.status == SuggestionStatus.PENDING,
            )
            .order_by(Suggestion.id)
        )
    )


def _in_edition(edition):
    return (
        select(Suggestion)
        .join(Section, Suggestion.section_id == Section.id)
        .join(Paper, Section.paper_id == Paper.id)
        .join(StakeholderGroup, Paper.group_id == StakeholderGroup.id)
        .where(
            StakeholderGroup.edition_id == edition.id,
            Suggestion.status == SuggestionStatus.PENDING,
        )
    )


def pending_suggestions(edition) -> list[Suggestion]:
    """Every suggestion still waiting for a decision in the edition's papers."""
    return list(db.session.scalars(_in_edition(edition).order_by(Suggestion.id)))


def pending_count(edition, group=None) -> int:
    """How many wait (in one group's paper, if given): the deliverables page warns."""
    query = _in_edition(edition)
    if group is not None:
        query = query.where(Paper.group_id == group.id)
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _where(state: bytes, suggestion_or_anchors) -> tuple[int, int] | None:
    start, end = suggestion_or_anchors
    places = anchors.resolve(state, [start, end])
    begin, finish = places[start], places[end]
    if begin is None or finish is None or begin.index > finish.index:
        return None
    return begin.index, finish.index


def create_suggestion(
    section: Section, author, *, uid, start, end=None, deleted="", inserted=""
) -> tuple[Suggestion, bool]:
    """Suggest replacing the passage ``start``–``end`` (it holds ``deleted``) with
    ``inserted``; ``end`` may be left out for an insertion. ``(suggestion, created)``."""
    uid = client_id(uid)
    found = db.session.scalar(select(Suggestion).where(Suggestion.uid == uid))
    if found is not None:
        if (found.author_id, found.section_id) != (author.id, section.id):
            raise Conflict(_("This id is already taken."))
        return found, False
    too_long = _("A suggestion has at most 5,000 characters.")
    deleted = text_field(deleted, limit=SUGGESTION_MAX, empty="", too_long=too_long, strip=False)
    inserted = text_field(inserted, limit=SUGGESTION_MAX, empty="", too_long=too_long, strip=False)
    if not deleted and not inserted:
        raise BadInput(_("Suggest something: a text to insert, or a passage to delete."))
    first = anchors.parse(start)
    last = anchors.parse(end) if end is not None else first
    places = anchors.resolve(section_state(section), [first, last])
    begin, finish = places[first], places[last]
    if begin is None or finish is None:
        raise BadInput(_("This passage is not in the section."))
    if begin.live and finish.live:
        if begin.index > finish.index or (deleted and begin.index == finish.index):
            raise BadInput(_("Select the passage to replace."))
        if section_text_now(section)[begin.index : finish.index] != deleted:
            raise _changed()
    suggestion = Suggestion(
        uid=uid,
        section_id=section.id,
        author_id=author.id,
        anchor_start=anchors.encode(first),
        anchor_end=anchors.encode(last),
        deleted_text=deleted,
        inserted_text=inserted,
    )
    db.session.add(suggestion)
    db.session.flush()
    _tell(suggestion, "created")
    return suggestion, True


def _apply(suggestion: Suggestion):
    """The edit accepting ``suggestion`` makes, on the text as it is at that moment."""
    start, end = anchors.decode(suggestion.anchor_start), anchors.decode(suggestion.anchor_end)

    def edit(text) -> None:
        where = _where(text.doc.get_update(), (start, end))
        current = str(text)
        if where is None or current[where[0] : where[1]] != suggestion.deleted_text:
            raise _changed()
        at = len(current[: where[0]].encode("utf-8"))
        until = len(current[: where[1]].encode("utf-8"))
        if until > at:
            del text[at:until]
        if suggestion.inserted_text:
            text.insert(at, suggestion.inserted_text)

    return edit


def decide(suggestion: Suggestion, actor, decision: str) -> Suggestion:
    """Accept (apply it) or reject a pending suggestion."""
    if decision not in DECISIONS:
        raise BadInput(_("Accept or reject: nothing else."))
    if suggestion.status != SuggestionStatus.PENDING:
        raise Conflict(_("This suggestion was already decided."), code="decided")
    section = suggestion.section
    if decision == "accept":
        edit_section(section, _apply(suggestion), actor)
    suggestion.status = (
        SuggestionStatus.ACCEPTED if decision == "accept" else SuggestionStatus.REJECTED
    )
    suggestion.decided_by_id, suggestion.decided_at = actor.id, utcnow()
    db.session.flush()
    db.session.expire(suggestion, ["decided_by"])
    audit(
        section.paper.group.edition,
        actor,
        f"suggestion.{decision}",
        suggestion,
        before={"status": SuggestionStatus.PENDING},
        after={
            "status": suggestion.status,
            "author": suggestion.author_id,
            "section": section_address(section),
            "deleted": suggestion.deleted_text[:200],
            "inserted": suggestion.inserted_text[:200],
        },
    )
    kind = (
        NotificationKind.SUGGESTION_ACCEPTED
        if decision == "accept"
        else NotificationKind.SUGGESTION_REJECTED
    )
    notify(suggestion.author_id, section, kind, actor, suggestion=suggestion)
    _tell(suggestion, "accepted" if decision == "accept" else "rejected")
    return suggestion


def decide_all(section: Section, actor, author_id, decision: str) -> dict:
    """Accept or reject every pending suggestion of one author in a section, oldest first.
    Those whose passage has changed (an earlier one may have changed it) stay pending."""
    if not isinstance(author_id, int) or isinstance(author_id, bool):
        raise BadInput(_("Name the author whose suggestions you decide."))
    if decision not in DECISIONS:
        raise BadInput(_("Accept or reject: nothing else."))
    done, skipped = [], []
    for suggestion in pending(section):
        if suggestion.author_id != author_id:
            continue
        try:
            decide(suggestion, actor, decision)
        except Conflict as error:
            if error.code != CHANGED:
                raise
            skipped.append(suggestion.uid)
            continue
        done.append(suggestion.uid)
    return {"done": done, "skipped": skipped}


def _tell(suggestion: Suggestion, action: str) -> None:
    section = suggestion.section
    rooms.tell_section(
        section.id, section_address(section), "suggestion", action, suggestion_payload(suggestion)
    )
