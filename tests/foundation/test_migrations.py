"""The committed migrations build exactly the schema the models describe."""

import uuid

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.config import TestConfig
from app.extensions import db
from tests.conftest import TEST_DATABASE_URL, needs_service

POSTGRES_URL = (
    TEST_DATABASE_URL
    if TEST_DATABASE_URL.startswith("postgresql")
    else "postgresql://postgres@127.0.0.1:5432/test"
)


def _differences(url: str, instance: str) -> list:
    app = create_app(TestConfig(url, instance))
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    return differences


@pytest.fixture
def empty_postgres_database():
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            pass
    except Exception as error:  # any connection failure means "absent"
        admin.dispose()
        needs_service("PostgreSQL", f"cannot connect to {POSTGRES_URL}: {error.__class__.__name__}")
    name = f"palabre_mig_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.sqlite_only
def test_migrations_match_the_models_on_sqlite(tmp_path):
    assert _differences(f"sqlite:///{tmp_path / 'migrated.sqlite3'}", str(tmp_path)) == []


@pytest.mark.postgres
def test_migrations_match_the_models_on_postgresql(tmp_path, empty_postgres_database):
    assert _differences(empty_postgres_database, str(tmp_path)) == []
