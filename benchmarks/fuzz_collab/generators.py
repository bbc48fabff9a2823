"""Hostile ``/collab`` messages: plain functions ``(rng, context) -> [Message, …]``.

Each generator returns a short burst (usually one message) that a member of the section's
group could send; the fuzzer sends them in order, each waiting for its acknowledgement.
Unit tests reuse them directly: ``message.data`` is the y-protocols message (bytes) when
there is one. Everything is built by hand here (lib0 varints, Yjs v1 structs, content
kinds, lib0 ``any``), so that any field can be made absurd; valid updates come from pycrdt.

Layout of a Yjs v1 update (see ``app/collaboration/yupdate.py``, which reads it)::

    varuint(client groups) { varuint(structs) varuint(client) varuint(clock) struct* }
    delete set: varuint(clients) { varuint(client) varuint(ranges) {varuint(clock) varuint(len)}* }

    struct: info byte (content kind in the low 5 bits; 0x80 origin, 0x40 right origin,
    0x20 parent sub); GC (0) and Skip (10) carry a length only; an item has its origins
    (client, clock), else its parent (1 + root name, or 0 + parent item id) and parent sub,
    then its content.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pycrdt import Doc, Text, create_update_message, get_state

from app.collaboration.yupdate import Reader

MAX_MESSAGE = 256 * 1024  # COLLAB_MAX_MESSAGE_BYTES
TEXT = "markdown"
SYNC, AWARENESS = 0, 1
STEP1, STEP2, UPDATE = 0, 1, 2
# Content kinds (Yjs v1)
GC, DELETED, JSON, BINARY, STRING, EMBED, FORMAT, TYPE, ANY, DOC, SKIP = range(11)
# lib0 ``any`` tags
UNDEFINED, NULL, INTEGER, FLOAT32, FLOAT64, BIGINT, FALSE, TRUE, STR, OBJECT, ARRAY, BUF = (
    127,
    126,
    125,
    124,
    123,
    122,
    121,
    120,
    119,
    118,
    117,
    116,
)
ABSURD_CLOCKS = (2**31, 2**32 - 3, 2**32 - 1, 2**32, 2**53 - 1, 2**53, 2**63 - 2, 2**63,
                 2**64 - 3, 2**64 - 1, 2**64, 2**70)  # fmt: skip
ABSURD_CLIENTS = (0, 1, 2**31, 2**32 - 1, 2**32, 2**53 - 1, 2**53, 2**63 - 1, 2**63,
                  2**64 - 1, 2**64, 2**70)  # fmt: skip


# --- lib0 encoding ------------------------------------------------------------------------


def var_uint(n: int) -> bytes:
    """lib0 unsigned varint, any size (Python ints: past 2^64 as well)."""
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def overlong_uint(n: int, width: int = 11) -> bytes:
    """The same value padded with continuation bytes to ``width`` bytes (non-canonical)."""
    canonical = bytearray(var_uint(n))
    while len(canonical) < width:
        canonical[-1] |= 0x80
        canonical.append(0)
    return bytes(canonical)


def var_int(n: int) -> bytes:
    """lib0 signed varint (sign in bit 6 of the first byte)."""
    negative, n = n < 0, abs(n)
    first = (n & 0x3F) | (0x40 if negative else 0)
    n >>= 6
    out = bytearray([first | (0x80 if n else 0)])
    while n:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
    return bytes(out)


def var_bytes(data: bytes | str, vu: Callable[[int], bytes] = var_uint) -> bytes:
    data = data.encode() if isinstance(data, str) else data
    return vu(len(data)) + data


def any_value(value: Any) -> bytes:
    """lib0 ``any`` encoding of a Python value."""
    if value is None:
        return bytes([NULL])
    if value is True:
        return bytes([TRUE])
    if value is False:
        return bytes([FALSE])
    if isinstance(value, int):
        return bytes([INTEGER]) + var_int(value)
    if isinstance(value, float):
        import struct

        return bytes([FLOAT64]) + struct.pack(">d", value)
    if isinstance(value, str):
        return bytes([STR]) + var_bytes(value)
    if isinstance(value, bytes):
        return bytes([BUF]) + var_bytes(value)
    if isinstance(value, dict):
        body = b"".join(var_bytes(k) + any_value(v) for k, v in value.items())
        return bytes([OBJECT]) + var_uint(len(value)) + body
    return bytes([ARRAY]) + var_uint(len(value)) + b"".join(any_value(v) for v in value)


def nested_any(depth: int, kind: str = "array") -> bytes:
    """``depth`` arrays (2 bytes each) or maps (3 bytes) nested, null innermost."""
    if kind == "array":
        return bytes([ARRAY, 1]) * depth + bytes([NULL])
    if kind == "map":
        return bytes([OBJECT, 1, 0]) * depth + bytes([NULL])
    pair = bytes([ARRAY, 1, OBJECT, 1, 1]) + b"k"
    return pair * (depth // 2) + bytes([NULL])


# --- Yjs v1 structs -----------------------------------------------------------------------

Id = tuple[int, int]


def item(
    kind: int,
    content: bytes,
    *,
    origin: Id | None = None,
    right: Id | None = None,
    parent: str | Id = TEXT,
    parent_sub: str | None = None,
    vu: Callable[[int], bytes] = var_uint,
) -> bytes:
    """One item struct; ``parent`` (a root name or an item id) only without origins."""
    info = kind | (0x80 if origin else 0) | (0x40 if right else 0)
    if parent_sub is not None and not (origin or right):
        info |= 0x20
    out = bytearray([info])
    if origin:
        out += vu(origin[0]) + vu(origin[1])
    if right:
        out += vu(right[0]) + vu(right[1])
    if not (origin or right):
        if isinstance(parent, str):
            out += vu(1) + var_bytes(parent, vu)
        else:
            out += vu(0) + vu(parent[0]) + vu(parent[1])
        if parent_sub is not None:
            out += var_bytes(parent_sub, vu)
    return bytes(out) + content


def string_item(text: str, vu: Callable[[int], bytes] = var_uint, **where) -> bytes:
    return item(STRING, var_bytes(text, vu), vu=vu, **where)


def any_item(values: list[bytes], vu: Callable[[int], bytes] = var_uint, **where) -> bytes:
    return item(ANY, vu(len(values)) + b"".join(values), vu=vu, **where)


def type_item(type_ref: int, name: str | None = None, **where) -> bytes:
    return item(TYPE, var_uint(type_ref) + (var_bytes(name) if name is not None else b""), **where)


def gc_struct(length: int, vu: Callable[[int], bytes] = var_uint) -> bytes:
    return bytes([GC]) + vu(length)


def skip_struct(length: int, vu: Callable[[int], bytes] = var_uint) -> bytes:
    return bytes([SKIP]) + vu(length)


Group = tuple[int, int, list[bytes]]  # client, first clock, structs
DeleteSet = list[tuple[int, list[tuple[int, int]]]]  # client, [(clock, length)]


def update(
    groups: list[Group], deletes: DeleteSet = (), vu: Callable[[int], bytes] = var_uint
) -> bytes:
    out = bytearray(vu(len(groups)))
    for client, clock, structs in groups:
        out += vu(len(structs)) + vu(client) + vu(clock) + b"".join(structs)
    out += vu(len(deletes))
    for client, ranges in deletes:
        out += vu(client) + vu(len(ranges))
        for clock, length in ranges:
            out += vu(clock) + vu(length)
    return bytes(out)


def sync_message(kind: int, body: bytes, vu: Callable[[int], bytes] = var_uint) -> bytes:
    """A y-protocols sync message (step 1: body is a state vector; else an update)."""
    return bytes([SYNC, kind]) + vu(len(body)) + body


def awareness_message(entries: list[tuple[int, int, bytes | str]]) -> bytes:
    body = var_uint(len(entries)) + b"".join(
        var_uint(c) + var_uint(k) + var_bytes(state) for c, k, state in entries
    )
    return bytes([AWARENESS]) + var_bytes(body)


def state_vector(entries: dict[int, int] | list[tuple[int, int]]) -> bytes:
    pairs = list(entries.items()) if isinstance(entries, dict) else entries
    return var_uint(len(pairs)) + b"".join(var_uint(c) + var_uint(k) for c, k in pairs)


def type_chain(client: int, depth: int, start: int = 0) -> bytes:
    """An update: ``depth`` Y.Array items of ``client`` from clock ``start``, each nested
    in the one before (the first in the text when ``start`` is 0)."""
    structs = []
    for clock in range(start, start + depth):
        structs.append(type_item(0, parent=(client, clock - 1)) if clock else type_item(0))
    return update([(client, start, structs)])


def sync_update(body: bytes) -> bytes:
    return sync_message(UPDATE, body)


# Builders a saved crasher may name (``{"$call": [name, *arguments]}``).
BUILDERS: dict[str, Callable[..., bytes]] = {
    "type_chain_update": lambda client, depth, start=0: sync_update(
        type_chain(client, depth, start)
    ),
    "many_clients_update": lambda first, count: sync_update(
        update([(first + i, 0, [string_item("c")]) for i in range(count)])
    ),
}


# --- messages and context -----------------------------------------------------------------


@dataclass
class Message:
    """One Socket.IO event the hostile client emits (asking an acknowledgement)."""

    event: str  # join, leave, sync, awareness
    args: list  # the event's arguments: usually [{"section": …, "data": bytes}]
    generator: str = ""
    note: str = ""  # what it is, in a few words

    @property
    def section(self) -> str | None:
        first = self.args[0] if self.args else None
        if isinstance(first, dict) and isinstance(first.get("section"), str):
            return first["section"]
        return None

    @property
    def data(self) -> bytes | None:
        first = self.args[0] if self.args else None
        if isinstance(first, dict) and isinstance(first.get("data"), bytes):
            return first["data"]
        return None

    def stores(self) -> bool:
        """Whether, if accepted, this message writes to the section (an update or step 2)."""
        data = self.data
        return (
            self.event == "sync"
            and data is not None
            and len(data) > 2
            and data[:2] in (b"\0\1", b"\0\2")
        )

    def to_json(self) -> dict:
        def plain(value):
            if isinstance(value, bytes):
                return {"$hex": value.hex()}
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value

        return {"generator": self.generator, "note": self.note, "event": self.event,
                "args": plain(self.args)}  # fmt: skip

    @classmethod
    def from_json(cls, saved: dict) -> Message:
        """The message of ``to_json``. Bytes are ``{"$hex": "…"}``, or for long regular
        ones ``{"$hex": [["…", repeat], …]}`` or ``{"$call": [builder, *arguments]}`` (one
        of ``BUILDERS``), so that a saved crasher stays small."""

        def raw(value):
            if isinstance(value, dict):
                if set(value) == {"$hex"}:
                    pieces = value["$hex"]
                    if isinstance(pieces, str):
                        return bytes.fromhex(pieces)
                    return b"".join(bytes.fromhex(piece) * count for piece, count in pieces)
                if set(value) == {"$call"}:
                    name, *arguments = value["$call"]
                    return BUILDERS[name](*arguments)
                return {k: raw(v) for k, v in value.items()}
            if isinstance(value, list):
                return [raw(v) for v in value]
            return value

        return cls(saved["event"], raw(saved["args"]), saved.get("generator", ""),
                   saved.get("note", ""))  # fmt: skip


@dataclass
class Context:
    """What the hostile member knows: its group's sections, the honest clients' ids and
    clocks (``clients``: client id → next clock), recent full states of the sections."""

    sections: list[str]
    foreign_sections: list[str] = field(default_factory=list)  # other groups, editions
    clients: dict[str, dict[int, int]] = field(default_factory=dict)  # section → {id: clock}
    states: dict[str, bytes] = field(default_factory=dict)
    client_id: int = 0x5EED
    max_message: int = MAX_MESSAGE
    # What earlier bursts left for later ones (e.g. a deep chain of types to delete).
    memory: dict = field(default_factory=dict)
    # A real edit of a section, made elsewhere (the fuzzer keeps pycrdt documents out of its
    # own process): (section, client id or None for the hostile's own, where as a fraction
    # of the text, text to insert, characters to delete) -> (update, client id).
    edit: Callable[[str, int | None, float, str, int], tuple[bytes, int]] | None = None

    def section(self, rng: random.Random) -> str:
        return rng.choice(self.sections)

    def honest(self, rng: random.Random, section: str | None = None) -> tuple[int, int]:
        """An honest client id of the section (of any, without one) and its next clock,
        made up if none is known yet."""
        if section is not None:
            known = self.clients.get(section, {})
        else:
            known = {c: k for clients in self.clients.values() for c, k in clients.items()}
        if known:
            client = rng.choice(sorted(known))
            return client, known[client]
        return 1_000_001, 0

    def random_client(self, rng: random.Random) -> int:
        return rng.getrandbits(rng.choice((8, 16, 32, 32, 32)))


def _sync(section: str, data: bytes, generator: str, note: str = "", event: str = "sync"):
    return Message(event, [{"section": section, "data": data}], generator, note)


def _valid_update(
    rng: random.Random,
    ctx: Context,
    section: str,
    size: int | None = None,
    client: int | None = None,
) -> tuple[bytes, int]:
    """A real edit (pycrdt) on top of the section's last known state: (update, client)."""
    fraction = rng.random()
    if size is None:
        value = rng.choice(("x", "hostile ", "é😀", "\n\n# titre\n", "a" * rng.randint(1, 300)))
        delete = rng.randint(1, 5) if rng.random() < 0.3 else 0
    else:
        value, delete = "z" * size, 0
    if ctx.edit is not None:
        own = client is None and rng.random() < 0.7
        return ctx.edit(section, None if own else client or rng.getrandbits(31) + 1,
                        fraction, value, delete)  # fmt: skip
    if client is None:
        client = ctx.client_id if rng.random() < 0.5 else rng.getrandbits(31) + 1
    doc = Doc(client_id=client)
    if state := ctx.states.get(section):
        doc.apply_update(state)
    text = doc.get(TEXT, type=Text)
    before = doc.get_state()
    current = str(text)
    at = len(current[: int(len(current) * fraction)].encode())
    with doc.transaction():
        text.insert(at, value)
        if current and delete:
            del text[at : at + delete]
    return doc.get_update(before), doc.client_id


