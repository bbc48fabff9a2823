"""The live editor, top to bottom: how an editor's update becomes everyone's text.

Read like Hocuspocus's server (``packages/server/src``): one path, in order —

1. **receive** a sync message on ``/collab`` (``events.on_sync`` hands updates to ``receive``);
2. **authorize**: the registry (``app.core.sockets``) checked ``section.read``; writing asks
   ``section.edit`` on every message (a read-only client's step 2 that brings nothing new is
   harmless and acknowledged);
3. **validate**: bounded in pure Python, then proven against the section's document on a
   probe (``sync.read_update``, ``sync.check_update``), before any byte is stored;
4. **persist**: the update goes to this app's writer thread (``writer.BatchWriter``), which
   writes every update queued meanwhile in one transaction (``write``: client ids claimed,
   the row appended, an automatic checkpoint now and then);
5. **commit**: the writer commits the batch (the only commit of this path);
6. **apply and relay**: after the commit (``app.core.transactions.after_commit``), the row is
   applied to the in-memory document and relayed to the section's room, then the editor's
   handler acknowledges ``{ok: true}``;
7. **housekeeping**: once the batch has gone out, logs past their bounds are compacted into
   their snapshot, in a transaction of their own (``compact_written``).

Server-side edits (an argument inserted into a paper, a restore) take steps 3–6 inside the
request's transaction (``accept``). The document cache is ``sync.Documents`` with the store
plugged in (``documents``).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from pycrdt import create_update_message
from sqlalchemy import func, select

from app.collaboration import store, sync
from app.collaboration.models import Checkpoint
from app.collaboration.writer import BatchWriter, Job
from app.collaboration.yupdate import ParsedUpdate
from app.core import authz
from app.core.errors import Forbidden, PalabreError
from app.core.models import utcnow
from app.core.sockets import Later
from app.core.transactions import after_commit, transaction_state
from app.extensions import db, socketio

NAMESPACE = "/collab"
CHECKPOINT_EVERY = timedelta(minutes=10)
WRITER_CATCH_UP = 1.0  # seconds: what other processes wrote reaches the writer this often


def documents() -> sync.Documents:
    """This app's live documents, on the store (one cache per app: tests never share one)."""
    found = current_app.extensions.get("palabre.documents")
    if found is None:
        found = current_app.extensions.setdefault("palabre.documents", sync.Documents(store.HOOKS))
    return found


def section_room(section) -> str:
    """The room of a section's sockets (a section, its reference, or its id)."""
    return f"section:{section if isinstance(section, int) else section.id}"


def pending_rows(section_id: int) -> set[int]:
    """Rows of this section written by the current transaction, not committed yet."""
    return transaction_state("collab.pending_rows").setdefault(section_id, set())


def live_document(section_id: int) -> sync.LiveDoc:
    return documents().get(section_id, pending_rows(section_id))


# --- 1–3. receive, authorize, validate ----------------------------------------------------


def receive(user, section, data: bytes, kind: int, sid: str) -> dict | Later:
    """An editor's step 2 or update (``section``: a ``SectionRef`` the registry resolved and
    allowed to read): ``{ok: true}`` when there is nothing to write, else the writer's job,
    acknowledged once committed and relayed."""
    live = documents().get(section.id, max_age=math.inf if kind == sync.UPDATE else 0)
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
        live = documents().get(section.id)
        sync.check_update(live, update, parsed)
    return Acknowledged(submit(section, update, parsed, user.id, relay_skip=sid))


class Acknowledged(Later):
    """``{ok: true}`` once the writer thread has committed and relayed the update."""

    def __init__(self, written: Later) -> None:
        self.written = written

    def wait(self) -> dict:
        self.written.wait()
        return {"ok": True}


# --- 4–5. persist and commit (the writer thread) --------------------------------------------


@dataclass(frozen=True)
class EditorUpdate:
    """An update from an editor's socket, for the writer thread (see ``writer``)."""

    section_id: int
    address: str
    update: bytes
    parsed: ParsedUpdate
    user_id: int
    relay_skip: str


def submit(section, update: bytes, parsed: ParsedUpdate, user_id: int, relay_skip: str) -> Job:
    """Hand an editor's update to this app's writer thread; the job's ``wait()`` returns
    once it is committed and relayed (its row id), or raises why it was refused."""
    app = current_app._get_current_object()
    writer = app.extensions.get("palabre.collab_writer")
    if writer is None:
        writer = BatchWriter(app, write, after=housekeeping)
        writer = app.extensions.setdefault("palabre.collab_writer", writer)
    job = EditorUpdate(section.id, section.address, update, parsed, user_id, relay_skip)
    return writer.submit(job, timeout=app.config["COLLAB_WRITE_TIMEOUT"])


