"""Telling connected browsers, once the database agrees.

Services queue what the /live clients must hear with :func:`after_commit` (the app's one
after-commit queue, ``app.core.transactions``): the queued work runs only when the session
commits (never after a rollback), in a fresh app context so it may read the database
again, for HTTP requests, socket events, the command line and the lock timer alike.
"""

from __future__ import annotations

from collections.abc import Callable

from app.core import transactions
from app.extensions import socketio

NAMESPACE = "/live"


def edition_room(edition_id: int) -> str:
    return f"edition:{edition_id}"


def group_room(group_id: int) -> str:
    return f"group:{group_id}"


def staff_room(edition_id: int) -> str:
    return f"staff:{edition_id}"


def after_commit(work: Callable[[], None]) -> None:
    """Run ``work`` once the current transaction has committed (the app's one queue)."""
    transactions.after_commit(work)


def emit(name: str, data: dict, room: str) -> None:
    """Queue a /live event for ``room`` until commit."""
    after_commit(lambda: socketio.emit(name, data, to=room, namespace=NAMESPACE))