# --- generators ---------------------------------------------------------------------------


def random_bytes(rng: random.Random, ctx: Context) -> list[Message]:
    """Random bytes as the data of a sync or awareness event, some with a valid prefix."""
    body = rng.randbytes(rng.choice((0, 1, 2, 3, 8, 64, 512, 4096)))
    prefix = rng.choice((b"", b"\0", b"\0\0", b"\0\1", b"\0\2", b"\1", b"\2", b"\xff"))
    event = "awareness" if rng.random() < 0.25 else "sync"
    return [_sync(ctx.section(rng), prefix + body, "random_bytes", f"{len(body)} B", event)]


def random_update(rng: random.Random, ctx: Context) -> list[Message]:
    """Random bytes framed as an update (or step 2): they reach the Yjs decoder."""
    body = rng.randbytes(rng.choice((1, 2, 5, 16, 100, 1000, 20_000)))
    return [_sync(ctx.section(rng), sync_message(rng.choice((STEP2, UPDATE)), body),
                  "random_update", f"{len(body)} B")]  # fmt: skip


def mutated_update(rng: random.Random, ctx: Context) -> list[Message]:
    """A valid update (pycrdt) with bit flips, truncation, garbage, huge or long varints."""
    section = ctx.section(rng)
    data = bytearray(_valid_update(rng, ctx, section)[0])
    how = rng.choice(("flip", "flip", "truncate", "append", "insert", "huge", "long", "splice"))
    if how == "flip":
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif how == "truncate":
        del data[rng.randrange(1, len(data)) :]
    elif how == "append":
        data += rng.randbytes(rng.randint(1, 64))
    elif how == "insert":
        at = rng.randrange(len(data))
        data[at:at] = rng.randbytes(rng.randint(1, 16))
    elif how == "huge":  # one byte replaced by a huge varint
        at = rng.randrange(len(data))
        data[at : at + 1] = var_uint(rng.choice(ABSURD_CLOCKS))
    elif how == "long":  # one byte replaced by a 10+ byte varint of the same value
        at = rng.randrange(len(data))
        if data[at] < 0x80:
            data[at : at + 1] = overlong_uint(data[at], rng.choice((10, 11, 16, 40)))
    else:  # a random slice repeated
        a = rng.randrange(len(data))
        b = min(len(data), a + rng.randint(1, 32))
        data[b:b] = data[a:b] * rng.randint(1, 50)
    message = sync_message(rng.choice((UPDATE, UPDATE, STEP2)), bytes(data))
    return [_sync(section, message, "mutated_update", how)]


