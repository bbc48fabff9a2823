"""The sync core: one in-memory Yjs document per section, always caught up from the database.

Like Hocuspocus's server core, it only knows documents and y-protocols messages; who may
do what (``permissions``), where updates are kept (``store``, plugged in as ``Hooks``, as
Hocuspocus's ``onLoadDocument``/``onStoreDocument`` extensions) and how they reach other
clients and processes (``live_editor``, ``events`` over Flask-SocketIO, Redis between
processes) are pieces around it: this module imports none of them.

A process's document advances only by applying rows read back from the database (after
they are committed), so several processes sharing one database converge, and nothing a
process holds in memory can be newer than what is durable.
"""

from __future__ import annotations

import difflib
import math
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from pycrdt import Doc, Text, create_sync_message, handle_sync_message

from app.collaboration.yupdate import (
    DELETED,
    MAX_RUN,
    STRING,
    ParsedUpdate,
    Reader,
    UpdateFormatError,
    halves_of,
    parse_update,
    state_vector,
)
from app.core.errors import BadInput, PalabreError

TEXT = "markdown"
EMPTY_UPDATE = b"\x00\x00"
SYNC, AWARENESS = 0, 1
STEP1, STEP2, UPDATE = 0, 1, 2
# What a section's document holds: one root Y.Text of strings (GC and skips aside).
CONTENT_KINDS = frozenset({STRING, DELETED})
# Client ids one update may bring that the document has not seen: a browser brings its own
# (a few, after sessions offline); each new one is a row of authorship to write.
MAX_NEW_CLIENTS = 32


class DocumentUnreadable(PalabreError):
    code = "unreadable"
    status = 500
    default_message = "This section's stored document cannot be read; it is left untouched."


class Resync(PalabreError):
    """An update that needs parts of the document the server does not have: the client
    sends sync step 1 again, and the server's answer asks it for everything it lacks."""

    code = "resync"
    status = 409
    default_message = "This update depends on changes the server does not have: sync again."


def _guarded(work: Callable[[], object]) -> object:
    """Run a pycrdt call; a Rust panic arrives as a BaseException: make it a bad input."""
    try:
        return work()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:
        raise BadInput(f"not a valid Yjs update ({error.__class__.__name__})") from None


class Hooks(NamedTuple):
    """What the document cache asks of the persistence (``store.HOOKS``)."""

    # (section_id, *, version, exclude) → .snapshot (data, version) | None, .rows
    # [(row id, data)], .log_ids: what is durable that a reader lacks
    committed: Callable[..., Any]
    quarantine: Callable[[int, str], None]  # (row id, why): set a stored row aside
    known_clients: Callable[[int], dict[int, int | None]]  # client id → user id


def apply_checked(doc: Doc, data: bytes) -> str | None:
    """Apply a stored update to ``doc``, after the pure-Python bounds (``yupdate``): None,
    or why it cannot be applied (a Rust panic arrives as a BaseException: caught too)."""
    try:
        if parse_update(data).longest_run > MAX_RUN:
            return f"more than {MAX_RUN} text items in a row that make one"
        doc.apply_update(data)
    except (KeyboardInterrupt, SystemExit):
        raise
    except UpdateFormatError as error:
        return f"unreadable update: {error}"
    except BaseException as error:
        return f"refused by yrs: {error.__class__.__name__}"
    return None


