"""Moderation: participants' reports and what facilitators do about an argument.

Hide, restore, pin, lock, edit and merge each write an audit entry; acting on an argument
closes the reports about it."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.errors import BadInput, Conflict, NotFound
from app.core.markdown import clean_text
from app.deliberation.arguments import edit_argument, get_argument
from app.deliberation.models import Argument, Mark, Report
from app.deliberation.rooms import announce
from app.extensions import db
from app.facilitation.audit import audit_entries, record_audit


def report(argument: Argument, reporter, reason: str) -> Report:
    reason = clean_text(reason or "").strip()
    if not reason:
        raise BadInput(_("Say why you report this argument."))
    entry = Report(argument_id=argument.id, reporter_id=reporter.id, reason=reason[:1000])
    db.session.add(entry)
    db.session.flush()
    return entry


def get_report(edition, report_id: int) -> Report:
    entry = db.session.get(Report, report_id)
    if entry is None or entry.argument.edition_id != edition.id:
        raise NotFound(_("This report does not exist."))
    return entry


def open_reports(edition) -> list[Report]:
    return list(
        db.session.scalars(
            select(Report)
            .join(Argument, Argument.id == Report.argument_id)
            .where(Argument.edition_id == edition.id, Report.closed.is_(False))
            .order_by(Report.created_at)
        )
    )


def hidden_arguments(edition) -> list[Argument]:
    return list(
        db.session.scalars(
            select(Argument).where(Argument.edition_id == edition.id, Argument.hidden.is_(True))
        )
    )


def hidden_by(edition) -> dict[int, str]:
    """Who hid each argument (the latest hide in the audit log): the page says it."""
    names: dict[int, str] = {}
    for entry in audit_entries(edition, action="argument.hide"):  # the newest first
        if entry.target_id is not None and entry.actor is not None:
            names.setdefault(entry.target_id, entry.actor.name)
    return names


def _close_reports_of(argument: Argument) -> int:
    """Acting on an argument answers the reports about it."""
    entries = db.session.scalars(
        select(Report).where(Report.argument_id == argument.id, Report.closed.is_(False))
    ).all()
    for entry in entries:
        entry.closed = True
    return len(entries)


def close_report(entry: Report, actor) -> None:
    if entry.closed:
        raise Conflict(_("This report is already closed."))
    entry.closed = True
    record_audit(entry.argument.edition, actor, "report.close", entry.argument)
    db.session.flush()


def hide(argument: Argument, actor, reason: str) -> None:
    reason = clean_text(reason or "").strip()
    if not reason:
        raise BadInput(_("Say why you hide this argument: its author will read it."))
    if argument.hidden:
        raise Conflict(_("This argument is already hidden."))
    argument.hidden = True
    argument.hidden_reason = reason[:1000]
    closed = _close_reports_of(argument)
    record_audit(
        argument.edition,
        actor,
        "argument.hide",
        argument,
        reason=reason,
        before={"hidden": False},
        after={"hidden": True, **({"reports_closed": closed} if closed else {})},
    )
    db.session.flush()
    announce(argument.question, "hidden", argument.id)


def restore(argument: Argument, actor, reason: str = "") -> None:
    if not argument.hidden:
        raise Conflict(_("This argument is not hidden."))
    argument.hidden = False
    record_audit(
        argument.edition,
        actor,
        "argument.restore",
        argument,
        reason=reason,
        before={"hidden": True, "reason": argument.hidden_reason},
        after={"hidden": False},
    )
    argument.hidden_reason = ""
    db.session.flush()
    announce(argument.question, "restored", argument.id)


def toggle(argument: Argument, actor, flag: str, reason: str = "") -> None:
    """Pin or unpin an argument, lock or unlock its thread."""
    if flag not in ("pinned", "locked"):
        raise BadInput(_("Unknown action."))
    before = getattr(argument, flag)
    setattr(argument, flag, not before)
    action = {"pinned": "argument.pin", "locked": "argument.lock"}[flag]
    record_audit(
        argument.edition,
        actor,
        action,
        argument,
        reason=reason,
        before={flag: before},
        after={flag: not before},
    )
    db.session.flush()
    announce(argument.question, flag, argument.id)


def merge(duplicate: Argument, into: Argument, actor, reason: str = "") -> None:
    """Fold a duplicate into another argument of the same question: replies and marks follow."""
    if duplicate.id == into.id:
        raise BadInput(_("An argument cannot be merged into itself."))
    if duplicate.question_id != into.question_id:
        raise BadInput(_("Only arguments of the same question can be merged."))
    if duplicate.merged_into_id or into.merged_into_id:
        raise Conflict(_("This argument was already merged."))
    ancestor = into
    while ancestor is not None:
        if ancestor.id == duplicate.id:
            raise BadInput(_("An argument cannot be merged into one of its replies."))
        ancestor = db.session.get(Argument, ancestor.parent_id) if ancestor.parent_id else None
    for reply in db.session.scalars(select(Argument).where(Argument.parent_id == duplicate.id)):
        reply.parent_id = into.id
    voters = set(db.session.scalars(select(Mark.user_id).where(Mark.argument_id == into.id)))
    for mark in db.session.scalars(select(Mark).where(Mark.argument_id == duplicate.id)):
        if mark.user_id in voters or mark.user_id == into.author_id:
            db.session.delete(mark)
        else:
            mark.argument_id = into.id
    duplicate.merged_into_id = into.id
    closed = _close_reports_of(duplicate)
    record_audit(
        duplicate.edition,
        actor,
        "argument.merge",
        duplicate,
        reason=reason,
        before={"merged_into": None},
        after={"merged_into": into.id, **({"reports_closed": closed} if closed else {})},
    )
    db.session.flush()
    announce(duplicate.question, "merged", duplicate.id, into.id)


OPERATIONS = ("hide", "restore", "pin", "lock", "edit", "merge")


def moderate(
    argument: Argument,
    actor,
    operation: str,
    *,
    reason: str = "",
    into_id=None,
    text: str = "",
) -> None:
    """One moderation action by name, as the page's form or the /debate event sends it.
    The caller has checked ``debate.moderate``; every action writes an audit entry."""
    if operation == "hide":
        hide(argument, actor, reason)
    elif operation == "restore":
        restore(argument, actor, reason)
    elif operation == "pin":
        toggle(argument, actor, "pinned", reason)
    elif operation == "lock":
        toggle(argument, actor, "locked", reason)
    elif operation == "edit":
        edit_argument(argument, actor, text, moderator=True)
    elif operation == "merge":
        try:
            if isinstance(into_id, bool):
                raise TypeError
            into_id = int(into_id)
        except (TypeError, ValueError):
            raise BadInput(_("Give the number of the argument to merge into.")) from None
        merge(argument, get_argument(argument.edition, into_id), actor, reason)
    else:
        raise BadInput(_("Unknown action."))
