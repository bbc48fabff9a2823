"""Where a comment or a suggestion is in a section's text: Yjs relative positions.

A browser anchors a passage with two ``Y.encodeRelativePosition`` byte strings (sent in
base64): each names the character it sticks to by its Yjs id (client, clock) and a side
(``assoc`` ≥ 0: before that character, < 0: after it), or the start or end of the text.
Ids never change, so the anchor follows the text whoever edits it, offline included, and
a browser resolves it with Yjs alone. The server resolves it here, against the section's
document, to know where the passage is now and whether it still exists.

Client bytes reach yrs: they are bounded and read in pure Python first (``parse``), and
pycrdt's ``StickyIndex.decode`` (which must agree) runs inside a guard that turns any
exception, pyo3's ``PanicException`` included, into ``BadInput``.

Why not ``StickyIndex.get_index``: in pycrdt 0.14.13 it counts the characters of the
items before the anchor in UTF-8 bytes but the offset inside the anchor's own item in
UTF-16 units, so any accent before the anchor in the same item shifts it. ``resolve``
uses only what yrs computes exactly — the offset of a *deleted* character (the live bytes
before it) and the byte positions a deletion event reports — on throwaway copies of the
document: every anchored character is deleted at once in a copy, whose event gives each
one's place; characters that end up side by side (one run of the event) are told apart by
further copies, each deleting one of them. ``tests/review/test_anchors.py`` checks it
against Yjs's own ``createAbsolutePositionFromRelativePosition`` on random documents.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from flask_babel import gettext as _
from pycrdt import Doc, Snapshot, StickyIndex, Text

from app.collaboration.sync import TEXT
from app.collaboration.yupdate import Reader, UpdateFormatError, halves_of, state_vector
from app.core.errors import BadInput

MAX_ANCHOR_BYTES = 64  # an id and a side take at most 20; the root's name, 11
MAX_ANCHOR_TEXT = 96  # its base64
T = TypeVar("T")


@dataclass(frozen=True)
class Anchor:
    """A position: the character ``(client, clock)`` and a side, or (``client`` None) the
    start (``assoc`` < 0) or the end (``assoc`` ≥ 0) of the text."""

    client: int | None
    clock: int | None
    assoc: int  # 0: before the character, -1: after it

    @property
    def before(self) -> bool:
        return self.assoc >= 0


@dataclass(frozen=True)
class Place:
    """Where an anchor is now: ``index`` in code points of the section's text; ``live``:
    what it sticks to is still there (False once its character is deleted; the text's
    start and end always are)."""

    index: int
    live: bool


def _guard(work: Callable[[], T]) -> T:
    """Run a pycrdt call; whatever it raises (a Rust panic is a BaseException) is refused."""
    try:
        return work()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:
        raise BadInput(_("This position in the text cannot be read.")) from error


# --- bytes ----------------------------------------------------------------------------------


def _var_uint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        if not value:
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def _var_int(value: int) -> bytes:
    """lib0's signed varint (``assoc``): sign in the first byte's 0x40 bit."""
    magnitude = abs(value)
    first = (magnitude & 0x3F) | (0x40 if value < 0 else 0)
    magnitude >>= 6
    if not magnitude:
        return bytes([first])
    return bytes([first | 0x80]) + _var_uint(magnitude)


def encode(anchor: Anchor) -> bytes:
    """``Y.encodeRelativePosition``'s bytes for ``anchor``."""
    if anchor.client is None:
        name = TEXT.encode()
        head = _var_uint(1) + _var_uint(len(name)) + name
    else:
        head = _var_uint(0) + _var_uint(anchor.client) + _var_uint(anchor.clock)
    return head + _var_int(anchor.assoc)


def to_text(anchor: Anchor) -> str:
    return base64.b64encode(encode(anchor)).decode("ascii")


