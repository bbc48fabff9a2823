"""durable section updates: AUTOINCREMENT, quarantine, snapshot version; recover skipped rows

Databases made by the earlier migrations lost acknowledged edits on SQLite: the initial
migration created ``section_updates`` without AUTOINCREMENT (the model asked for it, Alembic
does not compare it), so ids of deleted newest rows were handed out again, fell at or below
their section's ``section_snapshots.last_update_id`` and were skipped on load. This
migration

1. merges into each snapshot every row still on disk at or below its ``last_update_id``
   (applying a Yjs update twice is harmless), then deletes those rows; a row that cannot be
   read is left in the log, where the next load sets it aside (quarantine) and serves the rest;
2. rebuilds ``section_updates`` with AUTOINCREMENT on SQLite, its sequence past every id a
   snapshot names, and adds the quarantine columns;
3. renames ``last_update_id`` to ``version``: loading no longer compares ids (store.py).

Revision ID: 3f1c2a9d7e10
Revises: 806c36e2d798
Create Date: 2026-12-03 07:00:00

"""

import logging

import sqlalchemy as sa
from alembic import op

import app.core.models

# revision identifiers, used by Alembic.
revision = "3f1c2a9d7e10"
down_revision = "806c36e2d798"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def _merge_skipped_rows(connection) -> None:
    # Imported here: only this step needs Yjs, and only the pure-Python reader runs first
    # (it bounds what reaches yrs, as the server does for a client's bytes).
    from pycrdt import Doc

    from app.collaboration.yupdate import UpdateFormatError, parse_update

    snapshots = connection.execute(
        sa.text("SELECT section_id, data, last_update_id FROM section_snapshots")
    ).all()
    for section_id, data, last_update_id in snapshots:
        rows = connection.execute(
            sa.text(
                "SELECT id, data FROM section_updates"
                " WHERE section_id = :section AND id <= :last ORDER BY id"
            ),
            {"section": section_id, "last": last_update_id},
        ).all()
        if not rows:
            continue
        doc = Doc()
        doc.apply_update(data)
        merged = []
        for row_id, update in rows:
            try:
                parse_update(update)
                doc.apply_update(update)
            except (KeyboardInterrupt, SystemExit):
                raise
            except (UpdateFormatError, BaseException):  # a Rust panic is a BaseException
                log.warning(
                    "section %s: update %s cannot be read, left in the log", section_id, row_id
                )
                continue
            merged.append(row_id)
        connection.execute(
            sa.text("UPDATE section_snapshots SET data = :data WHERE section_id = :section"),
            {"data": doc.get_update(), "section": section_id},
        )
        for start in range(0, len(merged), 500):
            connection.execute(
                sa.text("DELETE FROM section_updates WHERE id IN :ids").bindparams(
                    sa.bindparam("ids", expanding=True)
                ),
                {"ids": merged[start : start + 500]},
            )
        log.info("section %s: %d skipped updates merged into its snapshot", section_id, len(merged))


def upgrade():
    connection = op.get_bind()
    _merge_skipped_rows(connection)
    sqlite = connection.dialect.name == "sqlite"
    with op.batch_alter_table(
        "section_updates",
        schema=None,
        recreate="always" if sqlite else "auto",
        table_kwargs={"sqlite_autoincrement": True},
    ) as batch_op:
        batch_op.add_column(
            sa.Column("quarantined_at", app.core.models.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("quarantine_reason", sa.String(length=200), nullable=True))
    if sqlite:
        # Past every id ever handed out that a snapshot still names.
        highest = connection.execute(
            sa.text(
                "SELECT max(coalesce((SELECT max(id) FROM section_updates), 0),"
                " coalesce((SELECT max(last_update_id) FROM section_snapshots), 0))"
            )
        ).scalar()
        connection.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = 'section_updates'"))
        connection.execute(
            sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('section_updates', :seq)"),
            {"seq": highest},
        )
    with op.batch_alter_table("section_snapshots", schema=None) as batch_op:
        batch_op.alter_column("last_update_id", new_column_name="version")


def downgrade():
    with op.batch_alter_table("section_snapshots", schema=None) as batch_op:
        batch_op.alter_column("version", new_column_name="last_update_id")
    with op.batch_alter_table("section_updates", schema=None) as batch_op:
        batch_op.drop_column("quarantine_reason")
        batch_op.drop_column("quarantined_at")
