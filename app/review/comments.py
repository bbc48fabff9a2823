"""Comments on a passage: threads with replies, @mentions, resolve and reopen, moderation.

A thread's first comment is anchored (``anchors``); its replies are not. The body is
Markdown of Palabre's one dialect, shown through ``render_html`` (sanitized: raw HTML is
text, only safe links). A mention is ``@`` and the name of a member of the edition who may
read the paper (the longest name that matches wins); ``@`` followed by any other name is
refused, so nobody believes they told someone who will never hear of it.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts.models import User
from app.collaboration.models import Section
from app.collaboration.services import section_address
from app.core import authz
from app.core.errors import BadInput, Conflict, NotFound
from app.core.markdown import render_html
from app.core.models import utcnow
from app.extensions import db
from app.review import anchors, rooms
from app.review.audit import audit
from app.review.common import client_id, group_badge, group_of, person, section_state, text_field
from app.review.models import Comment, NotificationKind
from app.review.notifications import notify
from app.workshops.services import members

COMMENT_MAX = 2000
QUOTE_MAX = 1000
REASON_MAX = 1000
MENTION_AT = re.compile(r"(?<![\w@])@(?=\w)")
WORD = re.compile(r"\w[\w.'’-]*")


# --- reading ----------------------------------------------------------------------------


def get_comment(uid) -> Comment:
    comment = db.session.scalar(select(Comment).where(Comment.uid == client_id(uid)))
    if comment is None:
        raise NotFound(_("This comment does not exist."))
    return comment


def passage(section: Section, threads: list[Comment]) -> dict[int, tuple[int, int] | None]:
    """Where each thread's passage is now (code points), None once it was deleted."""
    decoded = {
        t.id: (anchors.decode(t.anchor_start), anchors.decode(t.anchor_end)) for t in threads
    }
    if not decoded:
        return {}
    places = anchors.resolve(section_state(section), {a for pair in decoded.values() for a in pair})
    found = {}
    for thread_id, (start, end) in decoded.items():
        begin, finish = places.get(start), places.get(end)
        ok = begin is not None and finish is not None and begin.index < finish.index
        found[thread_id] = (begin.index, finish.index) if ok else None
    return found


def comment_payload(comment: Comment, *, staff: bool = False, where=False) -> dict:
    """A comment as clients see it; a hidden one keeps its place, not its words (the staff
    still read them). ``where``: the thread's passage now, (start, end) or None."""
    hidden = comment.hidden and not staff
    paper_group = comment.section.paper.group_id
    data = {
        "id": comment.uid,
        "section": section_address(comment.section),
        "thread": comment.thread.uid if comment.thread is not None else None,
        "author": person(comment.author),
        "group": group_badge(comment.group),
        "badge": comment.group_id is not None and comment.group_id != paper_group,
        "body": "" if hidden else comment.body,
        "html": "" if hidden else render_html(comment.body),
        "mentions": [] if hidden else _mentioned(comment.mentions),
        "created_at": comment.created_at.isoformat(),
        "hidden": comment.hidden,
        "hidden_reason": comment.hidden_reason if comment.hidden else "",
    }
    if comment.parent_id is None:
        data.update(
            quote=comment.quote,
            start=anchors.to_text(anchors.decode(comment.anchor_start)),
            end=anchors.to_text(anchors.decode(comment.anchor_end)),
            resolved=(
                {"at": comment.resolved_at.isoformat(), "by": person(comment.resolved_by)}
                if comment.resolved_at is not None
                else None
            ),
            replies=[comment_payload(r, staff=staff) for r in comment.replies],
        )
        if where is not False:
            data["passage"] = "deleted" if where is None else "present"
            data["range"] = list(where) if where is not None else None
    return data


def _mentioned(user_ids) -> list[dict]:
    if not user_ids:
        return []
    users = db.session.scalars(select(User).where(User.id.in_(user_ids)).order_by(User.name))
    return [person(user) for user in users]


def threads(section: Section, viewer) -> list[dict]:
    """Every thread of a section, oldest first, with where its passage is now."""
    roots = list(
        db.session.scalars(
            select(Comment)
            .where(Comment.section_id == section.id, Comment.parent_id.is_(None))
            .order_by(Comment.id)
        )
    )
    places = passage(section, roots)
    staff = authz.can(viewer, "review.feedback", section)
    return [comment_payload(root, staff=staff, where=places[root.id]) for root in roots]


# --- writing ----------------------------------------------------------------------------


def _body(value) -> str:
    return text_field(
        value,
        limit=COMMENT_MAX,
        empty=_("The comment is empty."),
        too_long=_("A comment has at most 2,000 characters."),
    )


def mentions(section: Section, body: str) -> list[User]:
    """The members ``body`` mentions (see the module's docstring)."""
    if "@" not in body:
        return []
    people = sorted(
        ((m.user.name, m.user) for m in members(section.paper.group.edition)),
        key=lambda item: -len(item[0]),
    )
    found: dict[int, User] = {}
    for at in MENTION_AT.finditer(body):
        rest = body[at.end() :]
        for name, user in people:
            after = rest[len(name) : len(name) + 1]
            if rest[: len(name)].casefold() == name.casefold() and not (
                after.isalnum() or after == "_"
            ):
                if not authz.can(user, "review.read", section):
                    raise BadInput(
                        _("%(name)s cannot read this paper: they would never see it.", name=name)
                    )
                found[user.id] = user
                break
        else:
            word = WORD.match(rest).group(0)
            raise BadInput(_("@%(name)s is not a member of this edition.", name=word))
    return list(found.values())