def decode(data: bytes) -> Anchor:
    """Read stored or received bytes (bounded, in Python; then pycrdt must agree)."""
    if not isinstance(data, bytes) or not 0 < len(data) <= MAX_ANCHOR_BYTES:
        raise BadInput(_("This position in the text cannot be read."))
    reader = Reader(data)
    try:
        tag = reader.var_uint()
        if tag == 0:
            client, clock = reader.client(), reader.clock()
        elif tag == 1 and reader.string() == TEXT:
            client = clock = None
        else:  # a nested type (2), another root, or not a position at all
            raise UpdateFormatError("not a position in the section's text")
        assoc = reader.var_int() if reader.pos < len(data) else 0
        if reader.pos != len(data):
            raise UpdateFormatError("bytes after the position")
    except UpdateFormatError:
        raise BadInput(_("This position in the text cannot be read.")) from None
    read = _guard(lambda: StickyIndex.decode(data).to_json())
    item = read.get("item") or {}
    if (item.get("client"), item.get("clock")) != (client, clock) or (
        client is None and read.get("tname") != TEXT
    ):
        raise BadInput(_("This position in the text cannot be read."))
    return Anchor(client, clock, 0 if assoc >= 0 else -1)


def parse(value) -> Anchor:
    """A position as a client sends it: base64 of ``Y.encodeRelativePosition``."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ANCHOR_TEXT:
        raise BadInput(_("This position in the text cannot be read."))
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise BadInput(_("This position in the text cannot be read.")) from None
    return decode(data)


# --- places ---------------------------------------------------------------------------------


def _delete_update(units: dict[int, list[tuple[int, int]]]) -> bytes:
    """A Yjs update deleting these ranges (client → [(clock, length)]) and nothing else."""
    out = bytearray(_var_uint(0) + _var_uint(len(units)))
    for client, ranges in units.items():
        out += _var_uint(client) + _var_uint(len(ranges))
        for clock, length in sorted(ranges):
            out += _var_uint(clock) + _var_uint(length)
    return bytes(out)


def _deleted(doc: Doc) -> dict[int, list[tuple[int, int]]]:
    """The document's delete set (a snapshot is its delete set, then its state vector)."""
    reader = Reader(Snapshot.from_doc(doc).encode())
    found: dict[int, list[tuple[int, int]]] = {}
    for _client in range(reader.count()):
        ranges = found.setdefault(reader.client(), [])
        for _range in range(reader.count()):
            ranges.append((reader.clock(), reader.clock()))
    return found


def _copy(state: bytes) -> tuple[Doc, Text]:
    doc = Doc()
    doc.apply_update(state)
    return doc, doc.get(TEXT, type=Text)


def _offset_of_deleted(text: Text, client: int, clock: int) -> int:
    """Bytes of live text before a deleted character (exact: see the module's docstring)."""
    position = {"item": {"client": client, "clock": clock}, "assoc": 0}
    return StickyIndex.from_json(position, text).get_index()


def _deletion_runs(state: bytes, keys: Iterable[tuple[int, int]], width) -> tuple:
    """Delete these characters in a copy: the runs its event reports, [(byte start in the
    document, byte length, byte start in the copy)], and the copy's text."""
    doc, text = _copy(state)
    deltas: list = []
    subscription = text.observe(lambda event: deltas.append(event.delta))
    units: dict[int, list[tuple[int, int]]] = {}
    for client, clock in keys:
        units.setdefault(client, []).append((clock, width(client, clock)))
    doc.apply_update(_delete_update(units))
    text.unobserve(subscription)
    runs, position, removed = [], 0, 0
    for delta in deltas:
        for op in delta:
            if "retain" in op:
                position += op["retain"]
            elif "delete" in op:
                runs.append((position, op["delete"], position - removed))
                position += op["delete"]
                removed += op["delete"]
    return runs, text


