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

from app.collaboration import live_editor, presence, services, sync
from app.core import access, authz
from app.core.errors import BadInput, Forbidden, PalabreError
from app.core.sockets import namespace, on_disconnect, socket_event
from app.extensions import socketio

NAMESPACE = live_editor.NAMESPACE
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
    live_editor.documents().get(section.id)  # refuse now if the stored document cannot be read
    # Held while the user may read it: the socket leaves at once when that ends.
    notice = {"section": section.address, "readonly": True}
    access.enter(
        live_editor.section_room(section),
        "section.read",
        section,
        notice,
        on_leave=lambda sid: _left(sid, section.id, section.address),
    )
    _connection(request.sid).sections[section.id] = section.address
    return {"ok": True, "readonly": not authz.can(user, "section.edit", section)}


@socket_event(NAMESPACE, "leave", permission="collab.leave", target=_section)
def leave(user, section, payload):
    access.leave(live_editor.section_room(section))
    _left(request.sid, section.id, section.address)


@socket_event(NAMESPACE, "sync", permission="section.read", target=_section)
def on_sync(user, section, payload):
    data = _data(payload)
    kind = sync.message_kind(data)
    if kind == sync.STEP1:
        live = live_editor.documents().get(section.id)  # the latest state
        for message in sync.answer_step1(live, data):
            socketio.emit(
                "sync",
                {"section": payload["section"], "data": message},
                to=request.sid,
                namespace=NAMESPACE,
            )
        return {"ok": True}
    return live_editor.receive(user, section, data, kind, request.sid)


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
    live = live_editor.documents().get(section.id, max_age=math.inf)
    live_editor.claim(live, [e.client for e in entries if e.state is not None], user.id)
    connection.awareness.setdefault(section.id, {}).update({e.client: e.clock for e in entries})
    who = connection.identities.get(section.id)
    if who is None:
        who = connection.identities[section.id] = services.presence_user(user, section)
    socketio.emit(
        "awareness",
        {"section": section.address, "data": presence.rewrite(entries, who, section.address)},
        to=live_editor.section_room(section),
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
        to=live_editor.section_room(section_id),
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