def _existing(uid: str, author, section: Section, parent: Comment | None) -> Comment | None:
    """The comment a replayed message already made; another's id is refused."""
    found = db.session.scalar(select(Comment).where(Comment.uid == uid))
    if found is None:
        return None
    same = (found.author_id, found.section_id, found.parent_id) == (
        author.id,
        section.id,
        parent.id if parent is not None else None,
    )
    if not same:
        raise Conflict(_("This id is already taken."))
    return found


def create_comment(
    section: Section, author, *, uid, start, end, quote, body
) -> tuple[Comment, bool]:
    """A new thread on the passage from ``start`` to ``end`` (base64 relative positions);
    ``(comment, created)``: False when this message was already received."""
    uid = client_id(uid)
    existing = _existing(uid, author, section, None)
    if existing is not None:
        return existing, False
    body = _body(body)
    quote = text_field(
        quote,
        limit=10 * QUOTE_MAX,
        empty=_("Select the passage to comment on."),
        too_long=_("This passage is too long to quote."),
        strip=False,
    )[:QUOTE_MAX]
    first, last = anchors.parse(start), anchors.parse(end)
    places = anchors.resolve(section_state(section), [first, last])
    begin, finish = places[first], places[last]
    if begin is None or finish is None:
        raise BadInput(_("This passage is not in the section."))
    if begin.live and finish.live and begin.index >= finish.index:
        raise BadInput(_("Select the passage to comment on."))
    mentioned = mentions(section, body)
    group = group_of(author, section)
    comment = Comment(
        uid=uid,
        section_id=section.id,
        author_id=author.id,
        group_id=group.id if group is not None else None,
        anchor_start=anchors.encode(first),
        anchor_end=anchors.encode(last),
        quote=quote,
        body=body,
        mentions=[user.id for user in mentioned],
    )
    db.session.add(comment)
    db.session.flush()
    for user in mentioned:
        notify(user.id, section, NotificationKind.MENTION, author, comment=comment)
    where = (begin.index, finish.index) if begin.index < finish.index else None
    _tell(comment, "created", where=where)
    return comment, True


def reply(comment: Comment, author, *, uid, body) -> tuple[Comment, bool]:
    """A reply in ``comment``'s thread; the thread's other writers are told (a mention
    says it better: a member mentioned hears of the mention alone)."""
    root = comment.thread or comment
    section = root.section
    uid = client_id(uid)
    existing = _existing(uid, author, section, root)
    if existing is not None:
        return existing, False
    if root.hidden:
        raise Conflict(_("This thread is hidden: it takes no more replies."))
    body = _body(body)
    mentioned = mentions(section, body)
    group = group_of(author, section)
    answer = Comment(
        uid=uid,
        section_id=section.id,
        parent_id=root.id,
        author_id=author.id,
        group_id=group.id if group is not None else None,
        body=body,
        mentions=[user.id for user in mentioned],
    )
    db.session.add(answer)
    db.session.flush()
    db.session.expire(root, ["replies"])
    told = {user.id for user in mentioned}
    for user in mentioned:
        notify(user.id, section, NotificationKind.MENTION, author, comment=answer)
    writers = [root.author_id] + [r.author_id for r in root.replies if r.id != answer.id]
    for writer in dict.fromkeys(w for w in writers if w is not None and w not in told):
        notify(writer, section, NotificationKind.REPLY, author, comment=answer)
    _tell(answer, "replied")
    return answer, True


def set_resolved(comment: Comment, user, resolved: bool) -> Comment:
    """Resolve or reopen a thread (saying it again changes nothing: replays are harmless)."""
    if not isinstance(resolved, bool):
        raise BadInput(_("Say whether the thread is resolved."))
    root = comment.thread or comment
    if resolved and root.resolved_at is None:
        root.resolved_at, root.resolved_by_id = utcnow(), user.id
    elif not resolved and root.resolved_at is not None:
        root.resolved_at = root.resolved_by_id = None
    else:
        return root
    db.session.flush()
    db.session.expire(root, ["resolved_by"])
    _tell(root, "resolved" if resolved else "reopened")
    return root


def moderate(comment: Comment, actor, operation: str, reason: str = "") -> None:
    """Hide a comment (a reason is required: its author reads it) or restore it; audited."""
    edition = comment.section.paper.group.edition
    if operation == "hide":
        reason = text_field(
            reason,
            limit=REASON_MAX,
            empty=_("Say why you hide this comment: its author will read it."),
            too_long=_("A reason has at most 1,000 characters."),
        )
        if comment.hidden:
            raise Conflict(_("This comment is already hidden."))
        comment.hidden, comment.hidden_reason = True, reason
        audit(
            edition,
            actor,
            "comment.hide",
            comment,
            reason=reason,
            before={"hidden": False},
            after={"hidden": True},
        )
    elif operation == "restore":
        if not comment.hidden:
            raise Conflict(_("This comment is not hidden."))
        before = {"hidden": True, "reason": comment.hidden_reason}
        comment.hidden, comment.hidden_reason = False, ""
        audit(
            edition,
            actor,
            "comment.restore",
            comment,
            reason=reason if isinstance(reason, str) else "",
            before=before,
            after={"hidden": False},
        )
    else:
        raise BadInput(_("Unknown action."))
    db.session.flush()
    _tell(comment, "hidden" if operation == "hide" else "restored")


def _tell(comment: Comment, action: str, where=False) -> None:
    """The section's review room hears it, as any member sees it (no hidden words)."""
    section = comment.section
    rooms.tell_section(
        section.id,
        section_address(section),
        "comment",
        action,
        comment_payload(comment, where=where),
    )
