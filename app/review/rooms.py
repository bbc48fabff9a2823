"""Where review's news goes, once committed.

- ``review:<section id>`` on ``/collab``: everyone who may read a section's review
  (``review.read``: not its observers, unlike the section's own room), joined with the
  ``review`` event and left as soon as that rule stops holding (``core.access``). It hears
  ``review {section, kind, action, …}``.
- ``inbox:<edition id>:<user id>`` on ``/live``: one member's inbox in one edition, joined
  with the ``inbox`` event while they are a member (``review.inbox``). It hears
  ``notification {notification, unread}``.
"""

from __future__ import annotations

from app.collaboration.live_editor import NAMESPACE
from app.core.transactions import after_commit
from app.extensions import socketio

INBOX_NAMESPACE = "/live"


def review_room(section_id: int) -> str:
    return f"review:{section_id}"


def inbox_room(edition_id: int, user_id: int) -> str:
    return f"inbox:{edition_id}:{user_id}"


def tell_section(section_id: int, address: str, kind: str, action: str, item: dict) -> None:
    """``review {section, kind, action, <kind>: item}`` to the section's review room, once
    the transaction commits (``item`` is built now, from what the transaction sees)."""
    data = {"section": address, "kind": kind, "action": action, kind: item}
    after_commit(
        lambda: socketio.emit("review", data, to=review_room(section_id), namespace=NAMESPACE)
    )


def tell_inbox(edition_id: int, user_id: int, data: dict) -> None:
    """Now (called after the commit, by ``notifications``)."""
    socketio.emit(
        "notification", data, to=inbox_room(edition_id, user_id), namespace=INBOX_NAMESPACE
    )
