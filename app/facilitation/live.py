"""Telling connected browsers, once the database agrees.

Services queue what the /live clients must hear with :func:`after_commit`; the queued
work runs only when the session commits (never after a rollback), in a fresh app
context so it may read the database again. Works the same for HTTP requests, socket
events, the command line and the lock timer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db, socketio

log = logging.getLogger(__name__)

NAMESPACE = "/live"
_PENDING = "facilitation_after_commit"


def edition_room(edition_id: int) -> str:
    return f"edition:{edition_id}"


def group_room(group_id: int) -> str:
    return f"group:{group_id}"


def staff_room(edition_id: int) -> str:
    return f"staff:{edition_id}"


def after_commit(work: Callable[[], None]) -> None:
    """Run ``work`` once the current transaction has committed."""
    db.session().info.setdefault(_PENDING, []).append(work)


def emit(name: str, data: dict, room: str) -> None:
    """Queue a /live event for ``room`` until commit."""
    after_commit(lambda: socketio.emit(name, data, to=room, namespace=NAMESPACE))


@event.listens_for(Session, "after_commit")
def _run_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending or not has_app_context():
        return
    app = current_app._get_current_object()
    # A new app context has its own scoped session: the committed one cannot emit SQL.
    with app.app_context():
        try:
            for work in pending:
                try:
                    work()
                except Exception:
                    log.exception("after-commit work failed")
        finally:
            db.session.remove()


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)