def long_varints(rng: random.Random, ctx: Context) -> list[Message]:
    """A well-formed insert whose varints are all 10+ bytes long (or one past 2^64)."""
    client = ctx.random_client(rng)
    width = rng.choice((10, 11, 12, 20))

    def vu(n: int) -> bytes:
        return overlong_uint(n, width)

    body = update([(client, 0, [string_item("long", vu)])], vu=vu)
    if rng.random() < 0.3:  # the update's own length too
        return [_sync(ctx.section(rng), sync_message(UPDATE, body, vu), "long_varints", "frame")]
    return [_sync(ctx.section(rng), sync_message(UPDATE, body), "long_varints", f"{width} B")]


def deep_any(rng: random.Random, ctx: Context) -> list[Message]:
    """lib0 ``any`` content nested very deep (100,000 arrays: SIGSEGV in yrs' decoder)."""
    kind = rng.choice(("array", "array", "map", "mixed"))
    depth = rng.choice((1_000, 10_000, 30_000, 50_000, 65_000, 100_000))
    per_level = {"array": 2, "map": 3, "mixed": 2.5}[kind]
    depth = min(depth, int((ctx.max_message - 200) / per_level))
    value = nested_any(depth, kind)
    where = rng.choice(("text", "map"))
    structs = [
        any_item([value]) if where == "text" else any_item([value], parent="meta", parent_sub="k")
    ]
    body = update([(ctx.random_client(rng), 0, structs)])
    return [
        _sync(ctx.section(rng), sync_message(UPDATE, body), "deep_any", f"{kind} {depth} {where}")
    ]


