"""Real server processes: killed with SIGKILL, fed garbage, or two of them behind Redis."""

import json
import resource
import socket
import threading
import time

import pytest
import websocket
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Text, create_sync_message, handle_sync_message, write_var_uint
from sqlalchemy import select

from app import create_app
from app.accounts.services import find_user
from app.collaboration import services
from app.collaboration.services import resolve_section
from app.config import TestConfig
from app.core.transactions import run_in_transaction
from app.extensions import db
from app.facilitation.locks import set_lock
from app.workshops.models import Edition, LockScope
from app.workshops.services import get_group
from tests.collaboration.conftest import Editor, wait_until
from tests.collaboration.serverproc import (
    GUNICORN,
    UNLIMITED_BUDGETS,
    ServerProcess,
    environment,
    prepare_database,
)
from tests.conftest import needs_service, session_cookie_for
from tests.socket_support import OrderedClient

SECTION = "malisig-2023/gouvernement/introduction"
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def instance(tmp_path):
    env = environment(tmp_path)
    prepare_database(env)
    app = create_app(TestConfig(f"sqlite:///{tmp_path / 'palabre.sqlite3'}", str(tmp_path)))
    with app.app_context():
        yield env, app


def _cookie(app, email: str) -> str:
    user = find_user(email)
    return f"{app.config['SESSION_COOKIE_NAME']}={session_cookie_for(app, user)}"


def _editor(server: ServerProcess, app, email="gouvernement1@demo.palabre") -> Editor:
    sio = OrderedClient(reconnection=False)
    sio.connect(
        server.url,
        headers={"Cookie": _cookie(app, email)},
        namespaces=["/collab"],
        transports=["websocket"],
        wait_timeout=5,
    )
    editor = Editor(sio, SECTION)
    assert editor.join()["ok"]
    return editor


def _close(editor: Editor) -> None:
    editor.sio.close()


@pytest.mark.slow
def test_sigkill_mid_session_loses_no_acknowledged_update(instance):
    env, app = instance
    server = ServerProcess(env)
    editor = _editor(server, app)
    acknowledged: list[str] = []

    def keep_typing():
        for n in range(10_000):
            word = f"mot{n}é"
            try:
                ack = editor.type(None, word + " ")
            except Exception:  # the server died under us
                return
            if ack.get("ok"):
                acknowledged.append(word)

    typist = threading.Thread(target=keep_typing, daemon=True)
    typist.start()
    assert wait_until(lambda: len(acknowledged) >= 30)
    server.kill()
    typist.join(timeout=15)
    _close(editor)
    restarted = ServerProcess(env)
    try:
        reader = _editor(restarted, app, "gouvernement2@demo.palabre")
        assert wait_until(lambda: set(acknowledged) <= set(reader.value().split()))
        _close(reader)
    finally:
        restarted.stop()


@pytest.mark.slow
def test_sigterm_drains_and_exits_cleanly_losing_nothing_acknowledged(instance):
    env, app = instance
    server = ServerProcess(env)
    editor = _editor(server, app)
    acknowledged: list[str] = []

    def keep_typing():
        for n in range(10_000):
            try:
                ack = editor.type(None, f"terme{n}à ")
            except Exception:  # the connection was closed by the drain
                return
            if ack.get("ok"):
                acknowledged.append(f"terme{n}à")

    typist = threading.Thread(target=keep_typing, daemon=True)
    typist.start()
    assert wait_until(lambda: len(acknowledged) >= 30)
    server.process.terminate()
    assert server.process.wait(timeout=20) == 0
    typist.join(timeout=15)
    _close(editor)
    server.stop()
    restarted = ServerProcess(env)
    try:
        reader = _editor(restarted, app, "gouvernement2@demo.palabre")
        assert wait_until(lambda: set(acknowledged) <= set(reader.value().split()))
        _close(reader)
    finally:
        restarted.stop()


def _memory_cap():
    limit = 1536 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _framed(kind: bytes, body: bytes) -> bytes:
    return kind + write_var_uint(len(body)) + body


hostile = st.one_of(
    st.binary(max_size=300),
    st.binary(max_size=300).map(lambda b: _framed(b"\x00\x02", b)),
    st.binary(max_size=300).map(lambda b: _framed(b"\x00\x01", b)),
    st.binary(max_size=300).map(lambda b: _framed(b"\x00\x00", b)),
    st.binary(max_size=300).map(lambda b: _framed(b"\x01", b)),
    st.binary(min_size=1, max_size=40).map(lambda b: b"\x00\x02" + write_var_uint(2**31) + b),
)


