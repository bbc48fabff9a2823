"""The one authorization service: "may this user do this action to that target?".

Every HTTP view and every Socket.IO event asks ``require`` (or ``can``). Each area
declares its rules in its ``permissions`` module with ``@rule("area.action")``; the rules
are the only place where roles, phases and locks turn into yes or no. ``actions()`` lists
every rule so the test suite can check the role × action matrix covers them all.

Decisions asked on every message of a live editor (``@rule(..., cached=True)``) are kept
between messages: a socket event's transaction first reads the *access generation*
(``open_generation``), a counter that every transaction changing what those rules read
(``depends_on``) bumps in the same commit; a decision is reused only under the generation
it was made in, and before the moment its rule said it expires (``valid_until``, e.g. a
scheduled lock). So a lock, a removal or a phase change is seen from the very next
message, in every process, without a dozen queries per keystroke.
"""

from __future__ import annotations

import contextlib
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime
from typing import Any, TypeVar

from flask import current_app, g, has_app_context
from sqlalchemy import event, inspect, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.core import signals
from app.core.errors import Forbidden, Unavailable
from app.core.models import AccessGeneration, utcnow
from app.extensions import db

Rule = Callable[[Any, Any], bool]
T = TypeVar("T")
_rules: dict[str, Rule] = {}
_cached: set[str] = set()
_watched: dict[type, tuple[str, ...]] = {}  # model → attributes (empty: any change)
_GENERATION = "palabre_access_generation"
_CHANGED = "palabre_access_changed"
_READ_GENERATION = "SELECT value FROM access_generation WHERE id = 1"  # once per message
_horizon: ContextVar[list[datetime] | None] = ContextVar("palabre_horizon", default=None)
MAX_CACHED_DECISIONS = 100_000


def rule(action: str, *, cached: bool = False) -> Callable[[Rule], Rule]:
    """Register the rule deciding ``action``; the rule gets (user or None, target).

    ``cached``: socket events reuse its decisions (see the module's docstring); every
    column it reads must then be declared with ``depends_on``."""

    def register(fn: Rule) -> Rule:
        if action in _rules and _rules[action] is not fn:
            raise ValueError(f"two rules for {action!r}")
        _rules[action] = fn
        if cached:
            _cached.add(action)
        return fn

    return register


def depends_on(model: type, *attributes: str) -> None:
    """Cached rules read ``model`` (these attributes; none given: all, and its rows'
    creation and deletion): a change to it bumps the access generation."""
    known = _watched.get(model)
    _watched[model] = () if known == () or not attributes else (*(known or ()), *attributes)


def valid_until(moment: datetime) -> None:
    """Called by a rule: the decision being made must not be reused from ``moment`` on."""
    horizon = _horizon.get()
    if horizon is not None:
        horizon.append(moment)


class Ref(ABC):
    """A target named by kind and id, loaded only when a cached decision is missing."""

    kind: str
    id: int

    @abstractmethod
    def load(self) -> Any: ...


def _real_user(user: Any) -> Any:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if not getattr(user, "is_active", True):
        return None
    return user


def can(user: Any, action: str, target: Any = None) -> bool:
    try:
        decide = _rules[action]
    except KeyError:
        raise LookupError(f"no rule for action {action!r}") from None
    user = _real_user(user)

    def decision() -> tuple[bool, datetime | None]:
        """(allowed, the moment it stops holding, if the rule named one)."""
        horizon: list[datetime] = []
        token = _horizon.set(horizon)
        try:
            allowed = bool(decide(user, target.load() if isinstance(target, Ref) else target))
        finally:
            _horizon.reset(token)
        return allowed, min(horizon, default=None)

    if action not in _cached:
        return decision()[0]
    key = (getattr(user, "id", None), action, target_key(target))
    allowed, _until = kept("decisions", key, decision, fresh=_not_expired)
    return allowed


def _not_expired(known: tuple[bool, datetime | None]) -> bool:
    return known[1] is None or utcnow() < known[1]


def kept(name: str, key: Any, compute: Callable[[], T], *, fresh=None) -> T:
    """``compute()``, remembered under ``key`` while the access generation stays the one
    this socket event read (and ``fresh(value)``, if given, holds). Outside socket events,
    or once this event's own transaction changed access, computed every time."""
    generation = current_generation()
    if generation is None:
        return compute()
    cache = current_app.extensions.setdefault(f"palabre.kept.{name}", {})
    known = cache.get(key)
    if known is not None and known[0] == generation and (fresh is None or fresh(known[1])):
        return known[1]
    value = compute()
    if len(cache) >= MAX_CACHED_DECISIONS:
        cache.clear()
    cache[key] = (generation, value)
    return value