def deep_json(rng: random.Random, ctx: Context) -> list[Message]:
    """Deeply nested JSON in embed, format and JSON contents (serde_json's recursion limit)."""
    depth = rng.choice((200, 5_000, 100_000))
    nested = "[" * depth + "]" * depth
    kind = rng.choice((EMBED, FORMAT, JSON))
    if kind == EMBED:
        content = var_bytes(nested)
    elif kind == FORMAT:
        content = var_bytes("bold") + var_bytes(nested)
    else:
        content = var_uint(1) + var_bytes(nested)
    body = update([(ctx.random_client(rng), 0, [item(kind, content)])])
    return [
        _sync(ctx.section(rng), sync_message(UPDATE, body), "deep_json", f"kind {kind} {depth}")
    ]


def deep_types(rng: random.Random, ctx: Context) -> list[Message]:
    """A chain of nested Y types (each item's parent is the previous one), as deep as fits
    in a message; later bursts extend it or delete its root (deletion recurses)."""
    chain = ctx.memory.get("chain")
    section = chain["section"] if chain else ctx.section(rng)
    if chain and rng.random() < 0.5:  # delete the root: its children go, recursively
        client = ctx.memory.pop("chain")["client"]
        body = update([], [(client, [(0, 1)])])
        return [_sync(section, sync_message(UPDATE, body), "deep_types", "delete root")]
    if chain is None:
        chain = ctx.memory["chain"] = {"section": section, "client": rng.randint(2, 120),
                                       "length": 0}  # fmt: skip
    client, start = chain["client"], chain["length"]
    count = (ctx.max_message - 64) // 8
    chain["length"] = start + count
    body = type_chain(client, count, start)
    note = f"chain {start}..{start + count}"
    return [_sync(section, sync_message(UPDATE, body), "deep_types", note)]


