"""The registry of Socket.IO events: every event handler of Palabre is declared here.

An area declares an event with ``@socket_event(namespace, name, permission=..., target=...)``.
The registry wraps the handler so that, for every single message:

1. the user is loaded from the session cookie (and must still be a valid session);
   a connection opened while the database was out of reach was accepted on the signed
   cookie alone: its first event that loads the user verifies it, and only then joins the
   personal room ``user:<id>``;
2. the payload is a JSON object, and ``target(payload)`` resolves what it acts on;
3. ``authz.require(user, permission, target)`` is asked — no handler escapes it;
4. the handler runs, then the session commits (or rolls back on any error), and what the
   handler deferred with ``app.core.transactions.after_commit`` (relays) runs after it; a
   handler whose work ends in another thread returns a ``Later``, awaited after the commit;
5. a failure becomes an ``error`` event plus a ``{ok: false, error, message}`` ack, never a
   crash or a disconnect of other clients.

``install(socketio)`` binds everything in ``create_app``; ``registered_events()`` lets the
test suite prove that every handler Socket.IO knows about went through this registry.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import flask
from flask import g, request, session
from flask.ctx import RequestContext
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from flask_socketio import ConnectionRefusedError as Refused
from flask_socketio import SocketIO, emit
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.core import access, authz, budgets, transport
from app.core.errors import BadInput, Forbidden, PalabreError, Unavailable, database_unavailable
from app.core.transactions import commit, release_held
from app.extensions import db

log = logging.getLogger(__name__)

Handler = Callable[[Any, Any, dict], Any]


class Later(ABC):
    """What a handler returns when its work finishes elsewhere (the live editor's writer
    thread): the wrapper commits the handler's transaction, gives its database connection
    back, then replies with ``wait()``'s result (a ``PalabreError`` raised there is
    answered like any other)."""

    @abstractmethod
    def wait(self) -> Any: ...


Resolver = Callable[[dict], Any]


@dataclass(frozen=True)
class SocketEvent:
    namespace: str
    name: str
    permission: str
    target: Resolver
    handler: Handler


@dataclass
class Namespace:
    name: str
    on_disconnect: list[Callable[[Any, str], None]] = field(default_factory=list)


_events: dict[tuple[str, str], SocketEvent] = {}
_namespaces: dict[str, Namespace] = {}
_forbidden_listeners: list[Callable[[Any, str, str, dict], None]] = []
_in_flight = 0
_in_flight_changed = threading.Condition()
# Where the connection's handshake environ (shared by all its events) lists the namespaces
# it was accepted on without the database: their user is not verified yet.
_UNVERIFIED = "palabre.unverified_namespaces"
# ... keeps (access generation, the session's ``_user_id``, the user) between events
_SESSION_USER = "palabre.session_user"
# ... and Flask's URL adapter, bound to that environ (``PalabreFlask``)
_URL_ADAPTER = "palabre.url_adapter"


def drain(timeout: float) -> bool:
    """Wait until no event handler is running (SIGTERM: let acknowledged work finish)."""
    with _in_flight_changed:
        return _in_flight_changed.wait_for(lambda: _in_flight == 0, timeout)


def namespace(name: str) -> Namespace:
    """Declare a namespace: connections need a logged-in user and an allowed Origin."""
    return _namespaces.setdefault(name, Namespace(name))


def socket_event(
    ns: str, name: str, *, permission: str, target: Resolver
) -> Callable[[Handler], Handler]:
    if ns not in _namespaces:
        raise ValueError(f"declare namespace {ns!r} before its events")
    if name in {"connect", "disconnect"}:
        raise ValueError("connect and disconnect are handled by the registry")

    def register(handler: Handler) -> Handler:
        _events[(ns, name)] = SocketEvent(ns, name, permission, target, handler)
        return handler

    return register


def on_disconnect(ns: str) -> Callable[[Callable[[Any, str], None]], Callable[[Any, str], None]]:
    def register(fn: Callable[[Any, str], None]) -> Callable[[Any, str], None]:
        namespace(ns).on_disconnect.append(fn)
        return fn

    return register


def on_forbidden(listener: Callable[[Any, str, str, dict], None]) -> None:
    """Be told of every refused event (user, namespace, event, payload), e.g. to audit it."""
    _forbidden_listeners.append(listener)


def registered_events() -> dict[tuple[str, str], SocketEvent]:
    return dict(_events)


def registered_namespaces() -> list[str]:
    return sorted(_namespaces)


def user_room(user_id: int) -> str:
    return f"user:{user_id}"


def _user() -> Any:
    """The event's user, None if not logged in. Flask-Login loads it at every event (its
    session protection hashes the handshake's address and agent, the loader copies the
    kept row); within one access generation, which every change to a user bumps, a
    connection reuses the user its previous event loaded, unless an event attached,
    changed or expired it (then Flask-Login loads it again)."""
    environ, key = request.environ, session.get("_user_id")
    generation = authz.current_generation()
    known = environ.get(_SESSION_USER)
    reuse = known is not None and generation is not None and known[:2] == (generation, key)
    if reuse and _untouched(known[2]):
        g._login_user = known[2]  # what Flask-Login's ``current_user`` returns
        return known[2]
    user = current_user
    if user is None or not user.is_authenticated:
        return None
    user = user._get_current_object() if hasattr(user, "_get_current_object") else user
    if generation is not None and key is not None:
        environ[_SESSION_USER] = (generation, key, user)
    return user


def _untouched(user: Any) -> bool:
    """A row no session holds, as it was loaded."""
    state = sa_inspect(user, raiseerr=False)
    return (
        state is not None and state.detached and not state.modified and not state.expired_attributes
    )


def _failure(event: str, payload: Any, error: PalabreError) -> dict:
    reply = {"ok": False, "error": error.code, "message": error.message}
    context = {"event": event, "code": error.code, "message": error.message}
    if isinstance(payload, dict) and isinstance(payload.get("section"), str):
        context["section"] = payload["section"][:200]
    emit("error", context)
    return reply


def _wrap(event: SocketEvent) -> Callable[..., Any]:
    def handle(payload: Any = None, *extra: Any) -> Any:
        global _in_flight
        with _in_flight_changed:
            _in_flight += 1
        try:
            return run(payload, *extra)
        finally:
            with _in_flight_changed:
                _in_flight -= 1
                _in_flight_changed.notify_all()

    def run(payload: Any = None, *extra: Any) -> Any:
        # The budget first, on the sid and the signed cookie's user id: a flood costs no
        # database work (app.core.budgets).
        limited = budgets.spend(event.namespace, event.name, _session_user_id())
        if limited is not None:
            return limited
        try:
            authz.open_generation()  # first read of the transaction (see app.core.authz)
            user = _user()  # database reads: inside the try, so they too get an answer
            if user is None:
                raise Forbidden("unauthenticated", code="unauthenticated")
            unverified = request.environ.get(_UNVERIFIED)
            if unverified and event.namespace in unverified:
                unverified.discard(event.namespace)  # the session holds: now it may listen
                access.enter(user_room(user.id), None)
            if not isinstance(payload, dict) or extra:
                raise BadInput("the message must be one object")
            target = event.target(payload)
            if not authz.can(user, event.permission, target):
                for listener in _forbidden_listeners:
                    listener(user, event.namespace, event.name, payload)
                raise Forbidden()
            result = event.handler(user, target, payload)
            if db.session.registry.has():  # answered from the caches: no session at all
                commit()
            if isinstance(result, Later):
                db.session.remove()  # no connection held while waiting
                result = result.wait()
            return {"ok": True} if result is None else result
        except PalabreError as error:
            db.session.rollback()
            return _failure(event.name, payload, error)
        except (DBAPIError, PoolTimeout):
            # Unreachable database or no free connection: refused, the client keeps the
            # update and sends it again.
            db.session.rollback()
            log.warning("database unavailable for %s%s", event.namespace, event.name)
            return _failure(event.name, payload, Unavailable())
        except Exception:
            db.session.rollback()
            log.exception("socket event %s%s failed", event.namespace, event.name)
            return _failure(event.name, payload, PalabreError(code="internal"))
        finally:
            release_held()
            db.session.remove()

    handle.__name__ = f"on_{event.name}"
    return handle


def _session_user_id() -> int | None:
    """The user id the signed session cookie names (Flask-Login's ``"<id>.<version>"``),
    read without the database: whether that session still holds is not known."""
    user_id, _sep, version = str(session.get("_user_id") or "").partition(".")
    return int(user_id) if user_id.isdigit() and version.isdigit() else None


def _connect_handler(ns: Namespace) -> Callable[..., Any]:
    def connect(auth: Any = None) -> bool:
        try:
            # Before the user: a logout committed meanwhile is then rechecked (``access``).
            authz.open_generation()
            user = _user()
        except Exception as error:
            if not (isinstance(error, Unavailable) or database_unavailable(error)):
                raise
            return _connect_without_database(ns, error)
        finally:
            db.session.remove()
        if user is None:
            raise Refused("unauthenticated")  # Socket.IO's: the client gets the reason
        request.environ.get(_UNVERIFIED, set()).discard(ns.name)
        access.enter(user_room(user.id), None)  # held while the session holds
        return True

    return connect


def _connect_without_database(ns: Namespace, error: BaseException) -> bool:
    """The database is out of reach: accept a signed session on its word, so the editor
    stays connected and its events are answered ``unavailable`` (kept, sent again) until
    the database is back. Every event still loads and checks the user (a session ended
    meanwhile is refused from its first event), and the personal room, which receives
    without asking, is joined only once an event has verified the session."""
    user_id = _session_user_id()
    if user_id is None:
        raise Refused("unauthenticated")  # Socket.IO's: the client gets the reason
    request.environ.setdefault(_UNVERIFIED, set()).add(ns.name)
    log.warning(
        "database unavailable at connect to %s (%s): accepted, not verified yet",
        ns.name,
        type(error).__name__,
    )
    return True


def _disconnect_handler(ns: Namespace) -> Callable[..., Any]:
    def disconnect(reason: Any = None) -> None:
        access.forget(ns.name, request.sid)
        try:
            user = _user()
        except Exception as error:
            if not database_unavailable(error):
                raise
            db.session.rollback()
            user = None  # the database is out of reach: forget the connection all the same
        try:
            for fn in ns.on_disconnect:
                fn(user, request.sid)
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            if database_unavailable(error):
                log.warning("database unavailable at disconnect from %s", ns.name)
            else:
                log.exception("disconnect handler of %s failed", ns.name)
        finally:
            db.session.remove()

    return disconnect


SOCKETIO_PATH = "/socket.io/"


class EventRequestContext(RequestContext):
    """The request context Flask-SocketIO pushes for every event, on the environ of the
    connection's handshake. No route matches the Socket.IO URL: Flask would store a
    NotFound and its traceback on the request, a reference cycle per event (seventy-odd
    objects, the request, the session user and the frames among them) left to the garbage
    collector, whose pauses then grew with the load. An event runs no view, so its URL is
    not matched."""

    def match_request(self) -> None:
        return None


class PalabreFlask(flask.Flask):
    """Flask, with ``EventRequestContext`` for Socket.IO events (``create_app`` builds one)."""

    def request_context(self, environ: dict) -> RequestContext:
        if environ.get("PATH_INFO", "").startswith(SOCKETIO_PATH):
            return EventRequestContext(self, environ)
        return super().request_context(environ)

    def create_url_adapter(self, request):
        """An event's request context is pushed on its connection's handshake environ:
        the adapter bound to it (host checks, map binding) is made once per connection."""
        if request is None or not request.environ.get("PATH_INFO", "").startswith(SOCKETIO_PATH):
            return super().create_url_adapter(request)
        adapter = request.environ.get(_URL_ADAPTER)
        if adapter is None:
            adapter = request.environ[_URL_ADAPTER] = super().create_url_adapter(request)
        return adapter


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, except for Socket.IO events after the first one:
    Flask-SocketIO pushes a request context per event, which would verify and decode the
    cookie again, then replaces that session with its own copy (``saved_session``) taken
    at the first event. Skipping the decode keeps a keystroke from paying for it."""

    def open_session(self, app, request):
        if "saved_session" in request.environ:
            return self.null_session_class()
        return super().open_session(app, request)


def install(app, socketio: SocketIO) -> None:
    app.session_interface = SessionInterface()
    transport.install(socketio.server)
    for ns in _namespaces.values():
        socketio.on_event("connect", _connect_handler(ns), namespace=ns.name)
        socketio.on_event("disconnect", _disconnect_handler(ns), namespace=ns.name)
    for event in _events.values():
        socketio.on_event(event.name, _wrap(event), namespace=event.namespace)
