"""Reading Yjs v1 updates in pure Python: bounded, before any byte reaches yrs.

Two uses. (1) Every update a client sends is walked here first (``parse_update``): its
nesting, counts and clocks are bounded, and what it depends on is listed, so that the bytes
that reach yrs (pycrdt) can neither overflow its stack, make it panic nor stay pending
(``app.collaboration.sync.check_update`` decides with it). (2) pycrdt applies and merges
updates but does not say which client inserted which part of a text: walking a merged
update yields, for every string item, its client id and its length in UTF-16 units (Yjs
clocks), and the delete set (``live_characters_by_client``). The format is public (Yjs
``UpdateEncoderV1``, lib0 encoding). Nothing here changes a document; anything unexpected
raises ``UpdateFormatError``.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field


class UpdateFormatError(ValueError):
    pass


# Bounds checked before any byte reaches yrs. yrs keeps clocks in 32 bits: a larger one is
# truncated, and clocks near 2^32 make it panic (divide by zero, index out of bounds, unwrap
# on None in block_store.rs: benchmarks/fuzz_collab/crashers). Clock plus length stay
# below 2^31, far from any wrap (no client makes two billion edits); a Yjs client's ids are
# 32-bit random numbers, and JavaScript cannot count past 2^53.
MAX_CLIENT = 2**53
MAX_CLOCK = 2**31 - 1
MAX_DEPTH = 32  # nesting of lib0 ``any`` values (yrs recurses: ~40,000 overflows its stack)
MAX_STRUCTS = 50_000  # structs, delete ranges or ``any`` values in one update
MAX_VARINT_BYTES = 8  # 56 bits: enough for 2^53
# String items in a row, each written right after the one before, that yrs squashes into
# one item as it applies them: it copies the text gathered so far at every step, and
# keeps the memory (n items of t units in all: about n·t/2 bytes; 20,000 one-letter items
# in a 123 KB message: 243 MB). Yjs clients squash such items before they send them.
MAX_RUN = 32

# Content kinds: the low 5 bits of a struct's info byte.
GC, DELETED, JSON_, BINARY, STRING, EMBED, FORMAT, TYPE, ANY, DOC, SKIP = range(11)


class Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise UpdateFormatError("unexpected end of update")
        value = self.data[self.pos]
        self.pos += 1
        return value

    def var_uint(self) -> int:
        value, shift = 0, 0
        for _ in range(MAX_VARINT_BYTES):
            byte = self.byte()
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
            shift += 7
        raise UpdateFormatError("varint too long")

    def var_int(self) -> int:
        byte = self.byte()
        negative = bool(byte & 0x40)
        value, shift = byte & 0x3F, 6
        for _ in range(MAX_VARINT_BYTES):
            if not byte & 0x80:
                return -value if negative else value
            byte = self.byte()
            value |= (byte & 0x7F) << shift
            shift += 7
        raise UpdateFormatError("varint too long")

    def count(self) -> int:
        """How many things follow: each takes at least one byte, so never more than remain."""
        value = self.var_uint()
        if value > len(self.data) - self.pos:
            raise UpdateFormatError("count past the end")
        return value

    def client(self) -> int:
        value = self.var_uint()
        if value > MAX_CLIENT:
            raise UpdateFormatError("client id out of range")
        return value

    def clock(self) -> int:
        value = self.var_uint()
        if value > MAX_CLOCK:
            raise UpdateFormatError("clock out of range")
        return value

    def buffer(self) -> bytes:
        length = self.var_uint()
        if self.pos + length > len(self.data):
            raise UpdateFormatError("buffer past the end")
        chunk = self.data[self.pos : self.pos + length]
        self.pos += length
        return chunk

    def string(self) -> str:
        try:
            return self.buffer().decode("utf-8")
        except UnicodeDecodeError as error:
            raise UpdateFormatError("string not in UTF-8") from error

    def skip(self, length: int) -> None:
        if self.pos + length > len(self.data):
            raise UpdateFormatError("skip past the end")
        self.pos += length

    def any(self) -> int:
        """Skip one lib0 ``any`` value, without recursion; returns how many values it held.
        Nesting deeper than ``MAX_DEPTH`` is refused (yrs would recurse into it)."""
        open_levels: list[list[int]] = []  # [entries left, 1 for an object's (key, value)]
        values = self._value(open_levels)
        while open_levels:
            level = open_levels[-1]
            if level[0] == 0:
                open_levels.pop()
                continue
            level[0] -= 1
            if level[1]:
                self.string()
            values += self._value(open_levels)
            if values > MAX_STRUCTS:
                raise UpdateFormatError("too many values")
        return values

    def _value(self, open_levels: list[list[int]]) -> int:
        tag = self.byte()
        if tag in (127, 126, 121, 120):  # undefined, null, false, true
            pass
        elif tag == 125:
            self.var_int()
        elif tag == 124:
            self.skip(4)
        elif tag in (123, 122):
            self.skip(8)
        elif tag == 119:
            self.string()
        elif tag == 116:
            self.buffer()
        elif tag in (118, 117):  # object: (key, value) × n; array: value × n
            if len(open_levels) >= MAX_DEPTH:
                raise UpdateFormatError("values nested too deep")
            open_levels.append([self.count(), 1 if tag == 118 else 0])
        else:
            raise UpdateFormatError(f"unknown any tag {tag}")
        return 1


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class StringItem:
    client: int
    clock: int
    length: int  # in UTF-16 code units, as Yjs counts


def _content(reader: Reader, kind: int) -> tuple[int, str | None]:
    """Read an item's content: (clock length, the string for string content)."""
    if kind == DELETED:
        return reader.clock(), None
    if kind == JSON_:
        count = reader.count()
        for _ in range(count):
            reader.string()
        return count, None
    if kind == BINARY:
        reader.buffer()
        return 1, None
    if kind == STRING:
        text = reader.string()
        return utf16_length(text), text
    if kind == EMBED:
        try:
            json.loads(reader.string())
        except (ValueError, RecursionError) as error:
            raise UpdateFormatError("embed is not JSON") from error
        return 1, None
    if kind == FORMAT:
        reader.string()
        reader.string()
        return 1, None
    if kind == TYPE:
        type_ref = reader.var_uint()
        if type_ref in (3, 5):  # XmlElement, XmlHook carry a name
            reader.string()
        return 1, None
    if kind == ANY:
        count = reader.count()
        for _ in range(count):
            reader.any()
        return count, None
    if kind == DOC:
        reader.string()
        reader.any()
        return 1, None
    raise UpdateFormatError(f"unknown content kind {kind}")