def absurd_clocks(rng: random.Random, ctx: Context) -> list[Message]:
    """Structs at clocks near 2^32, 2^53, 2^63, 2^64 - 1, or from absurd client ids."""
    clock = rng.choice((*ABSURD_CLOCKS, 0))
    client = rng.choice(ABSURD_CLIENTS) if rng.random() < 0.5 else ctx.random_client(rng)
    text = rng.choice(("abc", "x", "😀", "y" * 100))
    structs = [string_item(text)]
    if rng.random() < 0.3:  # a second struct from the same client: clock + len overflows
        structs.append(string_item("tail", origin=(client, clock + len(text) - 1)))
    deletes = []
    if rng.random() < 0.3:
        deletes = [(client, [(clock, rng.choice((1, 3, 2**32, 2**64 - 1)))])]
    body = update([(client, clock, structs)], deletes)
    return [_sync(ctx.section(rng), sync_message(UPDATE, body), "absurd_clocks",
                  f"client {client} clock {clock}")]  # fmt: skip


def unknown_origin(rng: random.Random, ctx: Context) -> list[Message]:
    """Items whose origin, right origin or parent names ids nobody wrote (pending)."""
    section = ctx.section(rng)
    client = ctx.random_client(rng)
    honest, next_clock = ctx.honest(rng, section)
    target = rng.choice(
        ((rng.getrandbits(32), rng.randint(0, 10)), (honest, next_clock + rng.randint(0, 1000)),
         (client, 5), (rng.choice(ABSURD_CLIENTS), rng.choice(ABSURD_CLOCKS)))
    )  # fmt: skip
    where = rng.choice(("origin", "right", "both", "parent"))
    if where == "origin":
        struct = string_item("?", origin=target)
    elif where == "right":
        struct = string_item("?", right=target)
    elif where == "both":
        struct = string_item("?", origin=target, right=(target[0], target[1] + 1))
    else:
        struct = string_item("?", parent=target)
    body = update([(client, 0, [struct])])
    return [_sync(section, sync_message(UPDATE, body), "unknown_origin", where)]


def parent_is_item(rng: random.Random, ctx: Context) -> list[Message]:
    """An item whose parent is an honest client's existing text item (not a type): a fresh
    document only sees a missing dependency, the section's own one refuses it."""
    section = ctx.section(rng)
    honest, next_clock = ctx.honest(rng, section)
    clock = rng.randrange(max(1, next_clock))
    kind = rng.choice(("string", "type", "any"))
    if kind == "string":
        struct = string_item("child", parent=(honest, clock))
    elif kind == "type":
        struct = type_item(1, parent=(honest, clock))
    else:
        struct = any_item([any_value("child")], parent=(honest, clock), parent_sub="k")
    body = update([(ctx.random_client(rng), 0, [struct])])
    return [_sync(section, sync_message(UPDATE, body), "parent_is_item",
                  f"{kind} under {honest}#{clock}")]  # fmt: skip


