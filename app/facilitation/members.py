"""What facilitation does when an organizer changes a membership (``app.workshops.memberships``
sends ``signals.membership_changed`` in its transaction): the audit entry, then, once
committed, the member's pages told to reload (or that their session in the edition ended),
their /live sockets closed to rejoin by the new rules, and the editors of the groups they
left or joined told who may write."""

from __future__ import annotations

from sqlalchemy import select

from app.collaboration.models import Paper, Section
from app.core import signals
from app.core.sockets import registered_namespaces, user_room
from app.extensions import db, socketio
from app.facilitation import live, presence
from app.facilitation.audit import record_audit
from app.facilitation.locks import notify_access


def _section_ids(group_ids: list[int]) -> list[int]:
    if not group_ids:
        return []
    return list(
        db.session.scalars(
            select(Section.id)
            .join(Paper, Section.paper_id == Paper.id)
            .where(Paper.group_id.in_(group_ids))
        )
    )


def _tell_user(user_id: int, name: str, data: dict, *, every_namespace: bool = False) -> None:
    """Send to the user's room on /live (or on every namespace: the editor hears it too)."""
    if not every_namespace:
        live.emit(name, data, user_room(user_id))
        return
    for namespace in registered_namespaces():
        live.after_commit(
            lambda ns=namespace: socketio.emit(name, data, to=user_room(user_id), namespace=ns)
        )


@signals.membership_changed.connect
def on_membership_changed(
    _app, *, edition, user_id, actor, action, target, before, after, group_ids, **_more
) -> None:
    record_audit(edition, actor, action, target, before=before, after=after)
    if after is None:
        _tell_user(user_id, "session_ended", {"edition": edition.slug}, every_namespace=True)
    else:
        _tell_user(user_id, "membership", {"role": after["role"], "reload": True})
    presence.disconnect_live(user_id, edition.id)
    if after is None:
        presence.forget(user_id, edition.id)
    notify_access(edition.id, _section_ids(group_ids))
