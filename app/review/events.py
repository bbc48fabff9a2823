"""Review's socket events (README, "The /collab protocol": comments and suggestions).

On ``/collab``, beside the live editor: ``review`` joins a section's review room and
answers what it holds; ``comment``, ``reply``, ``resolve``, ``moderate_comment``,
``suggest``, ``decide`` and ``decide_all`` change it, each answered ``{ok: true, …}`` once
committed, after which the room hears ``review {section, kind, action, …}``. Every write
carries the client's own id for what it creates: the offline queue may send it again.
On ``/live``: ``inbox`` joins the member's inbox room of an edition, which hears
``notification {notification, unread}``.

Thin handlers: the registry (``app.core.sockets``) has loaded the user, resolved the target
and asked the rule named with the event.
"""

from __future__ import annotations

from app.collaboration import services as collaboration
from app.core import access
from app.core.errors import BadInput
from app.core.sockets import namespace, socket_event
from app.review import comments, rooms, suggestions
from app.review.comments import comment_payload
from app.review.notifications import unread_count
from app.review.reading import review_of
from app.review.suggestions import suggestion_payload
from app.workshops.services import get_edition

NAMESPACE = rooms.NAMESPACE
namespace(NAMESPACE)
namespace(rooms.INBOX_NAMESPACE)  # declared by facilitation too: one namespace, one registry


def _section(payload: dict):
    return collaboration.section_ref(payload.get("section"))


def _comment(payload: dict):
    return comments.get_comment(payload.get("comment"))


def _suggestion(payload: dict):
    return suggestions.get_suggestion(payload.get("suggestion"))


def _edition(payload: dict):
    slug = payload.get("edition")
    if not isinstance(slug, str) or not slug or len(slug) > 64:
        raise BadInput("edition: a short name")
    return get_edition(slug)


@socket_event(NAMESPACE, "review", permission="review.read", target=_section)
def join_review(user, section, payload):
    """Join the section's review room (held while ``review.read`` holds) and get it."""
    notice = {"section": section.address, "review": True}
    access.enter(rooms.review_room(section.id), "review.read", section, notice)
    return {"ok": True, **review_of(section.load(), user)}


@socket_event(NAMESPACE, "comment", permission="review.comment", target=_section)
def comment(user, section, payload):
    created, new = comments.create_comment(
        section.load(),
        user,
        uid=payload.get("id"),
        start=payload.get("start"),
        end=payload.get("end"),
        quote=payload.get("quote"),
        body=payload.get("body"),
    )
    return {"ok": True, "created": new, "comment": comment_payload(created)}


@socket_event(NAMESPACE, "reply", permission="review.reply", target=_comment)
def reply(user, thread, payload):
    answer, new = comments.reply(thread, user, uid=payload.get("id"), body=payload.get("body"))
    return {"ok": True, "created": new, "comment": comment_payload(answer)}


@socket_event(NAMESPACE, "resolve", permission="review.resolve", target=_comment)
def resolve(user, thread, payload):
    root = comments.set_resolved(thread, user, payload.get("resolved"))
    return {"ok": True, "comment": comment_payload(root)}


@socket_event(NAMESPACE, "moderate_comment", permission="review.moderate", target=_comment)
def moderate_comment(user, target, payload):
    comments.moderate(target, user, payload.get("operation"), payload.get("reason", ""))
    return {"ok": True, "comment": comment_payload(target, staff=True)}


@socket_event(NAMESPACE, "suggest", permission="review.suggest", target=_section)
def suggest(user, section, payload):
    created, new = suggestions.create_suggestion(
        section.load(),
        user,
        uid=payload.get("id"),
        start=payload.get("start"),
        end=payload.get("end"),
        deleted=payload.get("deleted", ""),
        inserted=payload.get("inserted", ""),
    )
    return {"ok": True, "created": new, "suggestion": suggestion_payload(created)}


@socket_event(NAMESPACE, "decide", permission="review.decide", target=_suggestion)
def decide(user, suggestion, payload):
    decided = suggestions.decide(suggestion, user, payload.get("decision"))
    return {"ok": True, "suggestion": suggestion_payload(decided)}


@socket_event(NAMESPACE, "decide_all", permission="review.decide", target=_section)
def decide_all(user, section, payload):
    result = suggestions.decide_all(
        section.load(), user, payload.get("author"), payload.get("decision")
    )
    return {"ok": True, **result}


@socket_event(rooms.INBOX_NAMESPACE, "inbox", permission="review.inbox", target=_edition)
def inbox(user, edition, payload):
    """Hear one's notifications of this edition live, while one is its member."""
    notice = {"edition": edition.slug, "inbox": True}
    access.enter(rooms.inbox_room(edition.id, user.id), "review.inbox", edition, notice)
    return {"ok": True, "unread": unread_count(user, edition)}
