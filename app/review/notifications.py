"""The inbox inside Palabre (no e-mail): replies to my comments, mentions of me, feedback
released to my group, my suggestions accepted or rejected.

A notification is written in the transaction of what caused it, for a recipient who may
read that section's review then; once committed it is delivered live to the recipient's
inbox room (``rooms``), after asking the rule again. Reading the inbox asks it again for
every line: a member who left the edition, or a paper closed to them, takes what it says
out of their inbox and count (the rows stay; access may come back).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import User
from app.collaboration.models import Section
from app.collaboration.services import section_address, section_title
from app.core import authz
from app.core.errors import BadInput
from app.core.models import utcnow
from app.core.transactions import after_commit
from app.extensions import db
from app.review import rooms
from app.review.models import Comment, Notification, NotificationKind, Suggestion
from app.workshops.models import Edition

INBOX_SIZE = 50  # lines an inbox shows
COUNT_AT_MOST = 500  # unread lines counted (a badge says "500" past that)
EXCERPT = 140


def notify(
    user_id: int | None,
    section: Section,
    kind: NotificationKind,
    actor,
    *,
    comment: Comment | None = None,
    suggestion: Suggestion | None = None,
) -> Notification | None:
    """Tell ``user_id`` (never the actor themselves, never someone who may not read the
    section's review); delivered live once the transaction commits."""
    if user_id is None or user_id == getattr(actor, "id", None):
        return None
    user = db.session.get(User, user_id)
    if user is None or not authz.can(user, "review.read", section):
        return None
    notification = Notification(
        user_id=user_id,
        edition_id=section.paper.group.edition_id,
        kind=str(kind),
        actor_id=getattr(actor, "id", None),
        section_id=section.id,
        comment_id=comment.id if comment is not None else None,
        suggestion_id=suggestion.id if suggestion is not None else None,
    )
    db.session.add(notification)
    db.session.flush()
    after_commit(lambda: _deliver(notification.id))
    return notification


def _deliver(notification_id: int) -> None:
    """After the commit, in a fresh context: the rule asked again, then the inbox room."""
    notification = db.session.get(Notification, notification_id)
    if notification is None:
        return
    user = db.session.get(User, notification.user_id)
    if user is None or not _readable(user, notification):
        return
    edition = db.session.get(Edition, notification.edition_id)
    rooms.tell_inbox(
        edition.id,
        user.id,
        {"notification": payload(notification), "unread": unread_count(user, edition)},
    )


def _readable(user, notification: Notification) -> bool:
    return authz.can(user, "review.inbox", notification.section.paper.group.edition) and (
        authz.can(user, "review.read", notification.section)
    )


def _excerpt(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def payload(notification: Notification) -> dict:
    section = notification.section
    comment, suggestion = notification.comment, notification.suggestion
    excerpt = ""
    if comment is not None and not comment.hidden:
        excerpt = _excerpt(comment.body)
    elif suggestion is not None:
        excerpt = _excerpt(suggestion.inserted_text or suggestion.deleted_text)
    return {
        "id": notification.id,
        "kind": notification.kind,
        "at": notification.created_at.isoformat(),
        "read": notification.read_at is not None,
        "actor": notification.actor.name if notification.actor else None,
        "section": section_address(section),
        "title": section_title(section),
        "group": section.paper.group.name,
        "excerpt": excerpt,
        "comment": (comment.thread.uid if comment.thread else comment.uid) if comment else None,
        "suggestion": suggestion.uid if suggestion else None,
    }


def _lines(user, edition: Edition, *, unread: bool, limit: int) -> list[Notification]:
    query = select(Notification).where(
        Notification.user_id == user.id, Notification.edition_id == edition.id
    )
    if unread:
        query = query.where(Notification.read_at.is_(None))
    rows = db.session.scalars(query.order_by(Notification.id.desc()).limit(limit))
    readable: dict[int, bool] = {}
    kept = []
    for row in rows:
        if row.section_id not in readable:
            readable[row.section_id] = authz.can(user, "review.read", row.section)
        if readable[row.section_id]:
            kept.append(row)
    return kept


def inbox(user, edition: Edition, limit: int = INBOX_SIZE) -> list[Notification]:
    """The latest lines of ``user``'s inbox in ``edition``, newest first."""
    return _lines(user, edition, unread=False, limit=limit)


def unread_count(user, edition: Edition) -> int:
    return len(_lines(user, edition, unread=True, limit=COUNT_AT_MOST))


def mark_read(user, edition: Edition, ids: Iterable | None = None) -> int:
    """Mark these lines read (every unread one when ``ids`` is None); how many were unread."""
    query = select(Notification).where(
        Notification.user_id == user.id,
        Notification.edition_id == edition.id,
        Notification.read_at.is_(None),
    )
    if ids is not None:
        ids = list(ids)
        if len(ids) > COUNT_AT_MOST or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids
        ):
            raise BadInput(_("Name the notifications to mark read by their numbers."))
        query = query.where(Notification.id.in_(ids))
    now = utcnow()
    rows = list(db.session.scalars(query))
    for row in rows:
        row.read_at = now
    db.session.flush()
    return len(rows)


# --- the inbox page's lines -----------------------------------------------------------------


def section_label(section: Section) -> str:
    """A section's short name in a sentence: "Introduction", "Question 2", "Conclusion"."""
    if section.key.startswith("q") and section.key[1:].isdigit():
        return _("Question %(n)s", n=int(section.key[1:]))
    return section_title(section)


def sentence(notification: Notification) -> str:
    """What the line says, in the reader's language: who did what, where."""
    kind = notification.kind
    where = {
        "section": section_label(notification.section),
        "group": notification.section.paper.group.name,
    }
    actor = notification.actor.name if notification.actor else None
    who = actor or _("Someone")
    if kind == NotificationKind.REPLY:
        comment = notification.comment
        thread = comment.thread if comment is not None and comment.thread else comment
        if thread is not None and thread.author_id == notification.user_id:
            return _(
                "%(actor)s replied to your comment on “%(section)s” — %(group)s", actor=who, **where
            )
        return _(
            "%(actor)s replied in a discussion you took part in on “%(section)s” — %(group)s",
            actor=who,
            **where,
        )
    if kind == NotificationKind.MENTION:
        return _(
            "%(actor)s mentioned you in a comment on “%(section)s” — %(group)s", actor=who, **where
        )
    if kind == NotificationKind.FEEDBACK:
        return _("Facilitator feedback published on “%(section)s” — %(group)s", **where)
    accepted = kind == NotificationKind.SUGGESTION_ACCEPTED
    if actor and accepted:
        return _(
            "Your suggestion on “%(section)s” was accepted by %(actor)s — %(group)s",
            actor=actor,
            **where,
        )
    if actor:
        return _(
            "Your suggestion on “%(section)s” was rejected by %(actor)s — %(group)s",
            actor=actor,
            **where,
        )
    if accepted:
        return _("Your suggestion on “%(section)s” was accepted — %(group)s", **where)
    return _("Your suggestion on “%(section)s” was rejected — %(group)s", **where)