@dataclass
class ParsedUpdate:
    """What an update holds, and what it needs from the document it is applied to."""

    items: list[StringItem] = field(default_factory=list)  # its string items
    ranges: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # [start, end)
    references: set[tuple[int, int]] = field(default_factory=set)  # ids it points to
    deleted: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # (clock, length)
    roots: set[str] = field(default_factory=set)  # root types named as parents
    kinds: set[int] = field(default_factory=set)  # content kinds of its items
    parent_ids: bool = False  # an item names its parent by id (a nested type)
    parent_keys: bool = False  # an item is a map entry (it has a parent sub key)
    # Where applying it cuts existing items: (client, clock) of the first unit after a cut
    # (an origin's next unit, a right origin, the ends of a deleted range).
    cuts: set[tuple[int, int]] = field(default_factory=set)
    # client → clocks of the second UTF-16 unit of each character outside the BMP that its
    # strings hold: no cut may fall there (``halves_of``).
    halves: dict[int, set[int]] = field(default_factory=dict)
    # The most string items in a row that yrs squashes into one (``MAX_RUN``).
    longest_run: int = 0

    def cuts_at(self, state: dict[int, int]) -> set[tuple[int, int]]:
        """Its cuts, and where yrs would cut its own structs that overlap ``state``."""
        cuts = set(self.cuts)
        for client, ranges in self.ranges.items():
            known = state.get(client, 0)
            cuts.update((client, known) for start, end in ranges if start < known < end)
        return cuts

    def ends(self, state: dict[int, int]) -> dict[int, int]:
        """Each client's clock once this update is applied to a document at ``state``."""
        ends = dict(state)
        for client, ranges in self.ranges.items():
            known = state.get(client, 0)
            for start, end in ranges:
                if start <= known:
                    known = max(known, end)
            ends[client] = known
        return ends

    def missing(self, state: dict[int, int]) -> list[str]:
        """What this update needs that a document at ``state`` (client → clock) lacks;
        applied there, those parts would stay pending in yrs. Empty when it fits."""
        ends = self.ends(state)
        lacks = []
        for client, ranges in self.ranges.items():
            known = state.get(client, 0)
            for start, end in ranges:
                if start > known:
                    lacks.append(f"client {client} from clock {known} to {start}")
                    break
                known = max(known, end)
        lacks += [
            f"item {client}:{clock}"
            for client, clock in sorted(self.references)
            if clock >= ends.get(client, 0)
        ]
        for client, ranges in self.deleted.items():
            if any(clock + length > ends.get(client, 0) for clock, length in ranges):
                lacks.append(f"deleted items of client {client}")
        return lacks

    def news(self, state: dict[int, int]) -> set[int]:
        """The clients whose structs this update brings past ``state``."""
        return {
            client
            for client, ranges in self.ranges.items()
            if any(end > state.get(client, 0) for _, end in ranges)
        }


