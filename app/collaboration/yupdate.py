"""Reading Yjs v1 updates: just enough to tell who wrote which characters.

pycrdt applies and merges updates but does not say which client inserted which part of a
text. The update format is public (Yjs ``UpdateEncoderV1``/``lib0`` encoding), so this
module walks a (merged) update and yields, for every string item, its client id and its
length in UTF-16 units (Yjs clocks), then subtracts the delete set. Nothing here changes a
document; anything unexpected raises ``UpdateFormatError``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass


class UpdateFormatError(ValueError):
    pass


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
        while True:
            byte = self.byte()
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
            shift += 7
            if shift > 70:
                raise UpdateFormatError("varint too long")

    def var_int(self) -> int:
        byte = self.byte()
        negative = bool(byte & 0x40)
        value, shift = byte & 0x3F, 6
        while byte & 0x80:
            byte = self.byte()
            value |= (byte & 0x7F) << shift
            shift += 7
        return -value if negative else value

    def buffer(self) -> bytes:
        length = self.var_uint()
        if self.pos + length > len(self.data):
            raise UpdateFormatError("buffer past the end")
        chunk = self.data[self.pos : self.pos + length]
        self.pos += length
        return chunk

    def string(self) -> str:
        return self.buffer().decode("utf-8")

    def skip(self, length: int) -> None:
        if self.pos + length > len(self.data):
            raise UpdateFormatError("skip past the end")
        self.pos += length

    def any(self) -> None:
        """Skip one lib0 ``any`` value."""
        tag = self.byte()
        if tag in (127, 126, 121, 120):  # undefined, null, false, true
            return
        if tag == 125:
            self.var_int()
        elif tag == 124:
            self.skip(4)
        elif tag in (123, 122):
            self.skip(8)
        elif tag == 119:
            self.string()
        elif tag == 118:
            for _ in range(self.var_uint()):
                self.string()
                self.any()
        elif tag == 117:
            for _ in range(self.var_uint()):
                self.any()
        elif tag == 116:
            self.buffer()
        else:
            raise UpdateFormatError(f"unknown any tag {tag}")


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class StringItem:
    client: int
    clock: int
    length: int  # in UTF-16 code units, as Yjs counts


def _content(reader: Reader, kind: int) -> tuple[int, str | None]:
    """Read an item's content: (clock length, the string for string content)."""
    if kind == 1:  # deleted
        return reader.var_uint(), None
    if kind == 2:  # JSON
        count = reader.var_uint()
        for _ in range(count):
            reader.string()
        return count, None
    if kind == 3:  # binary
        reader.buffer()
        return 1, None
    if kind == 4:  # string
        text = reader.string()
        return utf16_length(text), text
    if kind == 5:  # embed
        json.loads(reader.string())
        return 1, None
    if kind == 6:  # format
        reader.string()
        reader.string()
        return 1, None
    if kind == 7:  # type
        type_ref = reader.var_uint()
        if type_ref in (3, 5):  # XmlElement, XmlHook carry a name
            reader.string()
        return 1, None
    if kind == 8:  # any
        count = reader.var_uint()
        for _ in range(count):
            reader.any()
        return count, None
    if kind == 9:  # sub-document
        reader.string()
        reader.any()
        return 1, None
    raise UpdateFormatError(f"unknown content kind {kind}")


def read_update(update: bytes) -> tuple[list[StringItem], dict[int, list[tuple[int, int]]]]:
    """The string items of an update and its delete set (client → [(clock, length)])."""
    reader = Reader(update)
    items: list[StringItem] = []
    for _ in range(reader.var_uint()):
        structs = reader.var_uint()
        client = reader.var_uint()
        clock = reader.var_uint()
        for _ in range(structs):
            info = reader.byte()
            kind = info & 0x1F
            if kind == 0:  # GC
                clock += reader.var_uint()
                continue
            if kind == 10:  # skip
                clock += reader.var_uint()
                continue
            if info & 0x80:  # origin
                reader.var_uint()
                reader.var_uint()
            if info & 0x40:  # right origin
                reader.var_uint()
                reader.var_uint()
            if (info & 0xC0) == 0:  # parent info only when it cannot be copied
                if reader.var_uint() == 1:
                    reader.string()
                else:
                    reader.var_uint()
                    reader.var_uint()
                if info & 0x20:
                    reader.string()
            length, text = _content(reader, kind)
            if text is not None:
                items.append(StringItem(client, clock, length))
            clock += length
    deleted: dict[int, list[tuple[int, int]]] = defaultdict(list)
    if reader.pos < len(update):
        for _ in range(reader.var_uint()):
            client = reader.var_uint()
            for _ in range(reader.var_uint()):
                deleted[client].append((reader.var_uint(), reader.var_uint()))
    return items, dict(deleted)


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


def state_vector_clients(state: bytes) -> list[int]:
    """The client ids named by an encoded state vector (``pycrdt.get_state(update)``)."""
    reader = Reader(state)
    clients = []
    for _ in range(reader.var_uint()):
        clients.append(reader.var_uint())
        reader.var_uint()
    return clients