def target_key(target: Any) -> tuple:
    if isinstance(target, Ref):
        return (target.kind, target.id)
    return (type(target).__name__, getattr(target, "id", None))


def require(user: Any, action: str, target: Any = None) -> None:
    """Raise ``Forbidden`` unless ``user`` may do ``action`` to ``target``."""
    if not can(user, action, target):
        raise Forbidden()


def actions() -> list[str]:
    return sorted(_rules)


# --- the access generation -----------------------------------------------------------------


class _GenerationReader:
    """One connection of the app's engine, in autocommit, that only reads the generation:
    a message whose decisions are all cached then never checks a connection out of the
    pool nor opens a transaction."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.lock = threading.RLock()
        self.connection = None
        event.listen(engine, "engine_disposed", self.close)

    def read(self) -> int:
        errors = (DBAPIError, self.engine.dialect.loaded_dbapi.Error)
        with self.lock:
            try:
                return self._read()
            except errors:
                self.close()  # a dropped connection: one new try
            try:
                return self._read()
            except errors:
                self.close()
                raise Unavailable() from None

    def _read(self) -> int:
        if self.connection is None:
            connection = self.engine.connect()
            self.connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        # The driver's own cursor: a few microseconds where a SQLAlchemy statement costs a
        # hundred, on every message.
        cursor = self.connection.connection.dbapi_connection.cursor()
        try:
            cursor.execute(_READ_GENERATION)
            row = cursor.fetchone()
        finally:
            cursor.close()
        return row[0] if row else 0

    def close(self, *_args) -> None:
        """Close the driver's connection itself: after ``engine.dispose()`` (which calls
        this) a connection given back would land in the discarded pool, never closed."""
        with self.lock:
            if self.connection is not None:
                with contextlib.suppress(Exception):
                    self.connection.invalidate()
                self.connection = None


def open_generation() -> int:
    """Read the access generation at the start of a socket event, before anything else:
    every row a rule reads afterwards is at least as new, so no decision is kept under a
    generation newer than what it was made from. Cached rules are reused within this
    transaction until it changes access itself."""
    app = current_app._get_current_object()
    reader = app.extensions.get("palabre.generation_reader")
    if reader is None:
        reader = app.extensions.setdefault(
            "palabre.generation_reader", _GenerationReader(db.engine)
        )
    # Kept in ``g``, not in the session: a message answered from the caches never even
    # creates a database session.
    value = reader.read()
    setattr(g, _GENERATION, value)
    return value


def current_generation() -> int | None:
    """What ``open_generation`` read for this event (None: not opened, or this event's
    own transaction changed access since: its decisions are not cached)."""
    if not has_app_context() or (value := g.get(_GENERATION)) is None:
        return None
    registry = db.session.registry
    if registry.has() and registry().info.get(_CHANGED):
        return None
    return value


def _bump(session: Session) -> None:
    session.info[_CHANGED] = True  # decisions of this transaction: not cached
    table = AccessGeneration.__table__  # its one row: the migration and create_all make it
    session.connection().execute(
        update(table).where(table.c.id == 1).values(value=table.c.value + 1)
    )


def _changes_access(session: Session) -> bool:
    for instance in (*session.new, *session.deleted):
        if type(instance) in _watched:
            return True
    for instance in session.dirty:
        attributes = _watched.get(type(instance))
        if attributes is None:
            continue
        state = inspect(instance)
        names = attributes or [attr.key for attr in state.mapper.column_attrs]
        if any(state.attrs[name].history.has_changes() for name in names):
            return True
    return False


@event.listens_for(Session, "after_commit")
def _announce_change(session: Session) -> None:
    """Once a change to what the rules read is committed, say so (``signals``)."""
    if session.info.pop(_CHANGED, False) and has_app_context():
        signals.access_changed.send(current_app._get_current_object())


@event.listens_for(Session, "after_rollback")
def _forget_change(session: Session) -> None:
    session.info.pop(_CHANGED, None)


@event.listens_for(Session, "after_flush")
def _watch_flush(session: Session, _context) -> None:
    if _watched and _changes_access(session):
        _bump(session)


@event.listens_for(Session, "do_orm_execute")
def _watch_bulk(state) -> None:
    """UPDATE and DELETE statements run through the session bypass the flush."""
    if not (state.is_update or state.is_delete):
        return
    name = getattr(getattr(state.statement, "table", None), "name", None)
    if any(model.__table__.name == name for model in _watched):
        _bump(state.session)