def write(job: EditorUpdate) -> int:
    """The writer's step for one update, inside the batch's transaction."""
    pending = pending_rows(job.section_id)
    live = documents().get(job.section_id, pending, max_age=WRITER_CATCH_UP)
    return _persist(job.section_id, job.address, job.update, job.parsed, job.user_id, live,
                    relay_skip=job.relay_skip, pending=pending)  # fmt: skip


def accept(
    section_id: int, address: str, update: bytes, user_id: int | None, *, checked: bool = True
) -> int:
    """Persist an update inside the current transaction (flush); applied and relayed after
    its commit. ``checked``: proven against the document first, as an editor's would be
    (a server edit, made by yrs on top of the document and of this transaction's own
    edits, is only bounded)."""
    live = live_document(section_id)
    parsed = sync.parse_section_update(update)
    if checked:
        sync.check_update(live, update, parsed)
    row_id = _persist(section_id, address, update, parsed, user_id, live)
    compact(live, pending_rows(section_id))
    return row_id


def _persist(
    section_id: int,
    address: str,
    update: bytes,
    parsed: ParsedUpdate,
    user_id: int | None,
    live: sync.LiveDoc,
    *,
    relay_skip: str | None = None,
    pending: set[int] | None = None,
) -> int:
    claim(live, parsed.news(live.state_vector()), user_id)
    row_id = store.append(section_id, update, user_id)
    (pending_rows(section_id) if pending is None else pending).add(row_id)
    live.appended(len(update), lambda: store.log_size(section_id))
    _maybe_checkpoint(live)
    after_commit(lambda: _apply_and_relay(live, row_id, update, parsed, address, relay_skip))
    return row_id


def claim(live: sync.LiveDoc, clients: Collection[int], user_id: int | None) -> None:
    """A Yjs client id belongs to the user who first wrote with it in the section: an
    update bringing new structs of another user's client id is refused (authorship could
    be forged otherwise); a new client id becomes the sender's. A browser's presence id is
    its document's client id, claimed the same way when it announces it (``events``)."""
    try:
        new = live.owns(clients, user_id, store.HOOKS)
    except PermissionError:
        raise Forbidden(_("This editor's identity belongs to another member.")) from None
    for client in new:
        store.remember_client(live.section_id, client, user_id)


# --- 6. apply and relay (after the commit) ----------------------------------------------------


def _apply_and_relay(
    live: sync.LiveDoc, row_id: int, update: bytes, parsed: ParsedUpdate, address: str, skip
) -> None:
    live.applied_row(row_id, update, parsed.halves)
    socketio.emit(
        "sync",
        {"section": address, "data": create_update_message(update)},
        to=section_room(live.section_id),
        namespace=NAMESPACE,
        skip_sid=skip,
    )


# --- 7. housekeeping --------------------------------------------------------------------------


def housekeeping(jobs: list[EditorUpdate]) -> None:
    """After a batch went out: compact the sections whose log grew past the bounds."""
    compact_written({job.section_id for job in jobs})


def compact_written(section_ids: Collection[int]) -> None:
    for section_id in section_ids:
        live = documents().cached(section_id)
        if live is not None:
            compact(live, set())


def compact(live: sync.LiveDoc, pending: set[int]) -> None:
    """Merge the section's log into its snapshot if it is past the bounds (``store``)."""
    if not live.compaction_due(store.COMPACT_AFTER_UPDATES, store.COMPACT_AFTER_BYTES):
        return
    state, applied, version = live.compacting()
    done = store.compact(live.section_id, state, version=version, exclude=pending,
                         included=applied)  # fmt: skip
    # Rows merged are committed ones (ours are excluded): the live document may have
    # missed one another writer committed since it last read the log.
    live.compacted(
        done.unapplied, done.version, done.snapshot_bytes, store.log_size(live.section_id)
    )


def _maybe_checkpoint(live: sync.LiveDoc) -> None:
    if live.last_checkpoint is None:
        live.last_checkpoint = db.session.scalar(
            select(func.max(Checkpoint.created_at)).where(Checkpoint.section_id == live.section_id)
        )
    if live.last_checkpoint is None or utcnow() - live.last_checkpoint >= CHECKPOINT_EVERY:
        add_checkpoint(live, None, name="", automatic=True)


def add_checkpoint(live: sync.LiveDoc, actor, *, name: str, automatic: bool) -> Checkpoint:
    """A named version of the section's text and state (flush)."""
    with live.lock:
        state, text = live.doc.get_update(), live.text()
    checkpoint = Checkpoint(
        section_id=live.section_id,
        name=(name or "").strip()[:120],
        automatic=automatic,
        text=text,
        state=state,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(checkpoint)
    db.session.flush()
    live.last_checkpoint = checkpoint.created_at
    return checkpoint