def split_inside(rng: random.Random, ctx: Context) -> list[Message]:
    """An insert after the first half of a surrogate pair, or between the bytes of a
    multi-byte character, of text the same burst writes."""
    client = ctx.random_client(rng)
    text = rng.choice(("😀😀", "é😀e", "👩‍👩‍👧", "a😀"))
    first = string_item(text)
    offset = rng.randint(0, 3)
    second = string_item("|", origin=(client, offset), right=(client, offset + 1))
    return [
        _sync(ctx.section(rng), sync_message(UPDATE, update([(client, 0, [first, second])])),
              "split_inside", f"{text!r} at {offset}")
    ]  # fmt: skip


def delete_past_end(rng: random.Random, ctx: Context) -> list[Message]:
    """Delete sets past what exists, overlapping, overflowing, or for honest clients."""
    section = ctx.section(rng)
    honest, next_clock = ctx.honest(rng, section)
    client = rng.choice((honest, honest, ctx.random_client(rng), rng.choice(ABSURD_CLIENTS)))
    ranges = []
    for _ in range(rng.choice((1, 1, 2, 50, 5000))):
        clock = rng.choice((0, next_clock, next_clock + 1, rng.choice(ABSURD_CLOCKS)))
        length = rng.choice((0, 1, 10, 2**32, 2**63, 2**64 - 1))
        ranges.append((clock, length))
    body = update([], [(client, ranges)])
    return [_sync(section, sync_message(UPDATE, body), "delete_past_end",
                  f"{len(ranges)} ranges of {client}")]  # fmt: skip


def foreign_client(rng: random.Random, ctx: Context) -> list[Message]:
    """Text under a client id an honest member uses: at its next clock (the honest edit
    that follows is then a duplicate) or ahead of it."""
    section = ctx.section(rng)
    honest, next_clock = ctx.honest(rng, section)
    clock = next_clock + rng.choice((0, 0, 0, 1, 50))
    structs = [string_item(rng.choice(("ZZ", "usurpé ", "!" * 40)))]
    body = update([(honest, clock, structs)])
    return [_sync(section, sync_message(UPDATE, body), "foreign_client", f"{honest}#{clock}")]


def huge_edit(rng: random.Random, ctx: Context) -> list[Message]:
    """An insert just under or just over the message limit, then (if under) its deletion."""
    section = ctx.section(rng)
    over = rng.random() < 0.5
    target = (
        ctx.max_message + rng.randint(1, 64) if over else ctx.max_message - rng.randint(40, 200)
    )
    client, size = rng.getrandbits(31) + 1, target - 100
    for _ in range(3):  # the framing's varints grow with the size: converge on the target
        update_bytes, _ = _valid_update(rng, ctx, section, size=size, client=client)
        size += target - len(create_update_message(update_bytes))
    update_bytes, _ = _valid_update(rng, ctx, section, size=size, client=client)
    message = create_update_message(update_bytes)
    burst = [_sync(section, message, "huge_edit", f"{len(message)} B insert")]
    if not over:
        # Delete what was inserted: the insert's own ids (its clocks end at the state's).
        reader = Reader(get_state(update_bytes))
        vector = {reader.var_uint(): reader.var_uint() for _ in range(reader.var_uint())}
        deletes = [(client, [(vector[client] - size, size)])]
        burst.append(
            _sync(section, sync_message(UPDATE, update([], deletes)), "huge_edit", "delete")
        )
    return burst


def many_structs(rng: random.Random, ctx: Context) -> list[Message]:
    """Tens of thousands of tiny structs, clients or delete ranges in one message."""
    count = rng.choice((10_000, 40_000))
    shape = rng.choice(("structs", "clients", "deletes"))
    client = ctx.random_client(rng)
    if shape == "structs":
        structs = [string_item("a")] + [string_item("b", origin=(client, i)) for i in range(count)]
        body = update([(client, 0, structs)])
    elif shape == "clients":
        count //= 4
        body = update([(client + i + 1, 0, [string_item("c")]) for i in range(count)])
    else:
        body = update([], [(client, [(2 * i, 1) for i in range(count)])])
    body = body[: ctx.max_message - 16]  # may cut the last struct: fine either way
    return [_sync(ctx.section(rng), sync_message(UPDATE, body), "many_structs", f"{count} {shape}")]


