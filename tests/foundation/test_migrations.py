"""The committed migrations build exactly the schema the models describe.

Alembic's ``compare_metadata`` (the first two tests) does not look at everything: the
last two compare, on the migrated schema, what it leaves out — SQLite's AUTOINCREMENT,
server defaults, and the names of primary keys, unique constraints, indexes, foreign keys
and check constraints.
"""

import re

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import (
    CheckConstraint,
    Column,
    DefaultClause,
    Identity,
    MetaData,
    Table,
    UniqueConstraint,
    inspect,
    text,
)
from sqlalchemy.engine import Connection, Dialect

from app import create_app
from app.config import TestConfig
from app.extensions import db
from tests.conftest import TEST_DATABASE_URL

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


# --- what compare_metadata leaves out -----------------------------------------------------


def _autoincrement_differences(connection: Connection, metadata: MetaData) -> list[str]:
    """SQLite: a table whose model asks for ``sqlite_autoincrement`` (ids never reused) is
    created with AUTOINCREMENT, and no other table is."""
    created = dict(
        connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all()
    )
    differences = []
    for name, sql in sorted(created.items()):
        if name.startswith("sqlite_"):  # sqlite_sequence: SQLite's own
            continue
        has = re.search(r"\bAUTOINCREMENT\b", sql or "", re.IGNORECASE) is not None
        table = metadata.tables.get(name)
        wanted = bool(table is not None and table.dialect_options["sqlite"]["autoincrement"])
        if wanted and not has:
            differences.append(
                f"{name}: the model asks for sqlite_autoincrement, but the migrated "
                "CREATE TABLE has no AUTOINCREMENT (SQLite may reuse the largest id once "
                "its row is deleted)"
            )
        elif has and not wanted:
            differences.append(
                f"{name}: the migrated CREATE TABLE has AUTOINCREMENT, the model does not "
                "ask for sqlite_autoincrement"
            )
    return differences


_TRAILING_CAST = re.compile(r"::\s*\"?[a-z_][\w ]*\"?(\([\d, ]*\))?(\[\])?\s*$", re.IGNORECASE)
_SEQUENCE = re.compile(r"nextval\('[^']*'(::regclass)?\)", re.IGNORECASE)


def _wrapped_in_parentheses(sql: str) -> bool:
    if not (sql.startswith("(") and sql.endswith(")")):
        return False
    depth = 0
    for position, character in enumerate(sql):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0 and position < len(sql) - 1:
            return False  # "(a) + (b)": the first parenthesis closes early
    return True


def _normalised_default(sql: str) -> str:
    """One spelling of a default: no outer parentheses (SQLite keeps them), no trailing
    cast (PostgreSQL adds ``::character varying``), a string literal unquoted, anything
    else in lower case."""
    value = sql.strip()
    while True:
        previous = value
        value = _TRAILING_CAST.sub("", value).strip()
        if _wrapped_in_parentheses(value):
            value = value[1:-1].strip()
        if value == previous:
            break
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    return value.lower()


def _model_default(table: Table, column, dialect: Dialect) -> str | None:
    default = column.server_default
    if isinstance(default, Identity):
        return "<identity>"
    if isinstance(default, DefaultClause):
        if isinstance(default.arg, str):  # rendered as a string literal
            return default.arg
        compiled = default.arg.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        return _normalised_default(str(compiled))
    if default is None and dialect.name == "postgresql" and column is table.autoincrement_column:
        return "<sequence>"  # SERIAL: the ids come from the column's sequence
    return None


def _migrated_default(reflected: dict) -> str | None:
    if reflected.get("identity"):
        return "<identity>"
    default = reflected.get("default")
    if default is None:
        return None
    if _SEQUENCE.fullmatch(default.strip()):
        return "<sequence>"
    return _normalised_default(default)


def _default_differences(table: Table, reflected_columns: list[dict], dialect) -> list[str]:
    migrated = {column["name"]: column for column in reflected_columns}
    differences = []
    for column in table.columns:
        if column.name not in migrated:
            continue  # a missing column: compare_metadata reports it
        wanted = _model_default(table, column, dialect)
        found = _migrated_default(migrated[column.name])
        if wanted != found:
            differences.append(
                f"{table.name}.{column.name}: server default {wanted!r} in the model, "
                f"{found!r} in the migrated schema"
            )
    return differences


def _columns(items) -> str:
    names = (item.name if isinstance(item, Column) else str(item) for item in items)
    return "(" + ", ".join(names) + ")"


