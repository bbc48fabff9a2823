"""Persistence of section documents: an append-only log of updates plus a snapshot.

The invariant, on which nothing else may bend: **a section's document is its snapshot
merged with every row of its log** (``section_updates`` not set aside). Compaction merges
rows into the snapshot and deletes exactly the rows it merged, in one transaction; loading
applies the snapshot and every row that remains. No row is ever skipped by comparing ids
(ids are handed out before commit, out of commit order with several writers; and SQLite
without AUTOINCREMENT reused the ids of deleted rows, which lost acknowledged edits):
a reader keeps the set of rows it has applied among those in the log, and the snapshot's
``version``, which every compaction changes, tells it when to read the snapshot again.

A row that cannot be applied when a section loads is set aside (``quarantine``): logged,
marked, listed for the organizers, never deleted, never compacted; the rest is served.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from typing import NamedTuple

from pycrdt import Doc
from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.collaboration import sync
from app.collaboration.models import SectionClient, SectionSnapshot, SectionUpdate
from app.core.models import utcnow
from app.core.transactions import hold_until_end, transaction_state
from app.extensions import db

# Merge the log into the snapshot past this many updates or bytes.
COMPACT_AFTER_UPDATES = 200
COMPACT_AFTER_BYTES = 256 * 1024

_SQLITE_WRITER = threading.Lock()  # SQLite has one writer at a time: queue them here

_updates = SectionUpdate.__table__.c
_snapshots = SectionSnapshot.__table__.c


log = logging.getLogger(__name__)


def writing() -> None:
    """Before a write: on SQLite, queue on this process's writer lock until the
    transaction ends (a writer waiting here is woken at once, where SQLite's busy handler
    would sleep, blocking every greenlet of the process)."""
    if db.engine.dialect.name == "sqlite":
        hold_until_end(_SQLITE_WRITER)


def snapshot(section_id: int) -> SectionSnapshot | None:
    return db.session.get(SectionSnapshot, section_id)


# Core statements compiled once: the live editor's writer asks these many times a second.
_VERSION = select(_snapshots.version).where(_snapshots.section_id == bindparam("section_id"))
_LOG_IDS = select(_updates.id).where(
    _updates.section_id == bindparam("section_id"), _updates.quarantined_at.is_(None)
)


def _version(section_id: int) -> int | None:
    return db.session.connection().execute(_VERSION, {"section_id": section_id}).scalar()


class Committed(NamedTuple):
    snapshot: tuple[bytes, int] | None  # (data, version) when the snapshot must be applied
    rows: list[tuple[int, bytes]]  # rows of the log not in ``exclude``, in id order
    log_ids: set[int]  # every row of the log now (those of ``exclude`` included)


def committed(
    section_id: int, *, version: int | None, exclude: Collection[int] = frozenset()
) -> Committed:
    """What is durable for a section and a reader lacks: the snapshot if its version is
    not ``version`` (None: a first load), and the rows of the log except ``exclude`` (rows
    the reader applied already, and those this transaction wrote and has not committed).
    Reads through the session: no second connection per message.

    If another process compacts between the reads (each statement sees the latest commit
    under READ COMMITTED), the rows it merged would be missed: the version is read again
    after the rows, and the read retried.
    """
    while True:
        seen = _version(section_id)
        snap = None
        if seen is not None and seen != version:
            data = db.session.scalar(
                select(SectionSnapshot.data).where(SectionSnapshot.section_id == section_id)
            )
            snap = (data, seen)
        ids = set(db.session.connection().execute(_LOG_IDS, {"section_id": section_id}).scalars())
        wanted = sorted(ids.difference(exclude))
        rows = []
        for start in range(0, len(wanted), 500):
            query = select(SectionUpdate.id, SectionUpdate.data).where(
                SectionUpdate.id.in_(wanted[start : start + 500])
            )
            rows += [(r.id, r.data) for r in db.session.execute(query.order_by(SectionUpdate.id))]
        if _version(section_id) == seen:
            return Committed(snap, rows, ids)


def quarantine(row_id: int, reason: str) -> None:
    """Set a stored update aside: kept, never applied, compacted nor deleted (flush)."""
    log.warning("update %s set aside: %s", row_id, reason)
    writing()
    db.session.execute(
        update(SectionUpdate)
        .where(SectionUpdate.id == row_id)
        .values(quarantined_at=utcnow(), quarantine_reason=reason[:200])
    )
    db.session.flush()


def quarantined(section_ids: Collection[int]) -> list[SectionUpdate]:
    """The updates set aside in these sections, newest first."""
    if not section_ids:
        return []
    return list(
        db.session.scalars(
            select(SectionUpdate)
            .where(
                SectionUpdate.section_id.in_(list(section_ids)),
                SectionUpdate.quarantined_at.is_not(None),
            )
            .order_by(SectionUpdate.id.desc())
        )
    )


_APPEND = insert(SectionUpdate.__table__).returning(SectionUpdate.__table__.c.id)


def append(section_id: int, data: bytes, user_id: int | None) -> int:
    """Write one update (one compiled Core INSERT: the live editor's hot path skips the ORM),
    on the transaction's connection, looked up (and the SQLite writer lock taken) once per
    transaction: the writer thread appends a batch of updates in one."""
    values = {"section_id": section_id, "data": data, "user_id": user_id, "created_at": utcnow()}
    state = transaction_state("collab.store")
    connection = state.get("connection")
    if connection is None:
        writing()
        connection = state["connection"] = db.session.connection()
    return connection.execute(_APPEND, values).scalar_one()


def log_size(section_id: int) -> tuple[int, int]:
    """(number of updates, bytes) waiting in the log of a section."""
    count, size = db.session.execute(
        select(
            func.count(SectionUpdate.id),
            func.coalesce(func.sum(func.length(SectionUpdate.data)), 0),
        ).where(SectionUpdate.section_id == section_id, SectionUpdate.quarantined_at.is_(None))
    ).one()
    return int(count), int(size)


def stored_bytes(section_id: int) -> int:
    current = snapshot(section_id)
    return (len(current.data) if current else 0) + log_size(section_id)[1]


class Compacted(NamedTuple):
    unapplied: list[bytes]  # merged rows the live document had not applied (it should)
    snapshot_bytes: int  # the size of the section's snapshot now
    version: int  # the snapshot's version now


def compact(
    section_id: int,
    state: bytes,
    *,
    version: int | None,
    exclude: Collection[int] = frozenset(),
    included: Collection[int] = frozenset(),
) -> Compacted:
    """Merge the log into the snapshot, with ``state`` (the live document), and delete
    exactly the rows merged. Every row deleted is merged first, whether or not the live
    document had applied it (with several writers one may have committed meanwhile): only
    the rows in ``included``, known to be in ``state`` already, are not applied again, and
    the snapshot is among the ``unapplied`` when the live document had another ``version``.
    ``exclude`` (this transaction's own rows) stay in the log, and so do rows set aside
    (a row that cannot be merged is set aside here)."""
    writing()
    _ensure_snapshot_row(section_id)
    current = db.session.scalar(
        select(SectionSnapshot)
        .where(SectionSnapshot.section_id == section_id)
        .with_for_update()
        .execution_options(populate_existing=True)  # the row as locked, not as seen before
    )
    query = select(SectionUpdate.id, SectionUpdate.data).where(
        SectionUpdate.section_id == section_id, SectionUpdate.quarantined_at.is_(None)
    )
    if exclude:
        query = query.where(SectionUpdate.id.not_in(list(exclude)))
    rows = list(db.session.execute(query.order_by(SectionUpdate.id)))
    # The union re-encoded by a document (which drops deleted content, unlike merging
    # the raw updates); the previous snapshot is part of it: never lose what another
    # process merged.
    union = Doc()
    if current.version:
        union.apply_update(current.data)
    union.apply_update(state)
    unapplied, merged = [], []
    if current.version and current.version != version:
        unapplied.append(current.data)
    for row in rows:
        if row.id not in included:
            reason = sync.apply_checked(union, row.data)
            if reason is not None:
                quarantine(row.id, reason)
                continue
            unapplied.append(row.data)
        merged.append(row.id)
    current.data = union.get_update()
    current.version += 1
    current.updated_at = utcnow()
    for chunk in range(0, len(merged), 500):
        db.session.execute(
            delete(SectionUpdate).where(SectionUpdate.id.in_(merged[chunk : chunk + 500]))
        )
    db.session.flush()
    return Compacted(unapplied, len(current.data), current.version)


_EMPTY = Doc().get_update()


def _ensure_snapshot_row(section_id: int) -> None:
    """The section's snapshot row, version 0 if new, inserted unless it exists: a row to
    lock. Two processes compacting a section without a snapshot would otherwise both
    insert one (``SELECT … FOR UPDATE`` locks nothing that does not exist yet); with this,
    the second waits on the first's insert, then locks its row."""
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        statement = postgresql_insert(SectionSnapshot.__table__)
    else:
        statement = sqlite_insert(SectionSnapshot.__table__)
    db.session.execute(
        statement.values(
            section_id=section_id, data=_EMPTY, version=0, updated_at=utcnow()
        ).on_conflict_do_nothing(index_elements=["section_id"])
    )


def known_clients(section_id: int) -> dict[int, int | None]:
    rows = db.session.execute(
        select(SectionClient.client_id, SectionClient.user_id).where(
            SectionClient.section_id == section_id
        )
    )
    return {row.client_id: row.user_id for row in rows}


def remember_client(section_id: int, client_id: int, user_id: int | None) -> None:
    if db.session.get(SectionClient, (section_id, client_id)) is None:
        writing()
        db.session.add(SectionClient(section_id=section_id, client_id=client_id, user_id=user_id))
        db.session.flush()


# What the document cache (``sync.Documents``) asks of this store.
HOOKS = sync.Hooks(committed=committed, quarantine=quarantine, known_clients=known_clients)
