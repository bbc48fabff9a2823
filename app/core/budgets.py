"""Budgets: how many Socket.IO events a connection, and a user, may send.

Every event has a budget, a token bucket (a rate per second and a burst), chosen by event
in ``SOCKET_BUDGETS`` (``app.config``: ``"<namespace>:<event>"``, else ``"<namespace>"``,
else ``"default"``). It is counted twice: per connection (namespace and sid) and per user
across all their connections on this process, whose bucket is ``user`` times the
connection's (ten tabs do not make ten budgets). The registry (``app.core.sockets``) asks
``spend`` first, with the socket's sid and the user id the signed session cookie names: an
event over budget is answered ``{ok: false, error: "rate_limited", message}`` without any
database work.

A flood is refused at the same small cost, but not forever: each refusal is a strike, and
strikes drain at twice the budget's rate (so sending up to three times the budget is
refused, never punished). Past ``FLOOD_STRIKES`` (per connection, ``user`` times that per
user) the socket hears ``error {event, code: "rate_limited"}``, nothing more is read from
its connection, which is closed ``HOLD_SECONDS`` later (every namespace of it), and the
user's bucket is emptied for ``PENALTY_SECONDS`` and their strikes kept high: a new
connection of theirs is held and closed at its first refusal until they drain. A socket
merely over budget hears that ``error`` at most every ``TELL_SECONDS`` per event; the
acknowledgements say it every time.

State is kept in memory, per app and per process (``app.extensions``); an idle record is the
same as a fresh one (full bucket, no strikes), so idle records are swept away every minute.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_socketio import emit

from app.core import transport

log = logging.getLogger(__name__)

FLOOD_STRIKES = 100  # refusals (draining at twice the rate) before a socket is disconnected
SWEEP_SECONDS = 60.0
LOG_SECONDS = 60.0
HOLD_SECONDS = 2.0  # a flooding connection is read no more, then closed after this
PENALTY_SECONDS = 10.0  # a flooding user's budget for that event is empty this long
TELL_SECONDS = 5.0  # a socket over budget hears an ``error`` at most this often per event
MESSAGE = _l("Too many messages at once: slow down, then try again.")
CODE = "rate_limited"

OK, LIMITED, FIRST_LIMITED, FLOOD = 0, 1, 2, 3


@dataclass(frozen=True)
class Budget:
    rate: float
    burst: float
    user_rate: float
    user_burst: float


class Ledger:
    """The buckets of one app in this process. A record is ``[tokens, stamp, strikes, told]``
    (when its connection last heard an ``error`` for it)."""

    def __init__(self, budgets: dict[str, Any], clock=time.monotonic) -> None:
        self.table = budgets
        self.factor = float(budgets.get("user", 1.0))
        self.clock = clock
        self.budgets: dict[tuple[str, str], Budget] = {}
        self.records: dict[tuple, list[float]] = {}
        self.logged: dict[Any, float] = {}  # what was logged when (once a minute)
        self.lock = threading.Lock()
        # Long enough for any record to be full again and without strikes.
        rates = [v for k, v in budgets.items() if k != "user"]
        self.idle = max(
            SWEEP_SECONDS,
            *(PENALTY_SECONDS + max(b / r, FLOOD_STRIKES / r, TELL_SECONDS) for r, b in rates),
        )
        self.sweep_at = clock() + SWEEP_SECONDS

    def budget(self, namespace: str, name: str) -> Budget:
        found = self.budgets.get((namespace, name))
        if found is None:
            table = self.table
            named = table.get(f"{namespace}:{name}") or table.get(namespace)
            rate, burst = named or table["default"]
            found = Budget(rate, burst, rate * self.factor, burst * self.factor)
            self.budgets[(namespace, name)] = found
        return found

    def spend(self, namespace: str, name: str, sid: str, user_id: int | None) -> int:
        """Take one message from the connection's and the user's buckets: ``OK``, or
        ``LIMITED`` (``FIRST_LIMITED``: tell the socket, at most every ``TELL_SECONDS``),
        or ``FLOOD``."""
        budget = self.budget(namespace, name)
        now = self.clock()
        with self.lock:
            if now >= self.sweep_at:
                self._sweep(now)
            mine = self._record(("c", namespace, sid, name), now, budget.rate, budget.burst)
            theirs = None
            if user_id is not None:
                key = ("u", user_id, namespace, name)
                theirs = self._record(key, now, budget.user_rate, budget.user_burst)
            if mine[0] >= 1.0 and (theirs is None or theirs[0] >= 1.0):
                mine[0] -= 1.0
                if theirs is not None:
                    theirs[0] -= 1.0
                return OK
            mine[2] = min(mine[2] + 1.0, 2.0 * FLOOD_STRIKES)
            flood = mine[2] > FLOOD_STRIKES
            if theirs is not None:
                limit = FLOOD_STRIKES * self.factor
                theirs[2] = min(theirs[2] + 1.0, 2.0 * limit)
                flood = flood or theirs[2] > limit
                if flood:  # held off: nothing for a while, then a new connection's first
                    # refusal is a flood again, until their strikes drain
                    theirs[0], theirs[1], theirs[2] = 0.0, now + PENALTY_SECONDS, 2.0 * limit
            if flood:
                return FLOOD
            if now - mine[3] >= TELL_SECONDS:
                mine[3] = now
                return FIRST_LIMITED
            return LIMITED

    def _record(self, key: tuple, now: float, rate: float, burst: float) -> list[float]:
        record = self.records.get(key)
        if record is None:
            record = self.records[key] = [burst, now, 0.0, now - TELL_SECONDS]
            return record
        elapsed = now - record[1]
        if elapsed > 0.0:
            record[0] = min(burst, record[0] + elapsed * rate)
            record[2] = max(0.0, record[2] - 2.0 * elapsed * rate)
            record[1] = now
        return record

    def once_a_minute(self, key: Any) -> bool:
        """True at most once a minute per key (to log a flood, not each of its messages)."""
        now = self.clock()
        with self.lock:
            if now - self.logged.get(key, now - LOG_SECONDS) < LOG_SECONDS:
                return False
            self.logged[key] = now
            return True

    def _sweep(self, now: float) -> None:
        stale = now - self.idle
        self.records = {k: r for k, r in self.records.items() if r[1] >= stale}
        self.logged = {k: at for k, at in self.logged.items() if now - at < LOG_SECONDS}
        self.sweep_at = now + SWEEP_SECONDS


_EXTENSION = "palabre.budgets"
_created = threading.Lock()


def ledger() -> Ledger:
    """This app's ledger, made from ``SOCKET_BUDGETS`` at the first event."""
    app = current_app._get_current_object()
    found = app.extensions.get(_EXTENSION)
    if found is None:
        with _created:
            found = app.extensions.get(_EXTENSION)
            if found is None:
                found = app.extensions[_EXTENSION] = Ledger(app.config["SOCKET_BUDGETS"])
    return found


