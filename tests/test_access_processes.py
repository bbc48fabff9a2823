"""Issue 12 across processes: two server processes behind Redis; the organizer removes a
member with a click on the first, and the member's socket on the second stops receiving
within a second, on every namespace.

The second process hears of the change only through the database (its access watcher
polls the generation, ``app.core.access``) and Redis (what the first sends to the
member's rooms and sockets). A control socket on the second process, which the change
leaves alone, proves each message produced on the first after the change did reach it.
"""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from app import create_app
from app.accounts.services import find_user
from app.config import TestConfig
from app.deliberation.models import Argument
from app.extensions import db
from app.workshops.models import Edition
from app.workshops.services import membership_of
from tests.collaboration.conftest import Editor, wait_until
from tests.collaboration.serverproc import ServerProcess, environment, prepare_database
from tests.conftest import needs_service, session_cookie_for
from tests.socket_support import OrderedClient

REDIS_URL = "redis://127.0.0.1:6379/0"
BOUND = 1.0  # the "within a second"
SILENCE = 0.5  # how long the removed socket is watched once the control heard the message
DELIVERY = 5.0

EDITION = "malisig-2023"
SECTION = f"{EDITION}/gouvernement/introduction"
MEMBER = "gouvernement2@demo.palabre"  # removed
TEAMMATE = "gouvernement1@demo.palabre"
FACILITATOR = "facilitateur@demo.palabre"
ORGANIZER = "organisateur@demo.palabre"
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def _redis_available() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.RedisError as error:
        needs_service("Redis", f"{REDIS_URL}: {error}")


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory) -> Path:
    """The demo database as ``make run`` prepares it, built once: each test copies it."""
    _redis_available()
    folder = tmp_path_factory.mktemp("demo-database")
    prepare_database(environment(folder))
    return folder


@pytest.fixture
def processes(demo_database, tmp_path):
    """(first, second, app, clients): two server processes behind Redis on one demo
    database, an app (in its context) on that database for the test's own reads, and the
    Socket.IO clients opened (closed at the end)."""
    env = environment(tmp_path, REDIS_URL=REDIS_URL)
    for file in demo_database.glob("palabre.sqlite3*"):  # with its WAL, if any
        shutil.copyfile(file, tmp_path / file.name)
    app = create_app(TestConfig(f"sqlite:///{tmp_path / 'palabre.sqlite3'}", str(tmp_path)))
    first = ServerProcess(env)
    try:
        second = ServerProcess(env)
    except BaseException:
        first.stop()
        raise
    clients: list[OrderedClient] = []
    try:
        with app.app_context():
            yield first, second, app, clients
            db.session.remove()
            db.engine.dispose()
    finally:
        for sio in clients:
            sio.close()
        first.stop()
        second.stop()


def _cookie(app, email: str) -> str:
    return session_cookie_for(app, find_user(email))


def _connect(processes, server: ServerProcess, email: str, namespace: str) -> OrderedClient:
    _first, _second, app, clients = processes
    sio = OrderedClient(reconnection=False)
    clients.append(sio)
    sio.connect(
        server.url,
        headers={"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={_cookie(app, email)}"},
        namespaces=[namespace],
        transports=["websocket"],
        wait_timeout=5,
    )
    return sio