def _halves(text: str, clock: int) -> list[int]:
    """The clocks of the second units of ``text``'s surrogate pairs, from ``clock``."""
    halves = []
    for char in text:
        if ord(char) > 0xFFFF:
            halves.append(clock + 1)
            clock += 2
        else:
            clock += 1
    return halves


_ASTRAL_LEAD = re.compile(rb"[\xf0-\xf4]")  # how UTF-8 starts a character outside the BMP


def halves_of(update: bytes) -> dict[int, set[int]]:
    """``ParsedUpdate.halves`` of a stored update (a snapshot: no bound on its structs);
    nothing to walk when no byte could start a character outside the BMP.

    yrs cuts a string item at a UTF-16 offset but splits its UTF-8 text at the next
    character boundary: a cut inside a surrogate pair leaves items whose lengths disagree
    with their clocks, and clients that receive it then write structs that point to
    themselves and never integrate (``benchmarks/fuzz_collab``). Such cuts are refused."""
    if _ASTRAL_LEAD.search(update) is None:
        return {}
    try:
        return parse_update(update, max_structs=None).halves
    except UpdateFormatError:
        return {}  # yrs applied it: what it holds, it holds; nothing to add


def parse_update(update: bytes, *, max_structs: int | None = MAX_STRUCTS) -> ParsedUpdate:
    """Walk a Yjs v1 update whole, within the ``MAX_*`` bounds (``max_structs`` None: a
    stored update, whose size was bounded when it was accepted)."""
    reader = Reader(update)
    parsed = ParsedUpdate()
    structs_seen = 0
    limit = max_structs if max_structs is not None else math.inf
    for _ in range(reader.count()):
        structs = reader.count()
        client = reader.client()
        clock = reader.clock()
        ranges = parsed.ranges.setdefault(client, [])
        structs_seen += structs
        if structs_seen > limit:
            raise UpdateFormatError("too many structs")
        run, after = 0, None  # the string items so far that yrs squashes into one
        for _ in range(structs):
            info = reader.byte()
            kind = info & 0x1F
            origin = right = None
            if kind in (GC, SKIP):
                length = reader.clock()
            else:
                if info & 0x80:  # origin: the new item goes right after this unit
                    origin = (reader.client(), reader.clock())
                    parsed.references.add(origin)
                    parsed.cuts.add((origin[0], origin[1] + 1))
                if info & 0x40:  # right origin: right before this one
                    right = (reader.client(), reader.clock())
                    parsed.references.add(right)
                    parsed.cuts.add(right)
                if (info & 0xC0) == 0:  # parent info only when it cannot be copied
                    if reader.var_uint() == 1:
                        parsed.roots.add(reader.string())
                    else:
                        parsed.parent_ids = True
                        parsed.references.add((reader.client(), reader.clock()))
                    if info & 0x20:
                        parsed.parent_keys = True
                        reader.string()
                parsed.kinds.add(kind)
                length, text = _content(reader, kind)
                if text is not None:
                    parsed.items.append(StringItem(client, clock, length))
                    run = run + 1 if after == (origin, right) else 1
                    parsed.longest_run = max(parsed.longest_run, run)
                    if length != len(text):
                        parsed.halves.setdefault(client, set()).update(_halves(text, clock))
            if clock + length > MAX_CLOCK:
                raise UpdateFormatError("clock out of range")
            if kind != SKIP and length:
                ranges.append((clock, clock + length))
            clock += length
            # The next string item squashes into this one if it follows it (origin: this
            # item's last unit) before the same right origin.
            after = ((client, clock - 1), right) if kind == STRING else None
    ranges_seen = 0
    if reader.pos < len(update):
        for _ in range(reader.count()):
            client = reader.client()
            for _ in range(reader.count()):
                clock, length = reader.clock(), reader.clock()
                if clock + length > MAX_CLOCK:
                    raise UpdateFormatError("clock out of range")
                parsed.deleted.setdefault(client, []).append((clock, length))
                parsed.cuts.update(((client, clock), (client, clock + length)))
                ranges_seen += 1
                if ranges_seen > limit:
                    raise UpdateFormatError("too many deleted ranges")
    if reader.pos != len(update):
        raise UpdateFormatError("bytes after the update")
    return parsed