def _live_starts(state: bytes, keys: set[tuple[int, int]], width) -> dict[tuple[int, int], int]:
    """The byte offset of each of these live characters in the document."""
    starts: dict[tuple[int, int], int] = {}
    groups: list[tuple[tuple[int, int], list[tuple[int, int]]]] = []  # (run, its characters)
    runs, text = _deletion_runs(state, keys, width)
    by_copy_start = {run[2]: run for run in runs}
    together: dict[int, list[tuple[int, int]]] = {}
    for key in keys:
        together.setdefault(_offset_of_deleted(text, *key), []).append(key)
    for copy_start, members in together.items():
        run = by_copy_start[copy_start]
        if len(members) == 1:
            starts[members[0]] = run[0]
        else:
            groups.append(((run[0], run[0] + run[1]), sorted(members)))
    while groups:  # side by side: one of each run at a time, then it is alone in its run
        runs, _text = _deletion_runs(state, [members[0] for _run, members in groups], width)
        for (low, high), members in groups:
            starts[members[0]] = next(start for start, _n, _c in runs if low <= start < high)
        groups = [(run, members[1:]) for run, members in groups if len(members) > 1]
    return starts


def resolve(state: bytes, anchors: Iterable[Anchor]) -> dict[Anchor, Place | None]:
    """Where each anchor is in the document whose full update is ``state``; None for one
    naming a character the document does not have (yet)."""
    anchors = set(anchors)
    doc, text = _guard(lambda: _copy(state))
    encoded = str(text).encode("utf-8")
    known = state_vector(doc.get_state())
    deleted = _deleted(doc)
    halves = halves_of(state)

    def index(offset: int) -> int:
        return len(encoded[:offset].decode("utf-8", errors="ignore"))

    def width(client: int, clock: int) -> int:
        return 2 if clock + 1 in halves.get(client, ()) else 1

    places: dict[Anchor, Place | None] = {}
    live: dict[tuple[int, int], list[Anchor]] = {}
    for anchor in anchors:
        if anchor.client is None:
            places[anchor] = Place(index(len(encoded)) if anchor.before else 0, True)
            continue
        if anchor.clock >= known.get(anchor.client, 0):
            places[anchor] = None
            continue
        # The second unit of a character outside the BMP: the character is its first.
        first = anchor.clock - (1 if anchor.clock in halves.get(anchor.client, ()) else 0)
        if any(c <= first < c + n for c, n in deleted.get(anchor.client, ())):
            offset = _guard(lambda a=anchor, f=first: _offset_of_deleted(text, a.client, f))
            places[anchor] = Place(index(offset), False)
        else:
            live.setdefault((anchor.client, first), []).append(anchor)
    if live:
        starts = _guard(lambda: _live_starts(state, set(live), width))
        for (client, first), found in live.items():
            start = index(starts[(client, first)])
            for anchor in found:
                inside = anchor.clock != first  # names the second half: after the character
                places[anchor] = Place(start if anchor.before and not inside else start + 1, True)
    return places


def _right_origin(update: bytes) -> tuple[int, int]:
    """The right origin of the one item an update inserts (Yjs v1 layout)."""
    reader = Reader(update)
    reader.count()  # one client
    reader.count()  # one struct
    reader.client(), reader.clock()
    info = reader.byte()
    if info & 0x80:
        reader.client(), reader.clock()  # its left origin
    if not info & 0x40:
        raise UpdateFormatError("no right origin")
    return reader.client(), reader.clock()


def anchor_at(state: bytes, index: int, assoc: int = 0) -> Anchor:
    """The anchor a browser's Yjs would make at ``index`` (code points) of the document:
    on the character there (``assoc`` ≥ 0) or on the one before it (< 0). Found by
    inserting a character just before the one named, in a copy: yrs inserts past the
    deleted characters there, so its right origin is the id of the one named."""
    doc, text = _guard(lambda: _copy(state))
    current = str(text)
    index = max(0, min(index, len(current)))
    if assoc < 0 and index == 0:
        return Anchor(None, None, -1)
    if assoc >= 0 and index == len(current):
        return Anchor(None, None, 0)
    at = index if assoc >= 0 else index - 1  # the character named
    before = doc.get_state()
    text.insert(len(current[:at].encode("utf-8")), "\ue000")
    client, clock = _right_origin(doc.get_update(before))
    if assoc < 0 and ord(current[at]) > 0xFFFF:
        clock += 1  # Yjs names the last UTF-16 unit of the character before a position
    return Anchor(client, clock, 0 if assoc >= 0 else -1)