def _remove_member(server: ServerProcess, app) -> None:
    """The organizer's click on the members page of ``server`` (CSRF token and all)."""
    edition = db.session.scalar(select(Edition).where(Edition.slug == EDITION))
    membership_id = membership_of(find_user(MEMBER), edition).id
    db.session.rollback()  # the test's reads end here: the server writes
    browser = requests.Session()
    cookie = app.config["SESSION_COOKIE_NAME"]
    browser.cookies.set(cookie, _cookie(app, ORGANIZER), domain="127.0.0.1", path="/")
    page = browser.get(f"{server.url}/editions/{EDITION}/members", timeout=10)
    assert page.status_code == 200, page.status_code
    token = CSRF.search(page.text).group(1)
    response = browser.post(
        f"{server.url}/editions/{EDITION}/members/{membership_id}",
        data={"csrf_token": token, "operation": "remove"},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 303, response.status_code
    assert membership_of(find_user(MEMBER), edition) is None
    db.session.rollback()


def _marker() -> str:
    return f"[{uuid.uuid4().hex[:12]}]"


# --- each namespace: listener and control on the second process, producer on the first ---


def collab(processes):
    first, second, _app, _clients = processes
    listener = Editor(_connect(processes, second, MEMBER, "/collab"), SECTION)
    control = Editor(_connect(processes, second, FACILITATOR, "/collab"), SECTION)
    typist = Editor(_connect(processes, first, TEAMMATE, "/collab"), SECTION)
    for editor in (listener, control, typist):
        assert editor.join()["ok"]

    def produce() -> str:
        marker = _marker()
        assert typist.type(None, f" {marker}")["ok"]
        assert wait_until(lambda: marker in control.value(), timeout=DELIVERY)
        return marker

    def removed() -> bool:
        return {"section": SECTION, "readonly": True, "removed": True} in listener.access

    return produce, lambda marker: marker in listener.value(), removed


def debate(processes):
    first, second, _app, _clients = processes
    question = {"edition": EDITION, "question": 1}
    argument = db.session.scalar(
        select(Argument.id)
        .join(Edition, Argument.edition_id == Edition.id)
        .where(Edition.slug == EDITION, Argument.parent_id.is_(None))
        .order_by(Argument.id)
    )
    db.session.rollback()
    watchers = []
    for email in (MEMBER, ORGANIZER):
        sio = _connect(processes, second, email, "/debate")
        changed: list[dict] = []
        access: list[dict] = []
        sio.on("changed", changed.append, namespace="/debate")
        sio.on("access", access.append, namespace="/debate")
        assert sio.call("watch", question, namespace="/debate", timeout=10)["ok"]
        watchers.append((changed, access))
    (heard, access), (control, _access) = watchers
    moderator = _connect(processes, first, FACILITATOR, "/debate")

    def produce() -> int:
        seen = len(control)
        payload = {"edition": EDITION, "argument": argument, "operation": "pin"}
        assert moderator.call("moderate", payload, namespace="/debate", timeout=10)["ok"]
        assert wait_until(lambda: len(control) > seen, timeout=DELIVERY)
        return len(control)  # the control's count of changes, this one included

    def got(count: int) -> bool:
        # The listener heard every change the control heard before the removal; one more
        # than that would be this message.
        return len(heard) >= count

    def removed() -> bool:
        return any(a.get("removed") and "question" in a for a in access)

    return produce, got, removed


def live(processes):
    first, second, _app, _clients = processes
    joined = []
    for email in (MEMBER, TEAMMATE):
        sio = _connect(processes, second, email, "/live")
        events: dict[str, list[dict]] = {"announcement": [], "session_ended": []}
        for name, received in events.items():
            sio.on(name, received.append, namespace="/live")
        ack = sio.call("join", {"edition": EDITION}, namespace="/live", timeout=10)
        assert ack["ok"] and ack["group"] == "gouvernement"
        joined.append((sio, events))
    (listener, heard), (_control_sio, control) = joined
    facilitator = _connect(processes, first, FACILITATOR, "/live")
    assert facilitator.call("join", {"edition": EDITION}, namespace="/live", timeout=10)["ok"]

    def announced(events, marker: str) -> bool:
        return any(a.get("text") == marker for a in events["announcement"])

    def produce() -> list[str]:
        markers = []
        for group in (None, "gouvernement"):  # the edition's room, then the group's
            marker = _marker()
            payload = {"edition": EDITION, "body": marker, **({"group": group} if group else {})}
            assert facilitator.call("announce", payload, namespace="/live", timeout=10)["ok"]
            markers.append(marker)
        for marker in markers:
            assert wait_until(lambda m=marker: announced(control, m), timeout=DELIVERY)
        return markers

    def got(markers: list[str]) -> bool:
        return any(announced(heard, m) for m in markers)

    def removed() -> bool:
        # Facilitation tells the member their session in the edition ended, then closes
        # their /live sockets (from the first process, through Redis).
        return {"edition": EDITION} in heard["session_ended"] and not listener.connected

    return produce, got, removed


@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.parametrize("namespace", [collab, debate, live], ids=["collab", "debate", "live"])
def test_a_member_removed_on_one_process_stops_receiving_on_the_other(processes, namespace):
    first, _second, app, _clients = processes
    produce, got, removed = namespace(processes)
    before = produce()
    assert wait_until(lambda: got(before), timeout=DELIVERY)  # it hears the room until then
    _remove_member(first, app)
    assert wait_until(removed, timeout=BOUND)
    after = produce()
    assert not wait_until(lambda: got(after), timeout=SILENCE)