def _model_constraints(table: Table, dialect: Dialect) -> dict[str, list[tuple[str | None, str]]]:
    """Per kind, each model constraint as (name or None, what it is on). The naming
    convention of ``app.extensions`` names every one of them once attached to its table."""

    def named(item) -> str | None:
        return str(item.name) if isinstance(item.name, str) else None

    primary_key = named(table.primary_key)
    if dialect.name == "sqlite" and table.dialect_options["sqlite"]["autoincrement"]:
        # "id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT": SQLAlchemy writes this primary
        # key on the column, without its name (create_all does the same).
        primary_key = None
    return {
        "primary key": [(primary_key, _columns(table.primary_key.columns))],
        "unique constraint": [
            (named(c), _columns(c.columns))
            for c in table.constraints
            if isinstance(c, UniqueConstraint)
        ],
        "index": [(named(index), _columns(index.expressions)) for index in table.indexes],
        "foreign key": [
            (named(fk), f"{_columns(fk.columns)} -> {fk.referred_table.name}")
            for fk in table.foreign_key_constraints
        ],
        "check constraint": [
            (named(c), f"CHECK ({_normalised_check(str(c.sqltext))})")
            for c in table.constraints
            if isinstance(c, CheckConstraint)
        ],
    }


def _normalised_check(sql: str) -> str:
    while _wrapped_in_parentheses(sql.strip()):
        sql = sql.strip()[1:-1]
    return re.sub(r"\s+", " ", sql).strip().lower()


def _migrated_constraints(inspector, table: str) -> dict[str, list[tuple[str | None, str]]]:
    primary_key = inspector.get_pk_constraint(table)
    return {
        "primary key": [(primary_key.get("name"), _columns(primary_key["constrained_columns"]))],
        "unique constraint": [
            (c["name"], _columns(c["column_names"]))
            for c in inspector.get_unique_constraints(table)
        ],
        "index": [
            (
                index["name"],
                _columns(
                    name if name is not None else expression
                    for name, expression in zip(
                        index["column_names"],
                        index.get("expressions") or index["column_names"],
                        strict=True,
                    )
                ),
            )
            for index in inspector.get_indexes(table)
            # PostgreSQL lists the index behind each unique constraint too.
            if "duplicates_constraint" not in index
        ],
        "foreign key": [
            (fk["name"], f"{_columns(fk['constrained_columns'])} -> {fk['referred_table']}")
            for fk in inspector.get_foreign_keys(table)
        ],
        "check constraint": [
            (c["name"], f"CHECK ({_normalised_check(c['sqltext'])})")
            for c in inspector.get_check_constraints(table)
        ],
    }


def _name_differences(table: str, kind: str, model: list, migrated: list) -> list[str]:
    """Compared by name; an unnamed model constraint (no naming convention applies) by
    what it is on."""
    model_names = {name for name, _ in model if name}
    unmatched = [(name, on) for name, on in migrated if name not in model_names]
    differences = [
        f"{table}: {kind} {name} {on} is in the model, not in the migrated schema"
        for name, on in model
        if name and name not in {migrated_name for migrated_name, _ in migrated}
    ]
    for name, on in model:
        if name:
            continue
        match = next((item for item in unmatched if item[1] == on), None)
        if match is None:
            differences.append(
                f"{table}: an unnamed {kind} {on} is missing from the migrated schema"
            )
        else:
            unmatched.remove(match)
    differences += [
        f"{table}: the migrated schema has {kind} {name or '(unnamed)'} {on}, the model "
        f"has no such {kind}"
        for name, on in unmatched
    ]
    return differences


def _schema_differences(connection: Connection, metadata: MetaData) -> list[str]:
    inspector = inspect(connection)
    existing = set(inspector.get_table_names())
    differences = []
    if connection.dialect.name == "sqlite":
        differences += _autoincrement_differences(connection, metadata)
    for table in metadata.sorted_tables:
        if table.name not in existing:
            differences.append(f"{table.name}: the table is not in the migrated schema")
            continue
        differences += _default_differences(
            table, inspector.get_columns(table.name), connection.dialect
        )
        migrated = _migrated_constraints(inspector, table.name)
        for kind, model in _model_constraints(table, connection.dialect).items():
            differences += _name_differences(table.name, kind, model, migrated[kind])
    return differences


def _migrated_schema_differences(url: str, instance: str) -> list[str]:
    app = create_app(TestConfig(url, instance))
    with app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            differences = _schema_differences(connection, db.metadata)
        db.engine.dispose()
    return differences


def _report(differences: list[str]) -> str:
    return "the migrated schema differs from the models:\n" + "\n".join(
        f"  - {difference}" for difference in differences
    )


@pytest.mark.sqlite_only
def test_migrations_match_the_models_on_sqlite(tmp_path):
    assert _differences(f"sqlite:///{tmp_path / 'migrated.sqlite3'}", str(tmp_path)) == []


@pytest.mark.postgres
def test_migrations_match_the_models_on_postgresql(tmp_path, empty_postgres_database):
    assert _differences(empty_postgres_database, str(tmp_path)) == []


@pytest.mark.sqlite_only
def test_the_migrated_schema_keeps_what_compare_metadata_ignores_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    differences = _migrated_schema_differences(url, str(tmp_path))
    assert not differences, _report(differences)


@pytest.mark.postgres
def test_the_migrated_schema_keeps_what_compare_metadata_ignores_on_postgresql(
    tmp_path, empty_postgres_database
):
    differences = _migrated_schema_differences(empty_postgres_database, str(tmp_path))
    assert not differences, _report(differences)
