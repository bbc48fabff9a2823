"""Presence (Yjs awareness) belongs to the server: who a state says it is comes from the socket.

A y-protocols awareness message carries, per Yjs client id, a clock and a JSON state. The
browser puts there its user (``{id, name, color, colorLight}``), the section it shows, its
cursor (``{anchor, head}``, Yjs relative positions) and ``open: true`` in the one section
whose editor it has open (a page follows every section of its paper, but a co-writer is
*in* one: the presence box lists them there). Relayed as sent, a member could
show as anyone, in any colour, with any CSS, and make every editor parse megabytes. So
the server reads each state within bounds, keeps only a cursor of the expected shape and an
``open`` that is ``true``, and writes the user itself from the socket's session
(``rewrite``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from pycrdt import create_awareness_message, write_var_uint

from app.collaboration.yupdate import Reader, UpdateFormatError
from app.core.errors import BadInput

MAX_STATE_BYTES = 2048  # a user, a section name and a cursor take a few hundred bytes
MAX_CLIENTS = 8  # awareness entries in one message (a browser sends its own, one)
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
NEUTRAL_COLOUR = "#5b5b5b"
_POSITION_KEYS = {"type", "tname", "item", "assoc"}
_ID_KEYS = {"client", "clock"}


@dataclass(frozen=True)
class Entry:
    client: int
    clock: int
    state: dict | None  # None: the client is gone


def read(data: bytes) -> list[Entry]:
    """The entries of an awareness message (type byte, then one buffer), bounded."""
    try:
        reader = Reader(data[1:])
        inner = Reader(reader.buffer())
        if reader.pos != len(reader.data):
            raise UpdateFormatError("bytes after the message")
        count = inner.count()
        if count > MAX_CLIENTS:
            raise UpdateFormatError("too many clients")
        entries = []
        for _ in range(count):
            client, clock = inner.client(), inner.clock()
            raw = inner.string()
            if len(raw) > MAX_STATE_BYTES:
                raise UpdateFormatError("state too large")
            state = json.loads(raw)
            if state is not None and not isinstance(state, dict):
                raise UpdateFormatError("a state is an object or null")
            entries.append(Entry(client, clock, state))
        if inner.pos != len(inner.data):
            raise UpdateFormatError("bytes after the entries")
    except (UpdateFormatError, ValueError, RecursionError) as error:
        raise BadInput(f"not an awareness message ({error.__class__.__name__})") from None
    return entries


def _relative_position(value) -> dict | None:
    """A Yjs relative position as JSON: ``{type?, tname?, item?, assoc}`` (y-codemirror
    sends the object itself, with nulls), or None if it is anything else."""
    if not isinstance(value, dict) or not set(value) <= _POSITION_KEYS:
        return None
    # Every key, null when absent: Yjs tells a root type by ``type === null``.
    clean: dict = {"type": None, "tname": None, "item": None}
    for key in ("type", "item"):
        if value.get(key) is not None:
            ident = value[key]
            if not (isinstance(ident, dict) and set(ident) == _ID_KEYS):
                return None
            if not all(type(ident[k]) is int and 0 <= ident[k] < 2**53 for k in _ID_KEYS):
                return None
            clean[key] = {"client": ident["client"], "clock": ident["clock"]}
    if value.get("tname") is not None:
        if not isinstance(value["tname"], str) or len(value["tname"]) > 64:
            return None
        clean["tname"] = value["tname"]
    assoc = value.get("assoc") or 0
    if type(assoc) is not int or not -1 <= assoc <= 1:
        return None
    clean["assoc"] = assoc
    return clean


def _cursor(value) -> dict | None:
    if not isinstance(value, dict):
        return None
    anchor, head = _relative_position(value.get("anchor")), _relative_position(value.get("head"))
    return {"anchor": anchor, "head": head} if anchor and head else None


def identity(user_id: int, name: str, colour: str | None) -> dict:
    """The user of a presence state, as the server says it is."""
    colour = colour if colour and COLOUR.fullmatch(colour) else NEUTRAL_COLOUR
    return {"id": user_id, "name": name, "color": colour, "colorLight": f"{colour}33"}


def rewrite(entries: list[Entry], user: dict, section: str) -> bytes:
    """The awareness message to relay: each state's user and section written by the
    server, its cursor kept only if well formed, nothing else."""
    body = bytearray(write_var_uint(len(entries)))
    for entry in entries:
        if entry.state is None:
            state = None
        else:
            state = {"user": user, "section": section}
            if (cursor := _cursor(entry.state.get("cursor"))) is not None:
                state["cursor"] = cursor
            if entry.state.get("open") is True:
                state["open"] = True
        raw = json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode()
        body += write_var_uint(entry.client) + write_var_uint(entry.clock)
        body += write_var_uint(len(raw)) + raw
    return create_awareness_message(bytes(body))


def gone(clients: dict[int, int]) -> bytes:
    """The message that removes these awareness clients (state ``null``, next clock)."""
    return rewrite([Entry(client, clock + 1, None) for client, clock in clients.items()], {}, "")
