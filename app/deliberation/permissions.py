"""Who may read, write, mark and moderate the debate (see ``app.core.authz``).

- Members of the edition read the debate unless the current phase hides it (the staff
  always read); nobody outside the edition reads it.
- Participants write (theses, replies), mark and report while the phase's debate mode is
  *open*; observers only read; facilitators and organizers moderate and do not argue.
- Authors edit their text for ``EDIT_WINDOW`` (30 minutes) after publishing, the earlier
  text kept as a revision; they may delete it while the debate is open.
- Marks on one's own argument are not allowed: a mark says what *others* find convincing.
"""

from __future__ import annotations

from datetime import timedelta

from app.core.authz import rule
from app.core.models import utcnow
from app.deliberation.models import Argument
from app.extensions import db
from app.workshops.models import DebateMode, Edition, Role
from app.workshops.permissions import is_staff, role_in
from app.workshops.services import membership_of

EDIT_WINDOW = timedelta(minutes=30)


def debate_mode(edition) -> str:
    phase = edition.current_phase
    return phase.debate_mode if phase is not None else DebateMode.HIDDEN


@rule("debate.read")
def may_read(user, edition) -> bool:
    role = role_in(user, edition)
    if role is None:
        return False
    return role in (Role.ORGANIZER, Role.FACILITATOR) or debate_mode(edition) != DebateMode.HIDDEN


@rule("debate.write")
def may_write(user, edition) -> bool:
    return role_in(user, edition) == Role.PARTICIPANT and debate_mode(edition) == DebateMode.OPEN


def _visible(argument) -> bool:
    return not (argument.hidden or argument.deleted or argument.merged_into_id)


@rule("debate.mark")
def may_mark(user, argument) -> bool:
    return (
        may_write(user, argument.edition) and _visible(argument) and argument.author_id != user.id
    )


@rule("debate.report")
def may_report(user, argument) -> bool:
    return role_in(user, argument.edition) == Role.PARTICIPANT and _visible(argument)


@rule("debate.edit")
def may_edit(user, argument) -> bool:
    return (
        user is not None
        and argument.author_id == user.id
        and may_write(user, argument.edition)
        and _visible(argument)
        and utcnow() - argument.created_at <= EDIT_WINDOW
    )


@rule("debate.delete")
def may_delete(user, argument) -> bool:
    return (
        user is not None
        and argument.author_id == user.id
        and may_write(user, argument.edition)
        and not argument.deleted
    )


@rule("debate.moderate")
def may_moderate(user, target) -> bool:
    """Facilitators and organizers of the edition (target: the edition or an argument)."""
    edition = target.edition if isinstance(target, Argument) else target
    return is_staff(user, edition)


@rule("debate.read_argument")
def may_read_argument(user, argument) -> bool:
    """Whoever reads the debate reads an argument; a hidden one's text and reason only
    reach its author and the staff (the page shows others a placeholder)."""
    return may_read(user, argument.edition)


@rule("debate.insert")
def may_insert(user, argument) -> bool:
    """A member brings an argument of their own group into their group's paper."""
    membership = membership_of(user, argument.edition)
    return (
        membership is not None
        and membership.role == Role.PARTICIPANT
        and membership.group_id is not None
        and membership.group_id == argument.group_id
        and _visible(argument)
    )


@rule("source.add")
def may_add_source(user, edition) -> bool:
    return role_in(user, edition) in (Role.PARTICIPANT, Role.FACILITATOR, Role.ORGANIZER)


@rule("source.read")
def may_read_source(user, source) -> bool:
    return role_in(user, source_edition(source)) is not None


def source_edition(source):
    return db.session.get(Edition, source.edition_id)


@rule("debate.read_question")
def may_read_question(user, question) -> bool:
    return may_read(user, question.edition)
