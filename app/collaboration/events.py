"""The ``/collab`` namespace: live co-writing of a section (see README, "The /collab protocol").

Thin handlers: the registry (app.core.sockets) has already loaded the user, resolved the
section and checked ``section.read``; writes also need ``section.edit``, asked on every
message. Accepted updates are committed before they are relayed (``after_commit``).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

from flask import current_app, request

from app.collaboration import presence, services, sync
from app.core import access, authz
from app.core.errors import BadInput, Forbidden, PalabreError
from app.core.sockets import Later, namespace, on_disconnect, socket_event
from app.extensions import socketio

NAMESPACE = services.NAMESPACE
namespace(NAMESPACE)


@dataclass
class Connection:
    """What one socket of this process has joined, and the awareness ids it announced."""

    sections: dict[int, str] = field(default_factory=dict)  # section id → address
    awareness: dict[int, dict[int, int]] = field(default_factory=dict)  # id → {client: clock}
    identities: dict[int, dict] = field(default_factory=dict)  # section id → presence user


_connections: dict[str, Connection] = {}
_connections_lock = threading.Lock()


def _connection(sid: str) -> Connection:
    with _connections_lock:
        return _connections.setdefault(sid, Connection())


def _section(payload: dict) -> services.SectionRef:
    return services.section_ref(payload.get("section"))


def _data(payload: dict) -> bytes:
    data = payload.get("data")
    if not isinstance(data, bytes | bytearray):
        raise BadInput("data must be bytes")
    if len(data) > current_app.config["COLLAB_MAX_MESSAGE_BYTES"]:
        raise PalabreError("this message is too large", code="too_large")
    return bytes(data)


@socket_event(NAMESPACE, "join", permission="section.read", target=_section)
def join(user, section, payload):
    sync.documents().get(section.id)  # refuse now if the stored document cannot be read
    # Held while the user may read it: the socket leaves at once when that ends.
    notice = {"section": section.address, "readonly": True}
    access.enter(
        services.section_room(section),
        "section.read",
        section,
        notice,
        on_leave=lambda sid: _left(sid, section.id, section.address),
    )
    _connection(request.sid).sections[section.id] = section.address
    return {"ok": True, "readonly": not authz.can(user, "section.edit", section)}


@socket_event(NAMESPACE, "leave", permission="collab.leave", target=_section)
def leave(user, section, payload):
    access.leave(services.section_room(section))
    _left(request.sid, section.id, section.address)


@socket_event(NAMESPACE, "sync", permission="section.read", target=_section)
def on_sync(user, section, payload):
    data = _data(payload)
    kind = sync.message_kind(data)
    # An update needs no catch-up here (the writer does it); a step needs the latest state.
    live = sync.documents().get(section.id, max_age=math.inf if kind == sync.UPDATE else 0)
    if kind == sync.STEP1:
        for message in sync.answer_step1(live, data):
            socketio.emit(
                "sync",
                {"section": payload["section"], "data": message},
                to=request.sid,
                namespace=NAMESPACE,
            )
        return {"ok": True}
    update, parsed = sync.read_update(data)  # bounded: nothing has reached yrs yet
    if update == sync.EMPTY_UPDATE:
        return {"ok": True}
    if not authz.can(user, "section.edit", section):
        sync.check_update(live, update, parsed)
        if kind == sync.STEP2 and not sync.is_news(live, update):
            return {"ok": True}
        raise Forbidden("this section is read-only for you")
    if live.size + len(update) > current_app.config["COLLAB_MAX_DOCUMENT_BYTES"]:
        raise PalabreError("this section has reached its maximum size", code="too_large")
    try:
        sync.check_update(live, update, parsed)
    except sync.Resync:
        # Another process may have committed what it needs: read the database, then decide.
        live = sync.documents().get(section.id)
        sync.check_update(live, update, parsed)
    written = services.submit_update(section, update, parsed, user.id, relay_skip=request.sid)
    return Acknowledged(written)


class Acknowledged(Later):
    """``{ok: true}`` once the writer thread has committed and relayed the update."""

    def __init__(self, written: Later) -> None:
        self.written = written

    def wait(self) -> dict:
        self.written.wait()
        return {"ok": True}


_awareness_owners: dict[tuple[int, int], str] = {}  # (section, awareness client) → sid


@socket_event(NAMESPACE, "awareness", permission="section.read", target=_section)
def on_awareness(user, section, payload):
    data = _data(payload)
    if not data or data[0] != sync.AWARENESS:
        raise BadInput("not an awareness message")
    if len(data) > current_app.config["COLLAB_MAX_AWARENESS_BYTES"]:
        raise PalabreError("this presence message is too large", code="too_large")
    entries = presence.read(data)
    connection = _connection(request.sid)
    with _connections_lock:
        for entry in entries:
            owner = _awareness_owners.setdefault((section.id, entry.client), request.sid)
            if owner != request.sid:
                raise Forbidden("this presence belongs to another connection")
    services.claim_presence(section, [e.client for e in entries if e.state is not None], user.id)
    connection.awareness.setdefault(section.id, {}).update({e.client: e.clock for e in entries})
    who = connection.identities.get(section.id)
    if who is None:
        who = connection.identities[section.id] = services.presence_user(user, section)
    socketio.emit(
        "awareness",
        {"section": section.address, "data": presence.rewrite(entries, who, section.address)},
        to=services.section_room(section),
        skip_sid=request.sid,
        namespace=NAMESPACE,
    )


def _left(sid: str, section_id: int, address: str) -> None:
    """Taken out of a section's room (access ended): the others stop seeing its cursor."""
    connection = _connection(sid)
    connection.sections.pop(section_id, None)
    _announce_gone(section_id, address, connection.awareness.pop(section_id, {}))


def _announce_gone(section_id: int, address: str, clients: dict[int, int]) -> None:
    """Tell the others that these awareness clients are gone (state ``null``)."""
    if not clients:
        return
    with _connections_lock:
        for client in clients:
            _awareness_owners.pop((section_id, client), None)
    socketio.emit(
        "awareness",
        {"section": address, "data": presence.gone(clients)},
        to=services.section_room(section_id),
        namespace=NAMESPACE,
    )


@on_disconnect(NAMESPACE)
def forget_connection(user, sid: str) -> None:
    with _connections_lock:
        connection = _connections.pop(sid, None)
    if connection is None:
        return
    for section_id, address in connection.sections.items():
        _announce_gone(section_id, address, connection.awareness.get(section_id, {}))
