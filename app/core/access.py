"""What a socket keeps receiving: rooms are joined for a reason, and left when it ends.

Checking what a socket *sends* is the registry's job (every event asks ``authz``). What it
*receives* is decided by the rooms it is in, so an area joins a room with
``enter(room, permission, target)`` rather than Flask-SocketIO's ``join_room``: the socket
stays in the room while ``authz.can(user, permission, target)`` holds.

When access changes (anything the rules read: a membership, a role, a phase, a paper's
visibility, a lock, a user's sessions — see the access generation in ``app.core.authz``),
every process re-checks the sockets it holds: at once for a change it committed itself
(the ``access_changed`` signal), within ``POLL_SECONDS`` for another process's (it reads the
generation from the database, so this holds with or without Redis). A socket that may no
longer read a room leaves it and hears ``access {…, removed: true}``; one whose session
ended (logout everywhere, an account deactivated) hears ``access {reason: "session_ended"}``
and is disconnected.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, request, session
from flask_socketio import join_room, leave_room

from app.core import authz, signals
from app.core.errors import PalabreError
from app.extensions import db, socketio

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5  # another process's change reaches this one's sockets within this


@dataclass(frozen=True)
class Row:
    """A target kept by model and id, loaded again at each check."""

    model: type
    id: int

    def load(self) -> Any:
        return db.session.get(self.model, self.id)


@dataclass
class Guard:
    permission: str | None  # None: the room holds while the session does
    target: Any  # an ``authz.Ref`` or a ``Row``
    notice: dict  # what the socket hears when it leaves the room
    on_leave: Callable[[str], None] | None = None  # called with the sid once it has left


@dataclass
class Held:
    """One socket of this process (a namespace's sid) and why it is in each room."""

    session_id: str
    rooms: dict[str, Guard] = field(default_factory=dict)


class Guards:
    """The sockets of one app in this process, and their re-checks."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.sockets: dict[tuple[str, str], Held] = {}
        self.lock = threading.Lock()
        self.generation: int | None = None
        self.watching = False
        self.checking = threading.Lock()
        self.again = False

    def enter(
        self,
        namespace: str,
        sid: str,
        session_id: str,
        room: str,
        guard: Guard,
        seen: int | None = None,
    ) -> None:
        """Hold ``room`` for the socket; ``seen``: the access generation the decision to
        let it in was made under (the socket event's), if known. A re-check that ran for a
        later generation before the socket was held here did not see it: it runs again
        (else a join straddling a change would keep the room until the next change)."""
        with self.lock:
            held = self.sockets.setdefault((namespace, sid), Held(session_id))
            held.rooms[room] = guard
            start = not self.watching
            self.watching = True
            missed = seen is not None and self.generation is not None and seen < self.generation
        if start:
            socketio.start_background_task(self._watch)
        if missed:
            socketio.start_background_task(self.recheck)

    def leave(self, namespace: str, sid: str, room: str) -> None:
        with self.lock:
            held = self.sockets.get((namespace, sid))
            if held is not None:
                held.rooms.pop(room, None)

    def forget(self, namespace: str, sid: str) -> None:
        with self.lock:
            self.sockets.pop((namespace, sid), None)

    def _watch(self) -> None:
        """Poll the generation while this app holds sockets (then stop: tests make many apps)."""
        while True:
            with self.lock:
                if not self.sockets:
                    self.watching = False
                    return
            try:
                with self.app.app_context():
                    generation = authz.open_generation()
                if generation != self.generation:
                    self.recheck()  # the first time too: a change may predate the watch
            except Exception:
                log.warning("the access watcher could not read the generation", exc_info=True)
            socketio.sleep(POLL_SECONDS)

    def recheck(self) -> None:
        """Re-ask every rule a socket of this process holds a room by; one check at a time
        (a change arriving meanwhile makes the running one go round again)."""
        if not self.checking.acquire(blocking=False):
            self.again = True
            return
        try:
            self.again = True
            while self.again:
                self.again = False
                with self.app.app_context():
                    try:
                        self._recheck()
                    finally:
                        db.session.remove()
        finally:
            self.checking.release()

    def _recheck(self) -> None:
        generation = authz.open_generation()
        with self.lock:  # with the sockets it checks: ``enter`` tells what it did not see
            self.generation = generation
            held = [
                (key, value.session_id, dict(value.rooms)) for key, value in self.sockets.items()
            ]
        loader = current_app.login_manager._user_callback  # Flask-Login's user_loader
        users: dict[str, Any] = {}
        for (namespace, sid), session_id, rooms in held:
            if session_id not in users:
                users[session_id] = loader(session_id)
            user = users[session_id]
            if user is None:
                self._end_session(namespace, sid)
                continue
            for room, guard in rooms.items():
                if guard.permission is not None and not _still(user, guard):
                    socketio.server.leave_room(sid, room, namespace=namespace)
                    self.leave(namespace, sid, room)
                    socketio.emit(
                        "access", {**guard.notice, "removed": True}, to=sid, namespace=namespace
                    )
                    if guard.on_leave is not None:
                        try:
                            guard.on_leave(sid)
                        except Exception:
                            log.exception("after leaving %s", room)

    def _end_session(self, namespace: str, sid: str) -> None:
        self.forget(namespace, sid)
        socketio.emit("access", {"reason": "session_ended"}, to=sid, namespace=namespace)
        with contextlib.suppress(Exception):  # gone already
            socketio.server.disconnect(sid, namespace=namespace)


def _still(user, guard: Guard) -> bool:
    try:
        target = guard.target.load()
    except PalabreError:
        return False
    return target is not None and authz.can(user, guard.permission, target)


def guards(app: Flask | None = None) -> Guards:
    app = app or current_app._get_current_object()
    found = app.extensions.get("palabre.guards")
    if found is None:
        found = app.extensions.setdefault("palabre.guards", Guards(app))
    return found


def keep(target: Any) -> Any:
    """What a guard keeps of a target: a ``Ref`` as it is, an ORM row by model and id."""
    if isinstance(target, authz.Ref):
        return target
    return Row(type(target), target.id)


def enter(
    room: str,
    permission: str | None,
    target: Any = None,
    notice: dict | None = None,
    on_leave: Callable[[str], None] | None = None,
):
    """Join ``room`` (in a socket event or connect handler) for as long as the user may
    ``permission`` on ``target``; ``notice``: what the socket hears when that ends, and
    ``on_leave(sid)`` what its namespace does then (presence gone, say)."""
    join_room(room)
    kept = keep(target) if target is not None else None
    guard = Guard(permission, kept, notice or {}, on_leave)
    session_id = str(session.get("_user_id") or "")
    seen = authz.current_generation()  # what the event's decisions were made under
    guards().enter(request.namespace, request.sid, session_id, room, guard, seen)


def leave(room: str) -> None:
    leave_room(room)
    guards().leave(request.namespace, request.sid, room)


def forget(namespace: str, sid: str) -> None:
    """The socket is gone (its disconnect handler)."""
    guards().forget(namespace, sid)


@signals.access_changed.connect
def _on_access_changed(app: Flask, **_what: Any) -> None:
    """A change this process committed: re-check at once, off the committing request."""
    found = app.extensions.get("palabre.guards")
    if found is not None and found.sockets:
        socketio.start_background_task(found.recheck)