@pytest.mark.slow
def test_random_and_crafted_bytes_leave_the_server_alive_and_the_document_intact(instance):
    env, app = instance
    server = ServerProcess({**env, "SOCKET_BUDGETS": UNLIMITED_BUDGETS}, preexec_fn=_memory_cap)
    editor = _editor(server, app)
    assert editor.type(None, "Texte à garder intact.")["ok"]
    sio = editor.sio

    @settings(
        max_examples=2500,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(data=hostile, event=st.sampled_from(["sync", "awareness"]))
    def send(data, event):
        ack = sio.call(event, {"section": SECTION, "data": data}, namespace="/collab", timeout=10)
        assert isinstance(ack, dict)

    try:
        send()
        assert server.alive()
        reader = _editor(server, app, "gouvernement2@demo.palabre")
        assert wait_until(lambda: reader.value() == "Texte à garder intact.")
        _close(reader)
    finally:
        _close(editor)
        server.stop()


def _redis_available() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as error:
        needs_service("Redis", f"{REDIS_URL}: {error}")


@pytest.mark.redis
@pytest.mark.slow
def test_two_server_processes_behind_redis_converge(tmp_path):
    _redis_available()
    env = environment(tmp_path, REDIS_URL=REDIS_URL)
    prepare_database(env)
    app = create_app(TestConfig(f"sqlite:///{tmp_path / 'palabre.sqlite3'}", str(tmp_path)))
    first, second = ServerProcess(env), ServerProcess(env)
    try:
        with app.app_context():
            on_first = _editor(first, app)
            on_second = _editor(second, app, "gouvernement2@demo.palabre")
        assert on_first.type(None, "Depuis le premier. ")["ok"]
        assert wait_until(lambda: on_second.value() == "Depuis le premier. ")
        assert on_second.type(None, "Depuis le second.")["ok"]
        assert wait_until(lambda: on_first.value() == "Depuis le premier. Depuis le second.")
        _close(on_first)
        _close(on_second)
    finally:
        first.stop()
        second.stop()


@pytest.mark.redis
@pytest.mark.slow
def test_a_member_moved_by_another_process_stops_receiving_within_a_second(tmp_path):
    """Two server processes behind Redis; the move is committed by a third (this test):
    the socket on the first process leaves the section's room, and what is typed on the
    second no longer reaches it."""
    _redis_available()
    env = environment(tmp_path, REDIS_URL=REDIS_URL)
    prepare_database(env)
    app = create_app(TestConfig(f"sqlite:///{tmp_path / 'palabre.sqlite3'}", str(tmp_path)))
    first, second = ServerProcess(env), ServerProcess(env)
    try:
        with app.app_context():
            listener = _editor(first, app, "gouvernement2@demo.palabre")
            typist = _editor(second, app)
            assert typist.type(None, "{avant} ")["ok"]
            assert wait_until(lambda: "avant" in listener.value())
            run_in_transaction(_move_ibrahim)
        assert wait_until(lambda: any(a.get("removed") for a in listener.access), timeout=1.5)
        assert typist.type(None, "{après}")["ok"]
        assert not wait_until(lambda: "après" in listener.value(), timeout=0.5)
        _close(listener)
        _close(typist)
    finally:
        first.stop()
        second.stop()


def _move_ibrahim() -> None:
    from app.workshops.memberships import move_member
    from app.workshops.services import membership_of

    edition = db.session.scalar(select(Edition).where(Edition.slug == "malisig-2023"))
    membership = membership_of(find_user("gouvernement2@demo.palabre"), edition)
    actor = find_user("organisateur@demo.palabre")
    move_member(membership, get_group(edition, "secteur-prive"), actor)


def _next_update_after(instance, change) -> dict:
    """A member types through a server process (which then holds its session user and
    decisions), ``change`` is committed here, in another process, and the member types
    again: the acknowledgement of that second update."""
    env, app = instance
    server = ServerProcess(env)
    try:
        editor = _editor(server, app)
        assert editor.type(None, "Avant. ")["ok"]
        run_in_transaction(change)
        ack = editor.type(None, "Après.")
        _close(editor)
        return ack
    finally:
        server.stop()


def _lock_the_paper() -> None:
    """What a facilitator's click does: lock the Government group's paper."""
    edition = db.session.scalar(select(Edition).where(Edition.slug == "malisig-2023"))
    paper = get_group(edition, "gouvernement").paper
    actor = find_user("facilitateur@demo.palabre")
    set_lock(edition, actor, LockScope.PAPER, paper.id, locked=True)


@pytest.mark.slow
def test_a_lock_committed_by_another_process_refuses_the_very_next_update(instance):
    ack = _next_update_after(instance, _lock_the_paper)
    assert (ack["ok"], ack["error"]) == (False, "forbidden")


@pytest.mark.slow
def test_a_user_deactivated_by_another_process_is_refused_at_the_next_message(instance):
    def deactivate():
        find_user("gouvernement1@demo.palabre").active = False

    ack = _next_update_after(instance, deactivate)
    assert (ack["ok"], ack["error"]) == (False, "unauthenticated")


def _raw_collab_socket(server: ServerProcess, app, **options) -> websocket.WebSocket:
    """The /collab namespace spoken frame by frame (Engine.IO 4, Socket.IO 5)."""
    ws = websocket.create_connection(
        server.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket",
        header=[f"Cookie: {_cookie(app, 'gouvernement1@demo.palabre')}"],
        timeout=30,
        **options,
    )
    assert ws.recv().startswith("0{")
    ws.send("40/collab,")
    assert ws.recv().startswith("40/collab,")
    return ws


@pytest.mark.slow
def test_a_whole_section_reaches_a_slow_reader_whole(instance):
    """A phone on a slow link joins a long section: the server's step 2 (the whole
    document, a megabyte, buffered by ``app.core.transport`` before it is written) is
    far more than the reader's socket holds, and arrives uncut."""
    _env, app = instance
    text = "".join(f"Paragraphe {n} : les coupures d'Internet au Mali. " for n in range(20_000))

    def write_long_section() -> None:
        section = resolve_section(SECTION)
        services.append_to_section(section, text, find_user("gouvernement1@demo.palabre"))

    run_in_transaction(write_long_section)
    server = ServerProcess(instance[0])
    try:
        ws = _raw_collab_socket(server, app, sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),))
        ws.send('42/collab,1["join",' + json.dumps({"section": SECTION}) + "]")
        head = {"section": SECTION, "data": {"_placeholder": True, "num": 0}}
        ws.send("451-/collab,2" + json.dumps(["sync", head]))
        ws.send_binary(create_sync_message(Doc()))
        time.sleep(1)  # the reader lags while the server writes
        doc, events = Doc(), []
        while str(doc.get("markdown", type=Text)) != text.strip("\n"):
            opcode, data = ws.recv_data()
            if opcode == websocket.ABNF.OPCODE_TEXT and data.startswith(b"451-/collab,"):
                events.append(json.loads(data[12:])[0])
            elif opcode == websocket.ABNF.OPCODE_BINARY and events.pop(0) == "sync":
                handle_sync_message(data[1:], doc)
        assert len(text) > 1_000_000
        ws.close()
    finally:
        server.stop()


