"""Writing the map: theses and replies, their citations, edits and deletion.

What may answer what is checked here (kinds, depth, closed threads), before anything is
flushed; the watchers of the question hear of it after the commit (``rooms.announce``)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.core.errors import BadInput, Conflict, NotFound
from app.core.markdown import clean_text
from app.core.models import utcnow
from app.deliberation.models import Argument, ArgumentRevision, Citation, Kind, Source
from app.deliberation.rooms import announce
from app.extensions import db
from app.facilitation.audit import record_audit
from app.workshops.models import Question
from app.workshops.services import membership_of

MAX_TEXT = 5000
MAX_CITATIONS = 10
# Replies nest freely; a limit far beyond any real discussion keeps rendering bounded.
MAX_DEPTH = 40


def get_argument(edition, argument_id: int) -> Argument:
    argument = db.session.get(Argument, argument_id)
    if argument is None or argument.edition_id != edition.id:
        raise NotFound(_("This argument does not exist."))
    return argument


def clean_argument(text: str) -> str:
    text = clean_text(text or "").strip()
    if not text:
        raise BadInput(_("An argument cannot be empty."))
    if len(text) > MAX_TEXT:
        raise BadInput(_("An argument has at most %(n)d characters.", n=MAX_TEXT))
    return text


def _citations(edition, cited) -> list[Citation]:
    result, seen = [], set()
    for item in list(cited or [])[: MAX_CITATIONS + 1]:
        source_id, page, quote = (*tuple(item), "", "")[:3]
        try:
            source_id = int(source_id)
        except (TypeError, ValueError):
            raise BadInput(_("Unknown source.")) from None
        source = db.session.get(Source, source_id)
        if source is None or source.edition_id != edition.id:
            raise BadInput(_("This source is not in this edition's library."))
        if source_id in seen:
            continue
        seen.add(source_id)
        result.append(
            Citation(
                source_id=source_id,
                page=clean_text(page or "").strip()[:40],
                quote=clean_text(quote or "").strip()[:1000],
            )
        )
    if len(result) > MAX_CITATIONS:
        raise BadInput(_("An argument cites at most %(n)d sources.", n=MAX_CITATIONS))
    return result


def _ancestors(argument: Argument | None) -> list[Argument]:
    """The argument and every argument above it, up to its thesis."""
    chain = []
    while argument is not None and len(chain) <= MAX_DEPTH:
        chain.append(argument)
        argument = db.session.get(Argument, argument.parent_id) if argument.parent_id else None
    return chain


def add_argument(
    edition,
    author,
    *,
    question: Question | None,
    kind: str,
    text: str,
    parent: Argument | None = None,
    cited=(),
) -> Argument:
    if kind not in set(Kind):
        raise BadInput(_("Unknown kind of argument."))
    if kind == Kind.CLAIM:
        if parent is not None:
            raise BadInput(_("A thesis answers a question, not another argument."))
        if question is None or question.edition_id != edition.id:
            raise BadInput(_("Choose the question this thesis answers."))
    else:
        if parent is None:
            raise BadInput(_("A reply answers an argument."))
        if parent.edition_id != edition.id:
            raise NotFound(_("This argument does not exist."))
        if parent.hidden or parent.deleted or parent.merged_into_id:
            raise Conflict(_("This argument cannot receive replies."))
        chain = _ancestors(parent)
        if any(a.locked for a in chain):
            raise Conflict(_("This thread is closed to new replies."))
        if len(chain) >= MAX_DEPTH:
            raise BadInput(_("This thread is too deep: answer higher up."))
        if kind == Kind.REBUT and parent.kind not in (Kind.SUPPORT, Kind.OPPOSE):
            raise BadInput(_("A rebuttal answers an argument for or against."))
        question = parent.question
    membership = membership_of(author, edition)
    argument = Argument(
        edition_id=edition.id,
        question_id=question.id,
        parent_id=parent.id if parent else None,
        kind=kind,
        text=clean_argument(text),
        author_id=author.id,
        group_id=membership.group_id if membership else None,
    )
    argument.citations = _citations(edition, cited)
    db.session.add(argument)
    db.session.flush()
    announce(question, "added", argument.id, argument.parent_id)
    return argument


def edit_argument(argument: Argument, editor, text: str, *, moderator: bool = False) -> None:
    new_text = clean_argument(text)
    if new_text == argument.text:
        return
    db.session.add(
        ArgumentRevision(argument_id=argument.id, text=argument.text, editor_id=editor.id)
    )
    before = argument.text
    argument.text = new_text
    argument.edited_at = utcnow()
    if moderator:
        argument.moderated_edit = True
        record_audit(
            argument.edition,
            editor,
            "argument.moderator_edit",
            argument,
            before={"text": before},
            after={"text": new_text},
        )
    db.session.flush()
    announce(argument.question, "edited", argument.id)


def revisions(argument: Argument) -> list[ArgumentRevision]:
    return list(
        db.session.scalars(
            select(ArgumentRevision)
            .where(ArgumentRevision.argument_id == argument.id)
            .order_by(ArgumentRevision.id.desc())
        )
    )


def delete_argument(argument: Argument) -> None:
    """Gone when nobody answered it; a visible placeholder when replies exist."""
    question = argument.question
    has_replies = db.session.scalar(
        select(func.count(Argument.id)).where(Argument.parent_id == argument.id)
    )
    if has_replies:
        argument.deleted = True
    else:
        db.session.delete(argument)
    db.session.flush()
    announce(question, "deleted", argument.id)
