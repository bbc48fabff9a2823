"""The edition-wide live channel ``/live``: every edition page joins it.

Rooms: ``edition:<id>`` (everyone), ``group:<id>`` (a group's participants),
``staff:<id>`` (facilitators and organizers), and ``user:<id>`` (joined at connect by
the registry). Server → client events: ``phase``, ``schedule``, ``access``,
``announcement``, ``dashboard``, ``membership``, ``session_ended``.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import request

from app.core import access, authz, sockets
from app.core.errors import BadInput
from app.extensions import db
from app.facilitation import live, members  # noqa: F401 - members hears membership changes
from app.facilitation.announcements import (
    announcement_payload,
    get_announcement,
    mark_read,
    send_announcement,
    unread_announcements,
)
from app.facilitation.audit import audit_refusal, is_member
from app.facilitation.locks import apply_due_locks, schedules_payload
from app.facilitation.models import LivePresence
from app.facilitation.phases import phase_payload
from app.facilitation.presence import presence_join, presence_leave, presence_touch
from app.workshops.locks import section_is_locked
from app.workshops.models import Edition, Role
from app.workshops.services import get_edition, get_group, membership_of

log = logging.getLogger(__name__)

sockets.namespace(live.NAMESPACE)


def _edition(payload: dict) -> Edition:
    slug = payload.get("edition")
    if not isinstance(slug, str) or not slug or len(slug) > 64:
        raise BadInput("edition: a short name")
    return get_edition(slug)


def _announcement(payload: dict):
    return get_announcement(payload.get("announcement"))


@sockets.socket_event(live.NAMESPACE, "join", permission="edition.view", target=_edition)
def join(user, edition: Edition, payload: dict) -> dict:
    membership = membership_of(user, edition)
    # Each room held while its rule holds: a member moved or removed stops hearing it.
    notice = {"edition": edition.slug}
    access.enter(live.edition_room(edition.id), "edition.view", edition, notice)
    if membership.role in (Role.ORGANIZER, Role.FACILITATOR):
        access.enter(live.staff_room(edition.id), "edition.facilitate", edition, notice)
    if membership.group_id is not None:
        group_notice = {**notice, "group": membership.group.slug}
        access.enter(
            live.group_room(membership.group_id), "group.hear", membership.group, group_notice
        )
    page = payload.get("page") if isinstance(payload.get("page"), str) else "page"
    presence_join(request.sid, user, edition, page)
    apply_due_locks(edition=edition)
    live.emit("presence", {"reason": "join"}, live.staff_room(edition.id))
    own = _own_paper(membership)
    return {
        "ok": True,
        "group": membership.group.slug if membership.group else None,
        "paper": own.id if own else None,
        "locked": _all_locked(own) if own else None,
        "phase": phase_payload(edition),
        "unread": [announcement_payload(a) for a in unread_announcements(user, edition)],
        **schedules_payload(edition),
    }


def _own_paper(membership):
    group = membership.group
    return group.paper if group is not None else None


def _all_locked(paper) -> bool:
    return bool(paper.sections) and all(section_is_locked(s) for s in paper.sections)


@sockets.socket_event(live.NAMESPACE, "ping", permission="edition.view", target=_edition)
def ping(user, edition: Edition, payload: dict) -> dict:
    presence_touch(request.sid)
    return {"ok": True, "phase": phase_payload(edition)}


@sockets.socket_event(live.NAMESPACE, "read", permission="announcement.read", target=_announcement)
def read(user, announcement, payload: dict) -> dict:
    mark_read(user, [announcement])
    return {"ok": True}


@sockets.socket_event(live.NAMESPACE, "announce", permission="edition.facilitate", target=_edition)
def announce(user, edition: Edition, payload: dict) -> dict:
    group = None
    if payload.get("group"):
        if not isinstance(payload["group"], str):
            raise BadInput("group: a short name")
        group = get_group(edition, payload["group"])
    body = payload.get("body")
    if not isinstance(body, str):
        raise BadInput("body: text")
    announcement = send_announcement(edition, user, body, group)
    return {"ok": True, "id": announcement.id}


@sockets.on_disconnect(live.NAMESPACE)
def leave(user, sid: str) -> None:
    row = db.session.get(LivePresence, sid)
    if row is not None:
        live.emit("presence", {"reason": "leave"}, live.staff_room(row.edition_id))
    presence_leave(sid)


# --- refused events are audited ---------------------------------------------------------


def edition_of(target: Any) -> Edition | None:
    """The edition a socket event's target belongs to, following the usual relations."""
    seen = 0
    while target is not None and seen < 5:
        if isinstance(target, Edition):
            return target
        edition_id = getattr(target, "edition_id", None)
        if isinstance(edition_id, int):
            return db.session.get(Edition, edition_id)
        for attribute in ("edition", "group", "paper", "section", "question", "argument"):
            following = getattr(target, attribute, None)
            if following is not None:
                target = following
                break
        else:
            return None
        seen += 1
    return None


def _summary(payload: dict) -> dict:
    summary = {}
    for key, value in list(payload.items())[:10]:
        if isinstance(value, str):
            summary[str(key)[:40]] = value[:200]
        elif isinstance(value, int | float | bool) or value is None:
            summary[str(key)[:40]] = value
        else:
            summary[str(key)[:40]] = type(value).__name__
    return summary


def audit_forbidden(user, namespace: str, event: str, payload: dict) -> None:
    """A member's refused event is audited, coalesced by minute; an outsider's is only
    logged, at most once a minute (``audit.audit_refusal``). Whose edition the target is
    and whether the user is a member of it are kept under the access generation: a flood
    of refusals costs no query."""
    try:
        spec = sockets.registered_events().get((namespace, event))
        target = spec.target(payload) if spec else None

        def load() -> Any:
            return target.load() if isinstance(target, authz.Ref) else target

        def whose() -> tuple[int | None, bool]:
            edition = edition_of(load())
            edition_id = edition.id if edition is not None else None
            return edition_id, is_member(user, edition_id)

        key = (authz.target_key(target), user.id)
        edition_id, member = authz.kept("refusal_edition", key, whose)
        audit_refusal(edition_id, member, user, namespace, event, load, _summary(payload))
    except Exception:
        log.exception("could not audit a refused event")


# Registered once per process (a module is imported once).
sockets.on_forbidden(audit_forbidden)