@dataclass
class LiveDoc:
    """A section's document in this process: the snapshot and the rows of the log it has
    applied (see ``store``: nothing here compares row ids)."""

    section_id: int
    doc: Doc
    version: int | None = None  # the snapshot's version last applied
    applied: set[int] = field(default_factory=set)  # rows of the log applied
    quarantined: set[int] = field(default_factory=set)  # rows set aside by this process
    loaded: bool = False
    size: int = 0  # bytes of snapshot + log, the document budget
    lock: threading.RLock = field(default_factory=threading.RLock)
    clients: dict[int, int | None] = field(default_factory=dict)
    last_checkpoint: datetime | None = None
    changes: int = 0  # how many times the document changed (cache key)
    authorship: tuple[int, dict[int, int]] | None = None  # (changes, counts) cache
    log: list[int] | None = None  # [updates, bytes] in the log since the snapshot, if known
    read_at: float = -math.inf  # when (time.monotonic()) the database was last read
    probe: Doc | None = None  # this document plus the updates checked since (check_update)
    halves: dict[int, set[int]] = field(default_factory=dict)  # yupdate.halves_of, all
    vector: tuple[int, dict[int, int]] | None = None  # (changes, state vector) cache

    def _apply(self, data: bytes, halves: dict[int, set[int]] | None = None) -> None:
        self.changes += 1  # first: an update yrs refuses half-way still counts
        self.doc.apply_update(data)
        self.note(halves_of(data) if halves is None else halves)
        if self.probe is not None:
            self.probe.apply_update(data)

    def note(self, halves: dict[int, set[int]]) -> None:
        """Remember where the document's surrogate pairs are (no cut may fall there)."""
        for client, clocks in halves.items():
            self.halves.setdefault(client, set()).update(clocks)

    def applied_row(
        self, row_id: int, data: bytes, halves: dict[int, set[int]] | None = None
    ) -> None:
        """Apply a stored row once (read back, or just committed by this process; ``halves``:
        its surrogate pairs, if they are known already, ``ParsedUpdate.halves``)."""
        with self.lock:
            if row_id in self.applied:
                return
            apply_stored(self, data, halves)
            self.applied.add(row_id)
            self.size += len(data)

    def appended(self, nbytes: int, measure: Callable[[], tuple[int, int]]) -> None:
        """One more row in the log (``measure()``: the log's size, if not known yet)."""
        with self.lock:
            if self.log is None:
                self.log = list(measure())
            else:
                self.log[0] += 1
                self.log[1] += nbytes

    def compaction_due(self, max_updates: int, max_bytes: int) -> bool:
        with self.lock:
            return self.log is not None and (self.log[0] >= max_updates or self.log[1] >= max_bytes)

    def compacting(self) -> tuple[bytes, set[int], int | None]:
        """What compaction merges: the state, the rows it holds, the snapshot's version."""
        with self.lock:
            return self.doc.get_update(), set(self.applied), self.version

    def compacted(
        self, unapplied: list[bytes], version: int, snapshot_bytes: int, log: tuple[int, int]
    ) -> None:
        """The log was merged into the snapshot ``version``: apply what this document had
        not, and count from there."""
        with self.lock:
            for data in unapplied:
                apply_stored(self, data)
            self.applied.clear()  # every row it had applied is in the snapshot now
            self.probe = None  # rebuilt from the document alone at the next check
            self.version = version
            self.size, self.log = snapshot_bytes + log[1], list(log)

    def owns(self, clients: Collection[int], user_id: int | None, hooks: Hooks) -> list[int]:
        """Which of ``clients`` are new (become the user's); raises ``PermissionError`` if
        one belongs to another user. The database is asked for ids unknown here."""
        with self.lock:
            if any(client not in self.clients for client in clients):
                self.clients.update(hooks.known_clients(self.section_id))
            if any(self.clients.get(c, user_id) != user_id for c in clients):
                raise PermissionError("client id of another user")
            new = [client for client in clients if client not in self.clients]
            self.clients.update(dict.fromkeys(new, user_id))
            return new

    def authorship_cached(self) -> dict[int, int] | None:
        with self.lock:
            if self.authorship is not None and self.authorship[0] == self.changes:
                return dict(self.authorship[1])
            return None

    def text(self) -> str:
        with self.lock:
            return str(self.doc.get(TEXT, type=Text))

    def state(self) -> bytes:
        with self.lock:
            return self.doc.get_update()

    def state_vector(self) -> dict[int, int]:
        """The document's state vector, decoded once per change (``changes``: every update
        applied to ``doc`` counts one): the receiving handler and the writer both ask."""
        with self.lock:
            if self.vector is None or self.vector[0] != self.changes:
                self.vector = (self.changes, state_vector(self.doc.get_state()))
            return dict(self.vector[1])


