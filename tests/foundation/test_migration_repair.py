"""The durable-updates migration repairs a database in the state the earlier schema left it:
ids reused after a compaction, rows at or below the snapshot that loading used to skip."""

from __future__ import annotations

import flask_migrate
import pytest
from pycrdt import Doc
from sqlalchemy import text

from app import create_app
from app.collaboration import services, store, sync
from app.config import TestConfig
from app.core.transactions import commit
from app.extensions import db
from app.workshops.demo import load_demo
from tests.collaboration.hostile import typed

BEFORE = "806c36e2d798"  # the last revision of the earlier schema
SECTION = "malisig-2023/gouvernement/q1"
# section_updates as the initial migration made it: no AUTOINCREMENT.
OLD_TABLE = """
CREATE TABLE section_updates (
    id INTEGER NOT NULL,
    section_id INTEGER NOT NULL,
    data BLOB NOT NULL,
    user_id INTEGER,
    created_at DATETIME NOT NULL,
    CONSTRAINT pk_section_updates PRIMARY KEY (id),
    CONSTRAINT fk_section_updates_section_id_sections FOREIGN KEY(section_id)
        REFERENCES sections (id) ON DELETE CASCADE,
    CONSTRAINT fk_section_updates_user_id_users FOREIGN KEY(user_id)
        REFERENCES users (id) ON DELETE SET NULL
)
"""


@pytest.fixture
def broken_database(tmp_path):
    """A database as the earlier version left it: five updates compacted into the snapshot
    (``last_update_id`` 5), their rows deleted, then two more updates that SQLite gave
    the ids 1 and 2 again, which loading skipped as compacted."""
    app = create_app(TestConfig(f"sqlite:///{tmp_path / 'old.sqlite3'}", str(tmp_path)))
    markers = [f"{{marqueur {n}}} " for n in range(7)]
    updates = typed(*markers)
    with app.app_context():
        flask_migrate.upgrade()
        load_demo()
        commit()
        section_id = services.resolve_section(SECTION).id
        flask_migrate.downgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            connection.execute(text("DELETE FROM section_updates"))
            connection.execute(text("DELETE FROM section_snapshots"))
            connection.execute(text("DROP TABLE section_updates"))
            connection.execute(text(OLD_TABLE))
            insert_row = text(
                "INSERT INTO section_updates (section_id, data, created_at)"
                " VALUES (:section, :data, CURRENT_TIMESTAMP) RETURNING id"
            )
            ids = [
                connection.execute(insert_row, {"section": section_id, "data": data}).scalar()
                for data in updates[:5]
            ]
            snapshot = Doc()
            for data in updates[:5]:
                snapshot.apply_update(data)
            connection.execute(
                text(
                    "INSERT INTO section_snapshots (section_id, data, last_update_id, updated_at)"
                    " VALUES (:section, :data, :last, CURRENT_TIMESTAMP)"
                ),
                {"section": section_id, "data": snapshot.get_update(), "last": max(ids)},
            )
            connection.execute(text("DELETE FROM section_updates"))
            reused = [
                connection.execute(insert_row, {"section": section_id, "data": data}).scalar()
                for data in updates[5:]
            ]
        assert reused == [1, 2]  # the bug: ids handed out again, at or below the snapshot's
        db.session.remove()
        yield app, markers
        db.engine.dispose()


@pytest.mark.sqlite_only
def test_the_upgrade_brings_back_every_acknowledged_update(broken_database):
    app, markers = broken_database
    with app.app_context():
        flask_migrate.upgrade()
        section = services.resolve_section(SECTION)
        loaded = sync.Documents(store.HOOKS).get(section.id).text()
    assert [marker for marker in markers if marker not in loaded] == []


@pytest.mark.sqlite_only
def test_the_upgrade_merges_the_skipped_rows_into_the_snapshot(broken_database):
    app, _markers = broken_database
    with app.app_context():
        flask_migrate.upgrade()
        rows = db.session.execute(text("SELECT count(*) FROM section_updates")).scalar()
    assert rows == 0


@pytest.mark.sqlite_only
def test_after_the_upgrade_ids_are_never_handed_out_again(broken_database):
    app, _markers = broken_database
    with app.app_context():
        flask_migrate.upgrade()
        sql = db.session.execute(
            text("SELECT sql FROM sqlite_master WHERE name = 'section_updates'")
        ).scalar()
        section = services.resolve_section(SECTION)
        row_id = services.store.append(section.id, typed("nouveau")[0], None)
        commit()
    assert "AUTOINCREMENT" in sql
    assert row_id > 5