def huge_counts(rng: random.Random, ctx: Context) -> list[Message]:
    """A few bytes announcing millions of client groups, structs, ranges, array items or a
    huge string: a decoder that allocates before reading grows by hundreds of MB."""
    count = rng.choice((2**20, 2**24, 2**26, 2**28, 2**29, 2**31, 2**32 + 5))
    where = rng.choice(("groups", "structs", "deletes", "ranges", "any", "string"))
    client = ctx.random_client(rng)
    if where == "groups":
        body = var_uint(count)
    elif where == "structs":
        body = var_uint(1) + var_uint(count) + var_uint(client) + var_uint(0)
    elif where == "deletes":
        body = var_uint(0) + var_uint(count)
    elif where == "ranges":
        body = var_uint(0) + var_uint(1) + var_uint(client) + var_uint(count)
    elif where == "any":
        body = update([(client, 0, [item(ANY, var_uint(1) + bytes([ARRAY]) + var_uint(count))])])
    else:
        body = update([(client, 0, [item(STRING, var_uint(count) + b"abc")])])
    return [_sync(ctx.section(rng), sync_message(UPDATE, body), "huge_counts", f"{where} {count}")]


def odd_contents(rng: random.Random, ctx: Context) -> list[Message]:
    """Content kinds a text does not expect: formats, embeds, types, sub-documents, keys."""
    client = ctx.random_client(rng)
    choice = rng.randrange(10)
    if choice == 0:
        struct = item(FORMAT, var_bytes("bold") + var_bytes(rng.choice(("true", "null", "{}"))))
    elif choice == 1:
        struct = item(EMBED, var_bytes(json.dumps({"image": "x" * rng.randint(0, 100)})))
    elif choice == 2:
        struct = type_item(rng.randint(0, 12), "p" if rng.random() < 0.5 else None)
    elif choice == 3:
        struct = item(DOC, var_bytes("guid-" + str(rng.random())) + any_value({"gc": True}))
    elif choice == 4:
        struct = string_item("sub", parent_sub=rng.choice(("k", "", "markdown")))
    elif choice == 5:
        struct = item(BINARY, var_bytes(rng.randbytes(rng.randint(0, 100))))
    elif choice == 6:
        struct = item(DELETED, var_uint(rng.choice((1, 1000, 2**32, 2**63))))
    elif choice == 7:
        struct = string_item("other root", parent=rng.choice(("", "x" * 1000, "markdown\n", "é")))
    elif choice == 8:
        struct = item(rng.randint(11, 31), rng.randbytes(8))  # unknown content kinds
    else:
        struct = any_item([any_value(v) for v in (2**70, -(2**70), 1.5, "s", b"b", None, [], {})])
    body = update([(client, 0, [struct])])
    return [_sync(ctx.section(rng), sync_message(UPDATE, body), "odd_contents", f"case {choice}")]


def gc_and_skip(rng: random.Random, ctx: Context) -> list[Message]:
    """GC and Skip structs with absurd lengths, then an item after them."""
    client = ctx.random_client(rng)
    length = rng.choice((0, 1, 2**31, 2**32, 2**53, 2**63, 2**64 - 1))
    first = gc_struct(length) if rng.random() < 0.5 else skip_struct(length)
    tail = [string_item("after")] if rng.random() < 0.7 else []
    body = update([(client, rng.choice((0, 2**32 - 1, 2**64 - 2)), [first, *tail])])
    return [_sync(ctx.section(rng), sync_message(UPDATE, body), "gc_and_skip", f"len {length}")]


def bad_step1(rng: random.Random, ctx: Context) -> list[Message]:
    """Sync step 1 with absurd state vectors (the server answers with what we lack)."""
    section = ctx.section(rng)
    honest, next_clock = ctx.honest(rng, section)
    choice = rng.randrange(5)
    if choice == 0:
        vector = state_vector({honest: rng.choice(ABSURD_CLOCKS)})
    elif choice == 1:
        vector = state_vector([(rng.choice(ABSURD_CLIENTS), rng.choice(ABSURD_CLOCKS))] * 3)
    elif choice == 2:
        vector = var_uint(rng.choice((2**20, 2**40))) + var_uint(honest) + var_uint(1)
    elif choice == 3:
        vector = rng.randbytes(rng.randint(0, 40))
    else:
        vector = state_vector({honest: max(0, next_clock - 1)}) + b"\xff" * 3
    return [_sync(section, sync_message(STEP1, vector), "bad_step1", f"case {choice}")]