def spend(namespace: str, name: str, user_id: int | None) -> dict | None:
    """Called by the registry before anything else: ``None`` if the event may run, else
    the acknowledgement to answer (the socket is told, or disconnected, as it goes on)."""
    book = ledger()
    verdict = book.spend(namespace, name, request.sid, user_id)
    if verdict == OK:
        return None
    message = str(MESSAGE)
    if verdict != LIMITED:
        emit("error", {"event": name, "code": CODE, "message": message})
    if verdict == FLOOD:
        if book.once_a_minute(("flood", user_id or request.sid)):
            log.warning("user %s flooded %s %s: disconnected", user_id, namespace, name)
        _close_connection(namespace)
    return {"ok": False, "error": CODE, "message": message}


def _close_connection(namespace: str) -> None:
    """End the socket's whole connection, all its namespaces, after ``HOLD_SECONDS`` during
    which nothing more is read from it (``app.core.transport.hold_then_close``): what it
    sent is dropped unread, where leaving one namespace would still have every message in
    flight read and refused one by one, and a client that connects again at once when
    closed cannot cycle faster than that."""
    server = current_app.extensions["socketio"].server
    eio_sid = server.manager.eio_sid_from_sid(request.sid, namespace)
    if eio_sid is not None:
        transport.hold_then_close(server.eio, eio_sid, HOLD_SECONDS)
