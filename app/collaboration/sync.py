"""The sync core: one in-memory Yjs document per section, always caught up from the database.

Like Hocuspocus's server core, it only knows documents and y-protocols messages; who may
do what (``permissions``), where updates are kept (``store``) and how they reach other
clients and processes (``events`` over Flask-SocketIO, Redis between processes) are
pieces around it.

A process's document advances only by applying rows read back from the database (after
they are committed), so several processes sharing one database converge, and nothing a
process holds in memory can be newer than what is durable.
"""

from __future__ import annotations

import difflib
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from pycrdt import Doc, Text, create_sync_message, handle_sync_message, read_message

from app.collaboration import store
from app.core.errors import BadInput, PalabreError

TEXT = "markdown"
# Rows re-read below the newest one the last read saw: ids are handed out before commit, so
# with several processes a smaller id can commit after a larger one; a writer commits up to
# writer.MAX_BATCH rows at once, so this must cover several processes' batches.
REORDER_WINDOW = 128
EMPTY_UPDATE = b"\x00\x00"
SYNC, AWARENESS = 0, 1
STEP1, STEP2, UPDATE = 0, 1, 2


class DocumentUnreadable(PalabreError):
    code = "unreadable"
    status = 500
    default_message = "This section's stored document cannot be read; it is left untouched."


def _guarded(work: Callable[[], object]) -> object:
    """Run a pycrdt call; a Rust panic arrives as a BaseException: make it a bad input."""
    try:
        return work()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:
        raise BadInput(f"not a valid Yjs update ({error.__class__.__name__})") from None


@dataclass
class LiveDoc:
    section_id: int
    doc: Doc
    last_id: int = 0
    applied: set[int] = field(default_factory=set)  # recent row ids (see catch_up)
    loaded: bool = False
    size: int = 0  # bytes of snapshot + log, the document budget
    lock: threading.RLock = field(default_factory=threading.RLock)
    clients: dict[int, int | None] = field(default_factory=dict)
    last_checkpoint: datetime | None = None
    authorship: tuple[int, dict[int, int]] | None = None  # (last_id, counts) cache
    log: list[int] | None = None  # [updates, bytes] in the log since the snapshot, if known
    read_upto: int = 0  # the newest row id the last read of the database saw
    read_at: float = -math.inf  # when (time.monotonic()) that read was

    def applied_row(self, row_id: int, data: bytes) -> None:
        """Apply a stored row once (read back, or just committed by this process)."""
        with self.lock:
            if row_id in self.applied:
                return
            apply_stored(self, data)
            self.applied.add(row_id)
            self.last_id = max(self.last_id, row_id)
            self.size += len(data)

    def text(self) -> str:
        with self.lock:
            return str(self.doc.get(TEXT, type=Text))

    def state(self) -> bytes:
        with self.lock:
            return self.doc.get_update()


class Documents:
    """The per-process cache of live documents."""

    def __init__(self) -> None:
        self._docs: dict[int, LiveDoc] = {}
        self._guard = threading.Lock()

    def get(
        self,
        section_id: int,
        pending: set[int] | frozenset[int] = frozenset(),
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

    @staticmethod
    def _load(section_id: int) -> LiveDoc:
        live = LiveDoc(section_id, Doc())
        live.doc.get(TEXT, type=Text)
        live.clients = store.known_clients(section_id)
        return live

    @staticmethod
    def catch_up(live: LiveDoc, pending: set[int] | frozenset[int] = frozenset()) -> None:
        """Apply what the database has and this document does not (snapshot, then rows).

        ``pending``: rows the current transaction wrote but has not committed. Rows are
        read again a little before the newest one the last read saw (``REORDER_WINDOW``):
        with several writers, ids are handed out before commit, so a smaller id can commit
        after a larger one; applying an update twice is harmless, skipping one is not.
        """
        with live.lock:
            after = max(0, live.read_upto - REORDER_WINDOW)
            read_at = time.monotonic()
            snap, rows, newest = store.committed(
                live.section_id,
                after,
                snapshot_if_after=live.last_id if live.loaded else None,
                # Rows already applied are not read again (usually: nothing to read).
                exclude=live.applied | set(pending),
                reorder_window=REORDER_WINDOW,
            )
            if snap is not None:
                # First load, or another process compacted rows we had not read yet.
                data, snap_id = snap
                apply_stored(live, data)
                live.last_id = max(live.last_id, snap_id)
                live.read_upto = max(live.read_upto, snap_id)
                live.size = len(data)
            live.loaded = True
            for row_id, data in rows:
                live.applied_row(row_id, data)
            live.read_upto, live.read_at = max(live.read_upto, newest), read_at
            if len(live.applied) > 4 * REORDER_WINDOW:
                floor = live.read_upto - REORDER_WINDOW
                live.applied = {i for i in live.applied if i > floor}


def apply_stored(live: LiveDoc, data: bytes) -> None:
    try:
        live.doc.apply_update(data)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:
        raise DocumentUnreadable() from error


# --- messages -----------------------------------------------------------------------------


def message_kind(data: bytes) -> int:
    """The sync sub-type (step 1, step 2, update) of a sync message."""
    if len(data) < 3 or data[0] != SYNC or data[1] not in (STEP1, STEP2, UPDATE):
        raise BadInput("not a y-protocols sync message")
    return data[1]


def answer_step1(live: LiveDoc, data: bytes) -> list[bytes]:
    """Our step 2 (what the client lacks) and our own step 1 (to learn what we lack)."""
    with live.lock:
        reply = _guarded(lambda: handle_sync_message(data[1:], live.doc))
        own = create_sync_message(live.doc)
    return [reply, own]


def read_update(data: bytes) -> bytes:
    """The Yjs update carried by a step 2 or an update message, checked by pycrdt."""
    update = _guarded(lambda: read_message(data[2:]))
    if not isinstance(update, bytes | bytearray):
        raise BadInput("empty sync message")
    update = bytes(update)
    if update != EMPTY_UPDATE:
        _guarded(lambda: Doc().apply_update(update))
    return update


def is_news(live: LiveDoc, update: bytes) -> bool:
    """Whether applying ``update`` would change the document (a read-only client's
    step 2 carrying only what we already have is harmless)."""
    if update == EMPTY_UPDATE:
        return False
    probe = Doc()
    probe.apply_update(live.state())
    text, state = str(probe.get(TEXT, type=Text)), probe.get_state()
    _guarded(lambda: probe.apply_update(update))
    return probe.get_state() != state or str(probe.get(TEXT, type=Text)) != text


# --- server-side edits -------------------------------------------------------------------


def server_edit(
    live: LiveDoc, edit: Callable[[Text], None], pending: list[bytes] = ()
) -> tuple[bytes, int]:
    """Make an edit as a client of its own would, on top of the durable state and of
    ``pending`` updates not committed yet: returns (update, its client id)."""
    scratch = Doc()
    scratch.apply_update(live.state())
    for update in pending:
        scratch.apply_update(update)
    text = scratch.get(TEXT, type=Text)
    before = scratch.get_state()
    with scratch.transaction():
        edit(text)
    return scratch.get_update(before), scratch.client_id


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


def documents() -> Documents:
    """This app's live documents (one cache per app, so tests never share one)."""
    from flask import current_app

    return current_app.extensions.setdefault("palabre.documents", Documents())
