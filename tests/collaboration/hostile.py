"""Hand-built Yjs v1 updates (lib0 encoding), for the tests of hostile input."""

from __future__ import annotations

from pycrdt import Doc, Text, write_var_uint


def var_uint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def var_string(value: str) -> bytes:
    data = value.encode()
    return var_uint(len(data)) + data


def string_item(text: str, *, root: str = "markdown") -> bytes:
    """A struct inserting ``text`` at the start of the root type ``root`` (no origins)."""
    return bytes([4]) + var_uint(1) + var_string(root) + var_string(text)


def nested_array(depth: int) -> bytes:
    """A lib0 ``any`` value: arrays nested ``depth`` deep around ``null``."""
    return bytes([117, 1]) * depth + bytes([126])


def any_item(value: bytes, *, root: str = "markdown") -> bytes:
    return bytes([8]) + var_uint(1) + var_string(root) + var_uint(1) + value


def update(client: int, clock: int, *structs: bytes, deletes: bytes = b"\x00") -> bytes:
    """One client's structs from ``clock``, then a delete set (empty by default)."""
    return (
        var_uint(1)
        + var_uint(len(structs))
        + var_uint(client)
        + var_uint(clock)
        + b"".join(structs)
        + deletes
    )


def typed(*texts: str, doc: Doc | None = None) -> list[bytes]:
    """The updates of typing ``texts`` one after the other at the end of a document."""
    doc = doc or Doc()
    text = doc.get("markdown", type=Text)
    updates = []
    for value in texts:
        before = doc.get_state()
        text.insert(len(str(text).encode()), value)
        updates.append(doc.get_update(before))
    return updates


def sync_update(data: bytes) -> bytes:
    """A y-protocols sync-update message carrying ``data``."""
    return b"\x00\x02" + write_var_uint(len(data)) + data


def string_after(text: str, origin: tuple[int, int], right: tuple[int, int] | None = None) -> bytes:
    """A struct inserting ``text`` right after the unit ``origin`` (and before ``right``)."""
    info = 4 | 0x80 | (0x40 if right else 0)
    ids = var_uint(origin[0]) + var_uint(origin[1])
    if right:
        ids += var_uint(right[0]) + var_uint(right[1])
    return bytes([info]) + ids + var_string(text)


def deletes(client: int, *ranges: tuple[int, int]) -> bytes:
    """A delete set of one client's ranges (clock, length)."""
    body = b"".join(var_uint(clock) + var_uint(length) for clock, length in ranges)
    return var_uint(1) + var_uint(client) + var_uint(len(ranges)) + body