def awareness_garbage(rng: random.Random, ctx: Context) -> list[Message]:
    """Awareness: bad JSON, huge states, absurd clocks, spoofed users and client ids."""
    section = ctx.section(rng)
    honest, _ = ctx.honest(rng, section)
    choice = rng.randrange(9)
    if choice == 0:
        data = awareness_message([(ctx.client_id, 1, "{not json")])
    elif choice == 1:
        state = json.dumps({"user": {"name": "x" * (ctx.max_message - 200)}})
        data = awareness_message([(ctx.client_id, 1, state)])
    elif choice == 2:
        data = awareness_message([(ctx.client_id, rng.choice(ABSURD_CLOCKS), "{}")])
    elif choice == 3:  # somebody else's awareness client, name and colour
        state = json.dumps({"user": {"name": "Ibrahim Keïta", "color": "#f00"}})
        data = awareness_message([(honest, rng.choice((0, 1, 10**6)), state)])
    elif choice == 4:  # their client goes away (state null)
        data = awareness_message([(honest, 10**6, "null")])
    elif choice == 5:
        data = bytes([AWARENESS]) + var_bytes(var_uint(2**40) + b"\x01\x01")  # count lies
    elif choice == 6:
        data = awareness_message([(c, 1, "{}") for c in range(5000)])
    elif choice == 7:
        data = bytes([AWARENESS]) + var_bytes(
            var_uint(1) + var_uint(1) + var_uint(1) + b"\x02\xff\xfe"
        )
    else:
        data = bytes([AWARENESS]) + rng.randbytes(rng.randint(0, 64))
    return [_sync(section, data, "awareness_garbage", f"case {choice}", "awareness")]


def wrong_payload(rng: random.Random, ctx: Context) -> list[Message]:
    """Arguments of the wrong type or shape, section names that are not quite right."""
    section = ctx.section(rng)
    valid = create_update_message(_valid_update(rng, ctx, section)[0])
    event = rng.choice(("join", "sync", "sync", "awareness", "leave"))
    choice = rng.randrange(16)
    cases: list[tuple[list, str]] = [
        (["a string"], "string"),
        ([42], "number"),
        ([[section, valid]], "list"),
        ([], "no argument"),
        ([{"section": section, "data": valid}, "extra"], "two arguments"),
        ([{"data": valid}], "no section"),
        ([{"section": section + "\n", "data": valid}], "trailing newline"),
        ([{"section": section.upper(), "data": valid}], "upper case"),
        ([{"section": None, "data": valid}], "section null"),
        ([{"section": {"$ne": 1}, "data": valid}], "section object"),
        ([{"section": section, "data": valid.hex()}], "data as text"),
        ([{"section": section, "data": list(valid)}], "data as list"),
        ([{"section": section, "data": 7}], "data as number"),
        ([{"section": "x/" * 5000, "data": valid}], "long section"),
        ([{"section": section.rsplit("/", 1)[0] + "/q999", "data": valid}], "no such key"),
        ([{"section": rng.choice(ctx.foreign_sections or [section]), "data": valid}],
         "foreign section"),
    ]  # fmt: skip
    args, note = cases[choice]
    return [Message(event, args, "wrong_payload", note)]


def valid_edit(rng: random.Random, ctx: Context) -> list[Message]:
    """A plain valid edit, a join or a leave-and-join: the baseline between the others."""
    section = ctx.section(rng)
    if rng.random() < 0.1:
        return [Message("join", [{"section": section}], "valid_edit", "join")]
    update_bytes, _ = _valid_update(rng, ctx, section)
    return [_sync(section, create_update_message(update_bytes), "valid_edit", "edit")]


GENERATORS: dict[str, tuple[Callable[[random.Random, Context], list[Message]], float]] = {
    "random_bytes": (random_bytes, 6),
    "random_update": (random_update, 8),
    "mutated_update": (mutated_update, 20),
    "long_varints": (long_varints, 3),
    "deep_any": (deep_any, 2),
    "deep_json": (deep_json, 2),
    "deep_types": (deep_types, 1),
    "absurd_clocks": (absurd_clocks, 6),
    "unknown_origin": (unknown_origin, 5),
    "parent_is_item": (parent_is_item, 2),
    "split_inside": (split_inside, 3),
    "delete_past_end": (delete_past_end, 5),
    "foreign_client": (foreign_client, 3),
    "huge_edit": (huge_edit, 1),
    "many_structs": (many_structs, 1),
    "huge_counts": (huge_counts, 2),
    "odd_contents": (odd_contents, 5),
    "gc_and_skip": (gc_and_skip, 4),
    "bad_step1": (bad_step1, 4),
    "awareness_garbage": (awareness_garbage, 8),
    "wrong_payload": (wrong_payload, 8),
    "valid_edit": (valid_edit, 5),
}


def pick(rng: random.Random, enabled: list[str] | None = None) -> str:
    names = enabled if enabled is not None else list(GENERATORS)
    return rng.choices(names, weights=[GENERATORS[n][1] for n in names])[0]
