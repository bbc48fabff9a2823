"""Fixtures shared by the whole suite.

- ``app``: a Palabre app on its own fresh database (SQLite file per test by default; a
  fresh PostgreSQL database per test when ``TEST_DATABASE_URL`` is a postgresql:// URL).
  Its schema is the users' one: the Alembic migrations build a template database once
  per session, and each test gets a copy of it (never the models' own DDL).
- factories: ``create_user``, ``create_edition``, ``add_member``, ``demo`` (the MaliSIG
  2023 demo edition, papers written) and ``blank_demo`` (the same, papers blank), each
  committing like the real request boundary would.
- ``client_for(user)``: an HTTP test client logged in as ``user``; ``client`` anonymous.
- ``live_server``: the real threaded server (``app.server``) on a free port, for
  Socket.IO clients and the browser; ``socketio_client(user)``: a python-socketio
  client connected with the user's session cookie.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
import pytest
from flask import g
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.config import TestConfig
from app.extensions import db

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
PASSWORD = "correct horse battery"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI nothing may skip (``make test``): a skip, however it came, fails the test."""
    outcome = yield
    report = outcome.get_result()
    if CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where nothing may skip: {report.longrepr}"


def needs_service(name: str, reason: str) -> None:
    """Skip with a clear reason on a laptop; fail in CI, where every service must run."""
    if CI:
        pytest.fail(f"{name} is required in CI: {reason}")
    pytest.skip(f"{name} not available: {reason}")