@pytest.mark.redis
@pytest.mark.slow
def test_two_gunicorn_gevent_workers_behind_redis_converge(tmp_path):
    """``gunicorn wsgi:app`` as gunicorn.conf.py sets it up: gevent workers, Socket.IO in
    gevent mode, relaying to each other over Redis (the kernel spreads the editors'
    connections over the two workers)."""
    _redis_available()
    env = environment(tmp_path, REDIS_URL=REDIS_URL, WEB_CONCURRENCY="2", LOG_LEVEL="info")
    prepare_database(env)
    app = create_app(TestConfig(f"sqlite:///{tmp_path / 'palabre.sqlite3'}", str(tmp_path)))
    server = ServerProcess(env, command=GUNICORN)
    try:
        with app.app_context():
            editors = [_editor(server, app, f"gouvernement{n}@demo.palabre") for n in (1, 2, 1)]
        for n, editor in enumerate(editors):
            assert editor.type(None, f"mot{n} ")["ok"]
        words = ["mot0", "mot1", "mot2"]
        assert wait_until(lambda: all(sorted(e.value().split()) == words for e in editors))
        assert editors[0].value() == editors[1].value() == editors[2].value()
        for editor in editors:
            _close(editor)
        log = server.log_path.read_text()
        assert log.count("Booting worker") == 2 and "Using worker: gevent" in log
        assert "TCP_NODELAY is on" in log and "Error" not in log
    finally:
        server.stop()
