"""Marks: what members find convincing in the others' arguments (+1, -1 or none)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.errors import BadInput, Conflict, Forbidden
from app.deliberation.models import Argument, Mark
from app.deliberation.rooms import announce
from app.extensions import db


def set_mark(argument: Argument, user, value: int) -> None:
    """+1 convincing, -1 not convincing, 0 takes one's mark back."""
    if value not in (-1, 0, 1):
        raise BadInput(_("A mark is convincing or not convincing."))
    if argument.author_id == user.id:
        raise Forbidden(_("You cannot mark your own argument."))
    if argument.hidden or argument.deleted or argument.merged_into_id:
        raise Conflict(_("This argument cannot be marked."))
    mark = db.session.scalar(
        select(Mark).where(Mark.argument_id == argument.id, Mark.user_id == user.id)
    )
    if value == 0:
        if mark is not None:
            db.session.delete(mark)
    elif mark is None:
        db.session.add(Mark(argument_id=argument.id, user_id=user.id, value=value))
    else:
        mark.value = value
    db.session.flush()
    announce(argument.question, "marked", argument.id)
