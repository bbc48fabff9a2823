"""Persistence of section documents: an append-only log of updates plus a snapshot.

Loading a section = its snapshot, then every update after it, in id order. Compaction
merges the log into the snapshot (in the same transaction as the update that triggers it)
so that storage stays proportional to the document, not to the keystrokes.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

from pycrdt import Doc
from sqlalchemy import bindparam, delete, func, insert, select

from app.collaboration.models import SectionClient, SectionSnapshot, SectionUpdate
from app.core.models import utcnow
from app.extensions import db

# Merge the log into the snapshot past this many updates or bytes.
COMPACT_AFTER_UPDATES = 200
COMPACT_AFTER_BYTES = 256 * 1024


def snapshot(section_id: int) -> SectionSnapshot | None:
    return db.session.get(SectionSnapshot, section_id)


_SNAPSHOT_ID = select(SectionSnapshot.__table__.c.last_update_id).where(
    SectionSnapshot.__table__.c.section_id == bindparam("section_id")
)
_ROW_IDS = select(SectionUpdate.__table__.c.id).where(
    SectionUpdate.__table__.c.section_id == bindparam("section_id"),
    SectionUpdate.__table__.c.id > bindparam("after"),
)


def _snapshot_id(section_id: int) -> int | None:
    # Core statements compiled once: the live editor's writer asks these many times a second.
    return db.session.connection().execute(_SNAPSHOT_ID, {"section_id": section_id}).scalar()


def committed(
    section_id: int,
    after_id: int,
    *,
    snapshot_if_after: int | None,
    exclude: set[int] | frozenset[int] = frozenset(),
    reorder_window: int = 0,
):
    """What is durable for a section: (snapshot data and id, or None; rows after
    ``after_id`` except ``exclude`` (rows already applied, and those this transaction wrote
    and has not committed yet); the newest row id seen). The snapshot is read only when it
    goes past ``snapshot_if_after`` (None: read it whatever its id). Reads through the
    session: no second connection per message.

    If another process compacts between reading the snapshot and reading the rows (each
    statement sees the latest commit under READ COMMITTED), the rows it merged would be
    missed: the snapshot id is read again after the rows, and the read retried.
    """
    while True:
        snap = None
        snap_id = _snapshot_id(section_id)
        start = after_id
        if snap_id is not None and (snapshot_if_after is None or snap_id > snapshot_if_after):
            data = db.session.scalar(
                select(SectionSnapshot.data).where(SectionSnapshot.section_id == section_id)
            )
            snap = (data, snap_id)
            # Rows just below the snapshot may have committed after it was made: read them.
            start = max(after_id, snap_id - reorder_window)
        # Ids first (usually all known already), then the data of the others only.
        parameters = {"section_id": section_id, "after": start}
        ids = list(db.session.connection().execute(_ROW_IDS, parameters).scalars())
        wanted = [row_id for row_id in ids if row_id not in exclude]
        rows = []
        if wanted:
            query = select(SectionUpdate.id, SectionUpdate.data).where(SectionUpdate.id.in_(wanted))
            rows = [(r.id, r.data) for r in db.session.execute(query.order_by(SectionUpdate.id))]
        if _snapshot_id(section_id) == snap_id:
            return snap, rows, max(ids, default=start)


_APPEND = insert(SectionUpdate.__table__).returning(SectionUpdate.__table__.c.id)


def append(section_id: int, data: bytes, user_id: int | None) -> int:
    """Write one update (one compiled Core INSERT: the live editor's hot path skips the ORM)."""
    values = {"section_id": section_id, "data": data, "user_id": user_id, "created_at": utcnow()}
    return db.session.connection().execute(_APPEND, values).scalar_one()


def log_size(section_id: int) -> tuple[int, int]:
    """(number of updates, bytes) waiting in the log of a section."""
    count, size = db.session.execute(
        select(
            func.count(SectionUpdate.id),
            func.coalesce(func.sum(func.length(SectionUpdate.data)), 0),
        ).where(SectionUpdate.section_id == section_id)
    ).one()
    return int(count), int(size)


def stored_bytes(section_id: int) -> int:
    current = snapshot(section_id)
    return (len(current.data) if current else 0) + log_size(section_id)[1]


class Compacted(NamedTuple):
    unapplied: list[bytes]  # merged rows the live document had not applied (it should)
    snapshot_bytes: int  # the size of the section's snapshot now


def compact(
    section_id: int,
    state: bytes,
    last_update_id: int,
    *,
    exclude: Collection[int] = frozenset(),
    included: Collection[int] = frozenset(),
) -> Compacted:
    """Merge the log up to ``last_update_id`` into the snapshot, with ``state`` (the
    live document). Every row deleted is merged first, whether or not the live document
    had applied it (with several writers one may have committed meanwhile): only the rows
    in ``included``, known to be in ``state`` already, are not applied again. ``exclude``
    (this transaction's own rows) stay in the log."""
    current = db.session.scalar(
        select(SectionSnapshot).where(SectionSnapshot.section_id == section_id).with_for_update()
    )
    if current is not None and current.last_update_id >= last_update_id:
        return Compacted([], len(current.data))  # another process compacted further already
    query = select(SectionUpdate.id, SectionUpdate.data).where(
        SectionUpdate.section_id == section_id, SectionUpdate.id <= last_update_id
    )
    if exclude:
        query = query.where(SectionUpdate.id.not_in(exclude))
    rows = list(db.session.execute(query.order_by(SectionUpdate.id)))
    unapplied = [row.data for row in rows if row.id not in included]
    # The union re-encoded by a document (which drops deleted content, unlike merging
    # the raw updates); the previous snapshot is part of it: never lose what another
    # process merged.
    union = Doc()
    if current is not None:
        union.apply_update(current.data)
    union.apply_update(state)
    for data in unapplied:
        union.apply_update(data)
    if current is None:
        current = SectionSnapshot(section_id=section_id, data=b"")
        db.session.add(current)
    current.data = union.get_update()
    current.last_update_id = last_update_id
    current.updated_at = utcnow()
    ids = [row.id for row in rows]
    for chunk in range(0, len(ids), 500):
        db.session.execute(
            delete(SectionUpdate).where(SectionUpdate.id.in_(ids[chunk : chunk + 500]))
        )
    db.session.flush()
    return Compacted(unapplied, len(current.data))


def known_clients(section_id: int) -> dict[int, int | None]:
    rows = db.session.execute(
        select(SectionClient.client_id, SectionClient.user_id).where(
            SectionClient.section_id == section_id
        )
    )
    return {row.client_id: row.user_id for row in rows}


def remember_client(section_id: int, client_id: int, user_id: int | None) -> None:
    if db.session.get(SectionClient, (section_id, client_id)) is None:
        db.session.add(SectionClient(section_id=section_id, client_id=client_id, user_id=user_id))
        db.session.flush()