class Documents:
    """The per-process cache of live documents."""

    def __init__(self, hooks: Hooks) -> None:
        self.hooks = hooks
        self._docs: dict[int, LiveDoc] = {}
        self._guard = threading.Lock()

    def get(
        self,
        section_id: int,
        pending: Collection[int] = frozenset(),
        *,
        max_age: float = 0.0,
    ) -> LiveDoc:
        """The section's document, caught up with the database unless it last read it less
        than ``max_age`` seconds ago (``math.inf``: as it is, once loaded)."""
        with self._guard:
            live = self._docs.get(section_id)
        if live is None:
            live = self._load(section_id)
            with self._guard:
                live = self._docs.setdefault(section_id, live)
        if not live.loaded or time.monotonic() - live.read_at >= max_age:
            self.catch_up(live, pending)
        return live

    def cached(self, section_id: int) -> LiveDoc | None:
        """The section's document if this process holds it, as it is."""
        with self._guard:
            return self._docs.get(section_id)

    def forget(self, section_id: int) -> None:
        with self._guard:
            self._docs.pop(section_id, None)

    def clear(self) -> None:
        with self._guard:
            self._docs.clear()

    def _load(self, section_id: int) -> LiveDoc:
        live = LiveDoc(section_id, Doc())
        live.doc.get(TEXT, type=Text)
        live.clients = self.hooks.known_clients(section_id)
        return live

    def catch_up(self, live: LiveDoc, pending: Collection[int] = frozenset()) -> None:
        """Apply what the database has and this document does not: the snapshot when its
        version changed, then every row of the log not applied yet (``pending``: rows the
        current transaction wrote but has not committed). A row that cannot be applied is
        set aside (``Hooks.quarantine``) and the rest served."""
        with live.lock:
            read_at = time.monotonic()
            found = self.hooks.committed(
                live.section_id,
                version=live.version if live.loaded else None,
                exclude=live.applied | live.quarantined | set(pending),
            )
            if found.snapshot is not None:
                # First load, or another process compacted rows we had not read yet.
                data, live.version = found.snapshot
                apply_stored(live, data)
                live.size, live.log = len(data), None
            live.loaded = True
            for row_id, data in found.rows:
                reason = apply_checked(live.doc, data)
                live.changes += 1  # refused by yrs, it may still have changed something
                if reason is not None:
                    self.hooks.quarantine(row_id, reason)
                    live.quarantined.add(row_id)
                    continue
                live.note(halves_of(data))
                if live.probe is not None:
                    live.probe.apply_update(data)
                live.applied.add(row_id)
                live.size += len(data)
            live.applied &= found.log_ids  # rows compacted since are in the snapshot
            live.read_at = read_at


def apply_stored(live: LiveDoc, data: bytes, halves: dict[int, set[int]] | None = None) -> None:
    try:
        live._apply(data, halves)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:
        live.probe = None
        raise DocumentUnreadable() from error


# --- messages -----------------------------------------------------------------------------


def message_kind(data: bytes) -> int:
    """The sync sub-type (step 1, step 2, update) of a sync message."""
    if len(data) < 3 or data[0] != SYNC or data[1] not in (STEP1, STEP2, UPDATE):
        raise BadInput("not a y-protocols sync message")
    return data[1]


def _payload(data: bytes) -> bytes:
    """The one buffer a sync message carries after its two type bytes, read in Python."""
    reader = Reader(data[2:])
    try:
        payload = reader.buffer()
    except UpdateFormatError as error:
        raise BadInput(f"not a y-protocols sync message ({error})") from None
    if reader.pos != len(reader.data):
        raise BadInput("bytes after the sync message")
    return payload


def answer_step1(live: LiveDoc, data: bytes) -> list[bytes]:
    """Our step 2 (what the client lacks) and our own step 1 (to learn what we lack)."""
    try:
        state_vector(_payload(data))  # bounded before yrs reads it
    except UpdateFormatError as error:
        raise BadInput(f"not a state vector ({error})") from None
    with live.lock:
        reply = _guarded(lambda: handle_sync_message(data[1:], live.doc))
        own = create_sync_message(live.doc)
    return [reply, own]


def read_update(data: bytes) -> tuple[bytes, ParsedUpdate]:
    """The Yjs update a step 2 or an update message carries, and what it holds."""
    update = _payload(data)
    return update, parse_section_update(update)


def parse_section_update(update: bytes) -> ParsedUpdate:
    """Walk an update within the bounds of ``yupdate`` and check that it holds what a
    section holds: strings in the root ``markdown`` text. Nothing reaches yrs here."""
    try:
        parsed = parse_update(update)
    except UpdateFormatError as error:
        raise BadInput(f"not a valid Yjs update ({error})") from None
    if parsed.kinds - CONTENT_KINDS or parsed.roots - {TEXT} or parsed.parent_ids:
        raise BadInput("a section holds only the text of its root 'markdown'")
    if parsed.parent_keys:
        raise BadInput("a section holds only the text of its root 'markdown'")
    if parsed.longest_run > MAX_RUN:
        raise BadInput(f"{parsed.longest_run} pieces of text in a row that make one")
    return parsed


