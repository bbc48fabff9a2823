"""One message can no longer stop the server: hostile updates sent to a real server process
started as ``make run`` starts it (gevent, migrated SQLite), with ``RUST_BACKTRACE`` set or
not, are refused while the process and the section live on."""

from __future__ import annotations

import subprocess
import sys

import pytest
from pycrdt import create_sync_message

from app import create_app
from app.accounts.services import find_user
from app.collaboration import services, store
from app.config import TestConfig
from app.core.transactions import commit
from tests.collaboration.conftest import Editor, wait_until
from tests.collaboration.hostile import (
    any_item,
    nested_array,
    string_item,
    sync_update,
    typed,
    update,
)
from tests.collaboration.serverproc import ROOT, ServerProcess, environment, prepare_database
from tests.conftest import session_cookie_for
from tests.socket_support import OrderedClient

SECTION = "malisig-2023/gouvernement/introduction"


@pytest.fixture(params=["1", "0"], ids=["RUST_BACKTRACE=1", "RUST_BACKTRACE=0"])
def server(request, tmp_path):
    env = environment(tmp_path, RUST_BACKTRACE=request.param)
    prepare_database(env)
    app = create_app(TestConfig(f"sqlite:///{tmp_path / 'palabre.sqlite3'}", str(tmp_path)))
    with app.app_context():
        process = ServerProcess(env)
        yield process, app
        process.stop()


def _editor(server: ServerProcess, app, email: str = "gouvernement1@demo.palabre") -> Editor:
    cookie = f"{app.config['SESSION_COOKIE_NAME']}={session_cookie_for(app, find_user(email))}"
    sio = OrderedClient(reconnection=False)
    sio.connect(
        server.url,
        headers={"Cookie": cookie},
        namespaces=["/collab"],
        transports=["websocket"],
        wait_timeout=5,
    )
    editor = Editor(sio, SECTION)
    assert editor.join()["ok"]
    return editor


def _still_serving(process: ServerProcess, app) -> str:
    """A new member joins and reads the section: what it reads."""
    reader = _editor(process, app, "gouvernement2@demo.palabre")
    try:
        assert wait_until(lambda: "phrase honnête" in reader.value())
        return reader.value()
    finally:
        reader.sio.close()


@pytest.mark.slow
def test_values_nested_100000_deep_are_refused_and_the_server_lives(server):
    process, app = server
    editor = _editor(process, app)
    assert editor.type(None, "Une phrase honnête. ")["ok"]
    ack = editor.send(sync_update(update(7, 0, any_item(nested_array(100_000)))))
    assert ack["error"] == "bad_input"
    assert process.alive()
    assert "phrase honnête" in _still_serving(process, app)
    editor.sio.close()


@pytest.mark.slow
def test_an_absurd_clock_is_refused_and_the_section_stays_readable(server):
    process, app = server
    editor = _editor(process, app)
    assert editor.type(None, "Une phrase honnête. ")["ok"]
    ack = editor.send(sync_update(update(7, 2**40, string_item("abc"))))
    assert ack["error"] == "bad_input"
    editor.sio.close()
    assert process.alive()
    assert "abc" not in _still_serving(process, app)


@pytest.mark.slow
def test_a_poisoned_stored_row_is_set_aside_when_the_section_loads(server):
    process, app = server
    # What the earlier version accepted and stored: a struct at a clock near 2^63.
    section = services.resolve_section(SECTION)
    store.append(section.id, typed("Une phrase honnête. ")[0], None)
    store.append(section.id, update(7, 2**63 - 5, string_item("abc")), None)
    commit()
    assert "phrase honnête" in _still_serving(process, app)
    assert process.alive()
    assert len(store.quarantined([section.id])) == 1


@pytest.mark.slow
def test_a_step_1_with_a_hostile_state_vector_is_refused(server):
    process, app = server
    editor = _editor(process, app)
    hostile = b"\x00\x00" + bytes([12]) + b"\x01" + b"\x07" + b"\xff" * 9 + b"\x01"
    assert editor.send(hostile)["error"] == "bad_input"
    assert editor.send(create_sync_message(editor.doc))["ok"]
    assert process.alive()
    editor.sio.close()


# Messages the fuzzer found to kill or poison the earlier server (benchmarks/fuzz_collab/
# crashers): each "before" message first, then the hostile one.
CRASHERS = {
    "panic, divide by zero": (
        [],
        "000220010207ffffffff0f0401086d61726b646f776e02616284078080808010017400",
    ),
    "panic, index out of bounds": (
        [],
        "000224010207ffffffff0f0401086d61726b646f776e0361626384078180808010047461696c00",
    ),
    "panic when applied on the section": (
        ["000214010107000401086d61726b646f776e0361626300"],
        "000218010107ffffffff0f0401086d61726b646f776e0361626300",
    ),
    "panic when encoded": (
        [],
        "000224010207ffffffff0f0401086d61726b646f776e0261620401086d61726b646f776e017400",
    ),
    "a parent that is a string": (
        ["000214010107000401086d61726b646f776e0361626300"],
        "00020b0101080004000700017800",
    ),
    "2^28 client groups (500 MB)": ([], "0002058080808001"),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CRASHERS))
def test_what_killed_the_earlier_server_is_refused(server, name):
    process, app = server
    before, hostile = CRASHERS[name]
    editor = _editor(process, app)
    assert editor.type(None, "Une phrase honnête. ")["ok"]
    for message in before:
        editor.send(bytes.fromhex(message))
    ack = editor.send(bytes.fromhex(hostile))
    assert ack["ok"] is False and ack["error"] in {"bad_input", "resync"}
    editor.sio.close()
    assert process.alive()
    assert "phrase honnête" in _still_serving(process, app)


PANIC_IN_A_GREENLET = """
from gevent import monkey; monkey.patch_all()
import gevent
from app import create_app
from app.config import Config
create_app(Config())
from pycrdt import Doc
PANIC = bytes.fromhex("010207ffffffff0f0401086d61726b646f776e02616284078080808010017400")
def work():
    try:
        Doc().apply_update(PANIC)
    except BaseException as error:
        return type(error).__name__
print(gevent.spawn(work).get())
"""


def test_a_rust_panic_in_a_greenlet_stays_an_exception_without_a_backtrace(tmp_path):
    """Defence in depth, should bytes the bounds let through still make yrs panic: with
    ``RUST_BACKTRACE=1`` in the environment, the app keeps the panic hook from walking a
    greenlet's stack (which crashed the earlier server)."""
    env = environment(tmp_path, RUST_BACKTRACE="1")
    done = subprocess.run(
        [sys.executable, "-c", PANIC_IN_A_GREENLET],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "PanicException")
    assert "stack backtrace" not in done.stderr
