"""A real database outage: PostgreSQL behind a TCP proxy the test cuts and restores.

While the database is out of reach, pages answer a French 503 (JSON for a JSON client),
a new Socket.IO connection with a signed session is still accepted and its events are
answered ``unavailable``; once the database is back the same socket works. Sessions that
are not (or no longer) valid are still refused.
"""

from __future__ import annotations

import contextlib
import html
import select
import socket
import threading
import uuid
from collections.abc import Iterator

import pytest
from flask import g
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import create_app
from app.config import TestConfig
from app.extensions import db
from tests.conftest import TEST_DATABASE_URL, needs_service, session_cookie_for
from tests.socket_support import OrderedClient

pytestmark = pytest.mark.postgres

POSTGRES_URL = (
    TEST_DATABASE_URL
    if TEST_DATABASE_URL.startswith("postgresql")
    else "postgresql://postgres@127.0.0.1:5432/test"
)
FRENCH = (
    "La base de données est momentanément indisponible. Vos modifications dans l'éditeur "
    "sont conservées sur votre appareil ; réessayez dans un instant."
)
SECTION = "malisig-2023/gouvernement/introduction"


class Proxy:
    """A TCP proxy on 127.0.0.1 to PostgreSQL, run by one thread. ``cut()`` closes every
    connection and stops listening (new connections are refused); ``restore()`` listens
    again on the same port. Every socket is opened and closed by the proxy's thread."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener: socket.socket | None = None
        self.peers: dict[socket.socket, socket.socket] = {}
        self.port = self._listen(0)
        self.requests: list[tuple[str, threading.Event]] = []
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._run, name="pg-proxy", daemon=True)
        self.thread.start()

    def cut(self) -> None:
        self._ask("cut")

    def restore(self) -> None:
        self._ask("restore")

    def close(self) -> None:
        self._ask("cut")
        self.running = False
        self.thread.join(5)

    def _ask(self, what: str) -> None:
        done = threading.Event()
        with self.lock:
            self.requests.append((what, done))
        assert done.wait(5), f"the proxy did not {what}"

    def _listen(self, port: int) -> int:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        self.listener = listener
        return listener.getsockname()[1]

    def _drop(self, conn: socket.socket) -> None:
        peer = self.peers.pop(conn, None)
        for s in (conn, peer):
            if s is None:
                continue
            self.peers.pop(s, None)
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def _run(self) -> None:
        while self.running:
            with self.lock:
                requests, self.requests = self.requests, []
            for what, done in requests:
                if what == "cut":
                    if self.listener is not None:
                        self.listener.close()
                        self.listener = None
                    for conn in list(self.peers):
                        self._drop(conn)
                elif self.listener is None:
                    self._listen(self.port)
                done.set()
            watched = list(self.peers) + ([self.listener] if self.listener else [])
            if not watched:
                select.select([], [], [], 0.02)
                continue
            readable, _, _ = select.select(watched, [], [], 0.02)
            for conn in readable:
                if conn is self.listener:
                    client, _address = conn.accept()
                    try:
                        upstream = socket.create_connection(self.target, timeout=5)
                    except OSError:
                        client.close()
                        continue
                    upstream.settimeout(None)
                    self.peers[client] = upstream
                    self.peers[upstream] = client
                    continue
                if conn not in self.peers:
                    continue  # dropped with its peer in this round
                try:
                    data = conn.recv(65536)
                    if data:
                        self.peers[conn].sendall(data)
                        continue
                except OSError:
                    pass
                self._drop(conn)


@pytest.fixture
def postgres_url(database_url) -> Iterator[str]:
    """The test's PostgreSQL database: the suite's own on its PostgreSQL pass, else a
    throwaway one built by the migrations."""
    if database_url.startswith("postgresql"):
        yield database_url
        return
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            pass
    except Exception as error:  # any connection failure means "absent"
        admin.dispose()
        needs_service("PostgreSQL", f"cannot connect to {POSTGRES_URL}: {error.__class__.__name__}")
    name = f"palabre_outage_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        import flask_migrate

        builder = create_app(TestConfig(url, "/tmp"))
        with builder.app_context():
            flask_migrate.upgrade()
            db.engine.dispose()
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def proxy(postgres_url) -> Iterator[Proxy]:
    url = make_url(postgres_url)
    proxy = Proxy((url.host or "127.0.0.1", url.port or 5432))
    yield proxy
    proxy.close()


@pytest.fixture
def app(postgres_url, proxy, tmp_path):
    """The suite's ``app``, on the test's database reached through the proxy."""
    through_proxy = make_url(postgres_url).set(host="127.0.0.1", port=proxy.port)
    app = create_app(TestConfig(through_proxy.render_as_string(hide_password=False), str(tmp_path)))

    @app.teardown_request
    def forget_request_globals(_error):
        g.__dict__.clear()  # as in tests/conftest.py

    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


class SessionOf:
    """What ``session_cookie_for`` needs of a user, known before the database goes away."""

    def __init__(self, session_id: str) -> None:
        self.session_id = session_id

    def get_id(self) -> str:
        return self.session_id


@pytest.fixture
def open_socket(app, live_server) -> Iterator:
    """open_socket(session_id or None) -> (client, accepted, refusals) on /collab."""
    clients = []

    def make(session_id: str | None):
        sio = OrderedClient(
            reconnection=False, websocket_extra_options={"origin": live_server.base_url}
        )
        answered = threading.Event()
        accepted: list[bool] = []
        refusals: list = []

        def on_connect():
            accepted.append(True)
            answered.set()

        def on_refused(reason):
            refusals.append(reason)
            answered.set()

        sio.on("connect", on_connect, namespace="/collab")
        sio.on("connect_error", on_refused, namespace="/collab")
        headers = {}
        if session_id is not None:
            cookie = session_cookie_for(app, SessionOf(session_id))
            headers["Cookie"] = f"{app.config['SESSION_COOKIE_NAME']}={cookie}"
        clients.append(sio)
        # Not waiting in ``connect``: on a refusal it would disconnect with websocket-client's
        # 3 s wait for a close frame (see tests/socket_support.py).
        sio.connect(
            live_server.base_url,
            headers=headers,
            namespaces=["/collab"],
            transports=["websocket"],
            wait=False,
        )
        assert answered.wait(5), "neither accepted nor refused"
        return sio, bool(accepted), refusals

    yield make
    for sio in clients:
        sio.close()


def _rooms(sio) -> list[str]:
    from app.extensions import socketio as server

    return server.server.rooms(sio.get_sid("/collab"), namespace="/collab")


def _call(sio, event: str, payload: dict) -> dict:
    return sio.call(event, payload, namespace="/collab", timeout=10)


def test_during_an_outage_pages_answer_503_and_a_new_socket_works_once_it_is_back(
    app, demo, proxy, client_for, open_socket
):
    from app.collaboration.services import resolve_section, section_text
    from tests.collaboration.conftest import Editor, wait_until

    user = demo.users["gouvernement1@demo.palabre"]
    user_id, session_id = user.id, user.get_id()
    written = section_text(resolve_section(SECTION))
    assert written  # the demo's introduction: the text typed after the outage goes after it
    web = client_for(user)
    assert web.get("/").status_code == 200
    db.session.remove()  # the test's own session holds nothing the requests could reuse

    proxy.cut()
    for path in ("/", "/editions/malisig-2023"):
        page = web.get(path)
        assert page.status_code == 503, path
        assert page.headers["Retry-After"].isdigit()
        body = html.unescape(page.get_data(as_text=True))
        assert FRENCH in body
        assert 'class="topbar"' in body  # the app's layout, rendered without the database
        assert "<title>Momentanément indisponible · Palabre</title>" in body
    as_json = web.get("/", headers={"Accept": "application/json"})
    assert as_json.status_code == 503
    assert as_json.headers["Retry-After"].isdigit()
    assert as_json.get_json() == {"ok": False, "error": "unavailable", "message": FRENCH}

    sio, accepted, refusals = open_socket(session_id)
    assert accepted and refusals == []
    editor = Editor(sio, SECTION)
    refused = editor.join()
    assert refused["ok"] is False and refused["error"] == "unavailable"
    assert f"user:{user_id}" not in _rooms(sio)  # not verified yet: hears nothing personal

    proxy.restore()
    assert editor.join() == {"ok": True, "readonly": False}
    assert f"user:{user_id}" in _rooms(sio)
    assert wait_until(lambda: editor.value() == written)  # it types at the end of the text
    assert editor.type(None, "Écrit après la panne.")["ok"]
    assert web.get("/").status_code == 200

    db.session.remove()
    assert section_text(resolve_section(SECTION)) == written + "Écrit après la panne."


def test_a_commit_the_database_cannot_take_is_a_503_and_nothing_is_kept(
    app, create_user, proxy, client_for
):
    from app.accounts.models import User

    user = create_user()
    user_id = user.id
    web = client_for(user)
    db.session.remove()

    def cut(_session):
        proxy.cut()  # after the view's writes, just before the request's commit

    event.listen(Session, "before_commit", cut)
    try:
        response = web.post("/logout")  # ends every session: a write
    finally:
        event.remove(Session, "before_commit", cut)
    assert response.status_code == 503
    assert FRENCH in html.unescape(response.get_data(as_text=True))

    proxy.restore()
    assert db.session.get(User, user_id).session_version == 1  # rolled back
    assert web.get("/").status_code == 200  # and the cookie still holds the session


def test_a_connection_without_a_session_is_refused_with_or_without_the_database(
    app, proxy, open_socket
):
    _sio, accepted, refusals = open_socket(None)
    assert not accepted and refusals == [{"message": "unauthenticated"}]
    proxy.cut()
    _sio, accepted, refusals = open_socket(None)
    assert not accepted and refusals == [{"message": "unauthenticated"}]


def test_an_ended_session_is_refused_at_connect_and_at_its_first_event_after_an_outage(
    app, demo, proxy, open_socket
):
    from app.accounts.services import end_all_sessions

    user = demo.users["gouvernement1@demo.palabre"]
    user_id, ended = user.id, user.get_id()
    end_all_sessions(user)  # "log out everywhere"
    db.session.commit()
    db.session.remove()

    _sio, accepted, refusals = open_socket(ended)
    assert not accepted and refusals == [{"message": "unauthenticated"}]

    proxy.cut()
    sio, accepted, _refusals = open_socket(ended)  # cannot be checked now: accepted, not trusted
    assert accepted
    assert _call(sio, "join", {"section": SECTION})["error"] == "unavailable"
    proxy.restore()
    assert _call(sio, "join", {"section": SECTION})["error"] == "unauthenticated"
    assert f"user:{user_id}" not in _rooms(sio)


@pytest.mark.browser
def test_the_editor_keeps_what_is_typed_during_an_outage_and_saves_it_once_back(
    app, demo, proxy, live_server, browser
):
    """Chromium on the paper: its socket reconnects while the database is cut (accepted,
    its join answered "unavailable": the page says "unsaved" and tries again), the text
    typed meanwhile is kept, and reaches the database once it is back."""
    from app.collaboration.services import resolve_section, section_text
    from tests.browser_support import log_in_page
    from tests.collaboration.conftest import wait_until

    intro = '.paper-section[data-key="introduction"]'
    db.session.remove()
    context = browser.new_context(locale="fr-FR", viewport={"width": 1100, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in_page(page, live_server.base_url, "gouvernement1@demo.palabre")
    page.goto(live_server.base_url + "/editions/malisig-2023/groups/gouvernement/paper")
    page.wait_for_selector('#connection-badge[data-status="connected"]')
    page.click(f"{intro} .open")
    page.wait_for_selector(f"{intro} .cm-content")

    proxy.cut()
    # The link drops (as at a restart): Socket.IO reconnects at once, during the outage.
    page.evaluate("() => window.palabreEditor.connection.socket.io.engine.close()")
    page.wait_for_selector('#connection-badge[data-status="unsaved"]', timeout=15000)
    page.click(f"{intro} .cm-content")
    page.keyboard.press("Control+End")
    page.keyboard.type("Écrit pendant la panne. ")

    proxy.restore()
    page.wait_for_selector('#connection-badge[data-status="connected"]', timeout=20000)

    def saved() -> bool:
        db.session.remove()
        return "Écrit pendant la panne." in section_text(resolve_section(SECTION))

    assert wait_until(saved, timeout=20)
    assert errors == []
    context.close()