def read_update(update: bytes) -> tuple[list[StringItem], dict[int, list[tuple[int, int]]]]:
    """The string items of an update and its delete set (client → [(clock, length)])."""
    parsed = parse_update(update, max_structs=None)  # a document's state: no bound
    return parsed.items, parsed.deleted


def _overlap(start: int, length: int, ranges: list[tuple[int, int]]) -> int:
    end = start + length
    return sum(max(0, min(end, c + n) - max(start, c)) for c, n in ranges)


def live_characters_by_client(update: bytes) -> dict[int, int]:
    """For a document's full state: client id → UTF-16 units of text still present."""
    items, deleted = read_update(update)
    totals: dict[int, int] = defaultdict(int)
    for item in items:
        alive = item.length - _overlap(item.clock, item.length, deleted.get(item.client, []))
        if alive > 0:
            totals[item.client] += alive
    return dict(totals)


def state_vector(state: bytes) -> dict[int, int]:
    """An encoded state vector (``Doc.get_state()``) as client → clock, within ``Reader``'s
    bounds (count, varint length, client id, clock). The live editor reads two or three per
    update: its varints are split by a regular expression and their values looked up in a
    table of those seen before (the same client ids and clocks come back message after
    message), all without a Python step per byte."""
    first = _VARINTS.match(state)
    if first is None:
        raise UpdateFormatError("unexpected end of update")
    count, start = _value(first.group()), first.end()
    if count > len(state) - start:
        raise UpdateFormatError("count past the end")
    wanted = 2 * count  # and nothing read past them: trailing bytes are not split
    varints = _VARINTS.findall(state, start, start + wanted * MAX_VARINT_BYTES)[:wanted]
    if len(varints) < wanted:
        raise UpdateFormatError("unexpected end of update")
    try:
        values = list(map(_VALUES.__getitem__, varints))
    except KeyError:
        values = [_value(chunk) for chunk in varints]
    clients, clocks = values[0::2], values[1::2]
    if clients and max(clients) > MAX_CLIENT:
        raise UpdateFormatError("client id out of range")
    if clocks and max(clocks) > MAX_CLOCK:
        raise UpdateFormatError("clock out of range")
    return dict(zip(clients, clocks, strict=True))


_VARINTS = re.compile(rb"[\x80-\xff]*[\x00-\x7f]")  # a lib0 varint ends on a byte < 0x80
_VALUES: dict[bytes, int] = {}  # varint → value, for ``state_vector``
_MAX_VALUES = 16_384


def _value(chunk: bytes) -> int:
    """A varint's value (``Reader.var_uint``), remembered in ``_VALUES``."""
    value = _VALUES.get(chunk)
    if value is None:
        value = Reader(chunk).var_uint()
        if len(_VALUES) >= _MAX_VALUES:
            _VALUES.clear()
        _VALUES[chunk] = value
    return value