def pytest_collection_modifyitems(config, items):
    """On the PostgreSQL pass, run only the tests that use a database."""
    if not TEST_DATABASE_URL.startswith("postgresql"):
        return
    selected, deselected = [], []
    for item in items:
        uses_database = "database_url" in getattr(item, "fixturenames", ())
        (selected if uses_database else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


# --- databases --------------------------------------------------------------------------


@contextmanager
def _logging_kept() -> Iterator[None]:
    """Alembic's ``migrations/env.py`` applies the logging section of ``alembic.ini``
    (``fileConfig``), which replaces the root logger's handlers, pytest's among them: put
    the logging configuration back as it was."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in ("alembic", "flask_migrate")}
    try:
        yield
    finally:
        for handler in root.handlers[:]:
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        for name, name_level in levels.items():
            logging.getLogger(name).setLevel(name_level)


def migrate_database(url: str, instance: str) -> None:
    """Build the schema of the empty database at ``url`` as users get it: by running the
    Alembic migrations (``flask db upgrade``), then close every connection to it."""
    app = create_app(TestConfig(url, instance))
    with app.app_context(), _logging_kept():
        flask_migrate.upgrade()
        # The one row ``app.core.authz`` reads and bumps: the migration inserts it.
        generation = db.session.execute(
            text("SELECT value FROM access_generation WHERE id = 1")
        ).scalar()
        db.session.remove()
        db.engine.dispose()
    if generation is None:
        pytest.fail("the migrations did not insert the access_generation row (id 1)")


def build_sqlite_template(folder: Path) -> Path:
    """One migrated SQLite file in ``folder``, with nothing beside it to copy: disposing
    of the engine checkpoints the WAL and removes the -wal and -shm files."""
    path = folder / "palabre.sqlite3"
    migrate_database(f"sqlite:///{path}", str(folder))
    leftovers = sorted(p.name for p in folder.glob(f"{path.name}-*"))
    if leftovers:
        pytest.fail(f"the migrated SQLite template left {leftovers} beside it")
    return path


class PostgresDatabases:
    """Creates a fresh database per test by cloning a template built once per session."""

    def __init__(self, url: str, instance: str = "/tmp") -> None:
        self.url = make_url(url)
        self.instance = instance
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
        self.template = f"palabre_tpl_{uuid.uuid4().hex[:8]}"
        self.created: list[str] = []
        self._built = False

    def _build_template(self) -> None:
        """The template is migrated like a user's database; ``CREATE DATABASE … TEMPLATE``
        then needs no connection left to it (``migrate_database`` closes them)."""
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.template}"'))
        template_url = self.url.set(database=self.template)
        migrate_database(template_url.render_as_string(hide_password=False), self.instance)
        self._built = True

    def new(self) -> str:
        if not self._built:
            self._build_template()
        name = f"palabre_t_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        self.created.append(name)
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop(self, name_url: str) -> None:
        name = make_url(name_url).database
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres_databases(tmp_path_factory) -> Iterator[PostgresDatabases | None]:
    if not TEST_DATABASE_URL.startswith("postgresql"):
        yield None
        return
    databases = PostgresDatabases(TEST_DATABASE_URL, str(tmp_path_factory.mktemp("pg-template")))
    yield databases
    databases.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """The migrated SQLite database every test copies (built once per session)."""
    return build_sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


POSTGRES_URL = (
    TEST_DATABASE_URL
    if TEST_DATABASE_URL.startswith("postgresql")
    else "postgresql://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def empty_postgres_database() -> Iterator[str]:
    """A throwaway, empty PostgreSQL database, whichever pass runs (mark the test
    ``postgres``: it fails in CI without the server, skips on a laptop without it)."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            pass
    except Exception as error:  # any connection failure means "absent"
        admin.dispose()
        needs_service("PostgreSQL", f"cannot connect to {POSTGRES_URL}: {error.__class__.__name__}")
    name = f"palabre_empty_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(tmp_path, postgres_databases, request) -> Iterator[str]:
    """A fresh, migrated database for this test: a copy of the SQLite template file, or a
    PostgreSQL database cloned from the migrated template."""
    if postgres_databases is None:
        path = tmp_path / "palabre.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = postgres_databases.new()
    yield url
    postgres_databases.drop(url)


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(TestConfig(database_url, str(tmp_path)))

    @app.teardown_request
    def forget_request_globals(_error):
        # The test keeps one app context open (so factories and services work), and
        # Flask reuses it for test-client requests: clear ``g`` (current user, locale)
        # after each request as a real server's fresh context would.
        g.__dict__.clear()

    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


# --- factories --------------------------------------------------------------------------


@pytest.fixture
def create_user(app) -> Callable:
    from app.accounts import services

    counter = iter(range(1, 10_000))

    def make(email: str | None = None, name: str | None = None, *, organizer: bool = False):
        n = next(counter)
        user = services.create_user(
            email or f"user{n}@example.org", name or f"User {n}", PASSWORD, is_organizer=organizer
        )
        db.session.commit()
        return user

    return make


@pytest.fixture
def create_edition(app) -> Callable:
    from app.workshops import services

    def make(
        slug: str = "ecole-2024",
        *,
        questions=("Question une ?", "Question deux ?"),
        groups=(("Gouvernement", "government"), ("Société civile", "civil_society")),
        phase: str = "redaction",
        creator=None,
    ):
        edition = services.create_edition(slug=slug, title=f"École {slug}", creator=creator)
        for question in questions:
            services.add_question(edition, question)
        for name, kind in groups:
            services.add_group(edition, name=name, kind=kind)
        edition.current_phase = next(p for p in edition.phases if p.key == phase)
        db.session.commit()
        return edition

    return make


@pytest.fixture
def add_member(app, create_user) -> Callable:
    """add_member(edition, role, group_slug=None) -> a new user with that role."""
    from app.workshops import services

    def make(edition, role: str, group_slug: str | None = None, *, user=None):
        user = user or create_user()
        group = services.get_group(edition, group_slug) if group_slug else None
        services.set_membership(edition, user, role, group)
        db.session.commit()
        return user

    return make


def _load_demo(*, papers: bool):
    from app.accounts.services import find_user
    from app.workshops.demo import ACCOUNTS, load_demo

    edition = load_demo(papers=papers)
    db.session.commit()
    edition.users = {account.email: find_user(account.email) for account in ACCOUNTS}
    return edition


@pytest.fixture
def demo(app):
    """The MaliSIG 2023 demo edition, its papers written; users by e-mail in ``demo.users``."""
    return _load_demo(papers=True)


@pytest.fixture
def blank_demo(app):
    """The demo edition with its papers still blank, for the tests whose premise is an
    empty section (they type a text and check exactly that text)."""
    return _load_demo(papers=False)


# --- HTTP clients -----------------------------------------------------------------------


def log_in(client, user) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def client_for(app) -> Callable:
    def make(user):
        test_client = app.test_client()
        log_in(test_client, user)
        return test_client

    return make


# --- live server and Socket.IO clients -------------------------------------------------


@pytest.fixture
def live_server(app):
    from app.server import serve_in_thread

    server, base_url = serve_in_thread(app)
    server.base_url = base_url
    yield server
    server.shutdown()
    server.server_close()


def session_cookie_for(app, user) -> str:
    """The signed session cookie value a logged-in browser of ``user`` would send."""
    test_client = app.test_client()
    log_in(test_client, user)
    cookie = test_client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return cookie.value


@pytest.fixture
def socketio_client(app, live_server) -> Iterator[Callable]:
    from tests.socket_support import OrderedClient

    clients = []

    def make(user, namespaces=("/collab",), *, origin: str | None = None, connect=True):
        # The Origin goes through websocket-client's option: as a header it would be sent
        # twice (websocket-client adds its own) and refused.
        sio = OrderedClient(
            reconnection=False, websocket_extra_options={"origin": origin or live_server.base_url}
        )
        headers = {}
        if user is not None:
            headers["Cookie"] = (
                f"{app.config['SESSION_COOKIE_NAME']}={session_cookie_for(app, user)}"
            )
        if connect:
            sio.connect(
                live_server.base_url,
                headers=headers,
                namespaces=list(namespaces),
                transports=["websocket"],
                wait_timeout=5,
            )
        clients.append(sio)
        return sio

    yield make
    for sio in clients:
        sio.close()


# --- browser ----------------------------------------------------------------------------


@pytest.fixture
def browser():
    """A headless Debian Chromium driven by Playwright (skips without it, fails in CI)."""
    from playwright.sync_api import sync_playwright

    from tests.browser_support import launch_chromium

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()
