"""The single boundary that commits or rolls back.

Services only ``flush``. An HTTP request commits when its response is a success or a
redirect and rolls back otherwise; a Socket.IO event is wrapped by ``app.core.sockets``
which calls ``commit_or_rollback`` itself (Flask's request hooks do not run for events).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response, current_app, flash, has_app_context, session
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.errors import PalabreError, database_unavailable, database_unavailable_response
from app.extensions import db

log = logging.getLogger(__name__)
_AFTER_COMMIT = "palabre_after_commit"
_STATE = "palabre_transaction_state"
_HELD = "palabre_held_locks"

T = TypeVar("T")


def run_in_transaction(work: Callable[[], T]) -> T:
    """Run ``work`` and commit; roll back and re-raise on any error."""
    try:
        result = work()
        commit()
        return result
    except BaseException:
        db.session.rollback()
        raise


def attempt(work: Callable[[], object], success: str | None = None) -> bool:
    """For a form's view: run the service call ``work``; on a refusal (``PalabreError``)
    undo what it wrote, flash the reason and return False, so the view redirects back
    without committing half of it. Flashes ``success`` otherwise."""
    try:
        work()
    except PalabreError as error:
        db.session.rollback()
        flash(error.message, "error")
        return False
    if success:
        flash(success, "info")
    return True


def install_request_transaction(app: Flask) -> None:
    @app.after_request
    def commit_on_success(response: Response) -> Response:
        if response.status_code < 400:
            try:
                commit()
            except Exception as error:
                if not database_unavailable(error):
                    raise
                # Nothing was kept: the success it was about to send would be a lie, and
                # the cookie keeps none of the request's changes either (a logout, a flash).
                response = database_unavailable_response(error)
                session.modified = False
                return response
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def rollback_on_error(error: BaseException | None) -> None:
        if error is not None:
            db.session.rollback()
        release_held()


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the current transaction is committed (dropped on rollback).

    This is how a change reaches other people only once it is durable: the live editor
    relays an update, the debate pushes an argument, facilitation tells the /live pages.
    The one queue of the app: whoever commits (this module's boundaries, a bare
    ``db.session.commit()`` in a command or a timer), the callbacks run, in order, in a
    fresh app context whose session may read the database again.
    """
    db.session.info.setdefault(_AFTER_COMMIT, []).append(callback)


def commit() -> None:
    """Commit the session; what was deferred with ``after_commit`` runs then."""
    db.session.commit()


def _run_after_commit(callbacks: list[Callable[[], None]]) -> None:
    if not has_app_context():
        return
    app = current_app._get_current_object()
    # A new app context has its own scoped session: the committing one cannot emit SQL.
    with app.app_context():
        try:
            for callback in callbacks:
                try:
                    callback()
                except Exception:
                    log.exception("after-commit callback failed")
        finally:
            db.session.remove()


def hold_until_end(lock) -> None:
    """Take ``lock`` now and keep it until the current transaction commits or rolls back.

    The live editor serialises its SQLite writes this way: a writer waiting on this lock is
    woken the moment the previous one commits, where SQLite's own busy handler would sleep
    and retry (up to 100 ms a try)."""
    held = db.session.info.setdefault(_HELD, [])
    if lock not in held:
        lock.acquire()
        held.append(lock)


def release_held(session: Session | None = None) -> None:
    """Release what ``hold_until_end`` took (the boundaries call it after any ending)."""
    if session is None and not db.session.registry.has():
        return  # no session, so nothing held
    info = (session or db.session()).info
    for lock in reversed(info.pop(_HELD, [])):
        lock.release()


def transaction_state(key: str) -> dict:
    """A dict living as long as the current transaction (emptied at commit and rollback)."""
    return db.session.info.setdefault(_STATE, {}).setdefault(key, {})


@event.listens_for(Session, "after_commit")
def _drop_state(session: Session) -> None:
    """Whoever commits (this boundary or a bare ``db.session.commit()`` in a script), the
    transaction's state ends with it: rows it wrote are no longer "pending"."""
    session.info.pop(_STATE, None)
    release_held(session)
    callbacks = session.info.pop(_AFTER_COMMIT, None)
    if callbacks:
        _run_after_commit(callbacks)


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)
    session.info.pop(_STATE, None)
    release_held(session)


@event.listens_for(Session, "after_transaction_end")
def _release_at_end(session: Session, transaction) -> None:
    """However the outermost transaction ends (a closed or removed session included, which
    fires no rollback event), the locks it held are released, and its state dropped."""
    if transaction.parent is None:
        session.info.pop(_STATE, None)
        release_held(session)