def check_update(live: LiveDoc, update: bytes, parsed: ParsedUpdate) -> None:
    """Prove that ``update`` applies to the section's current document and leaves nothing
    pending, before it is stored: what it depends on is in the document (else ``Resync``),
    and applied to a copy of the document (the probe) it integrates whole."""
    with live.lock:
        state = live.state_vector()
        if len(parsed.news(state) - set(state)) > MAX_NEW_CLIENTS:
            raise BadInput("this update brings too many new editors at once")
        lacks = parsed.missing(state)
        if lacks:
            raise Resync(f"this update needs what the server lacks: {', '.join(lacks[:3])}")
        if _cuts_a_pair(live, parsed, state):
            raise BadInput("this update cuts a character in two (inside a surrogate pair)")
        fresh = live.probe is None
        if fresh:
            live.probe = _probe(live)
        reason = _try_on_probe(live.probe, update, parsed.ends(state))
        if reason is not None and not fresh:
            # The probe also holds updates checked but never stored (refused by the writer,
            # or not yet written): judge again on a copy of the document alone.
            live.probe = _probe(live)
            reason = _try_on_probe(live.probe, update, parsed.ends(state))
        if reason is not None:
            live.probe = None
            if reason == "pending":
                raise Resync("this update would stay pending: sync again")
            raise BadInput(f"not a valid Yjs update ({reason})")
        live.note(parsed.halves)  # the next update may cut what this one brings


def _cuts_a_pair(live: LiveDoc, parsed: ParsedUpdate, state: dict[int, int]) -> bool:
    """Whether applying the update would cut inside a surrogate pair (``halves_of``)."""
    for client, clock in parsed.cuts_at(state):
        if clock in live.halves.get(client, ()) or clock in parsed.halves.get(client, ()):
            return True
    return False


def _probe(live: LiveDoc) -> Doc:
    probe = Doc()
    probe.apply_update(live.doc.get_update())
    return probe


def _try_on_probe(probe: Doc, update: bytes, ends: dict[int, int]) -> str | None:
    """Apply ``update`` to the probe: None if it integrated whole, else why not."""
    try:
        probe.apply_update(update)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:
        return error.__class__.__name__
    after = state_vector(probe.get_state())
    if any(after.get(client, 0) < end for client, end in ends.items()):
        return "pending"
    return None


def is_news(live: LiveDoc, update: bytes) -> bool:
    """Whether applying ``update`` would change the document (a read-only client's
    step 2 carrying only what we already have is harmless). ``update`` was checked."""
    if update == EMPTY_UPDATE:
        return False
    probe = Doc()
    probe.apply_update(live.state())
    text, state = str(probe.get(TEXT, type=Text)), probe.get_state()
    _guarded(lambda: probe.apply_update(update))
    return probe.get_state() != state or str(probe.get(TEXT, type=Text)) != text


# --- server-side edits -------------------------------------------------------------------


def server_edit(live: LiveDoc, edit: Callable[[Text], None], pending: list[bytes] = ()) -> bytes:
    """Make an edit as a client of its own would (a fresh client id), on top of the durable
    state and of ``pending`` updates not committed yet: returns the update."""
    scratch = Doc()
    scratch.apply_update(live.state())
    for update in pending:
        scratch.apply_update(update)
    text = scratch.get(TEXT, type=Text)
    before = scratch.get_state()
    with scratch.transaction():
        edit(text)
    return scratch.get_update(before)


def byte_offset(text: str, index: int) -> int:
    """pycrdt indexes text in UTF-8 bytes; Python (and our diffs) in code points."""
    return len(text[:index].encode("utf-8"))


def append_markdown(markdown: str) -> Callable[[Text], None]:
    def edit(text: Text) -> None:
        current = str(text)
        separator = (
            ""
            if not current or current.endswith("\n\n")
            else ("\n" if current.endswith("\n") else "\n\n")
        )
        text.insert(len(current.encode("utf-8")), separator + markdown)

    return edit


def replace_with(target: str) -> Callable[[Text], None]:
    """Turn the current text into ``target`` with the smallest edits (a restore is a new
    edit everyone sees, not a rewrite of history)."""

    def edit(text: Text) -> None:
        current = str(text)
        matcher = difflib.SequenceMatcher(None, current, target, autojunk=False)
        for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
            if tag == "equal":
                continue
            start = byte_offset(current, i1)
            if i2 > i1:
                del text[start : byte_offset(current, i2)]
            if j2 > j1:
                text.insert(start, target[j1:j2])

    return edit
