"""What a live-editing message no longer pays for, each kept only while it stays true: the
session user and URL adapter of a connection, a document's state vector, the transaction's
connection, the writer's housekeeping transaction."""

from __future__ import annotations

import threading

import pytest
from flask import url_for
from pycrdt import Doc, Text
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.test import EnvironBuilder

from app.accounts.models import User
from app.accounts.services import end_all_sessions
from app.collaboration import store, sync, yupdate
from app.collaboration.services import paper_of
from app.collaboration.writer import BatchWriter
from app.core import authz, sockets
from app.core.transactions import commit
from app.extensions import db
from tests.conftest import session_cookie_for

MEMBER = "gouvernement1@demo.palabre"


@pytest.fixture
def handshake(app, demo):
    """The environ of a connection's handshake: every event's request context is pushed
    on it, as Flask-SocketIO does."""
    cookie = session_cookie_for(app, demo.users[MEMBER])
    name = app.config["SESSION_COOKIE_NAME"]
    builder = EnvironBuilder(path="/socket.io/", headers={"Cookie": f"{name}={cookie}"})
    return builder.get_environ()


def _event_user(app, environ):
    """The user an event of this connection gets, as the registry loads it."""
    with app.request_context(environ):
        authz.open_generation()
        try:
            return sockets._user()
        finally:
            db.session.remove()


def test_a_connection_s_next_event_reuses_its_user(app, handshake):
    first = _event_user(app, handshake)
    assert _event_user(app, handshake) is first


def test_a_user_changed_in_memory_is_loaded_again(app, handshake):
    first = _event_user(app, handshake)
    first.name = "Someone else"
    again = _event_user(app, handshake)
    assert again is not first and again.name != "Someone else"


def test_ending_the_user_s_sessions_refuses_the_connection_s_next_event(app, demo, handshake):
    assert _event_user(app, handshake) is not None
    end_all_sessions(db.session.get(User, demo.users[MEMBER].id))
    commit()
    assert _event_user(app, handshake) is None


def test_an_event_builds_urls_with_its_connection_s_adapter(app, handshake):
    adapters = []
    for _event in range(2):
        with app.request_context(handshake) as context:
            adapters.append(context.url_adapter)
            assert url_for("accounts.login").endswith("/login")
    assert adapters[0] is not None and adapters[0] is adapters[1]


def _update(doc: Doc, value: str) -> bytes:
    before = doc.get_state()
    doc.get(sync.TEXT, type=Text).insert(0, value)
    return doc.get_update(before)


def test_the_state_vector_follows_every_applied_row():
    live, editor = sync.LiveDoc(1, Doc()), Doc()
    live.applied_row(1, _update(editor, "ab"))
    assert live.state_vector() == {editor.client_id: 2}
    live.applied_row(2, _update(editor, "cde"))
    assert live.state_vector() == {editor.client_id: 5}


@pytest.fixture
def section_id(demo):
    section_id = paper_of(demo.groups[0]).sections[0].id
    commit()
    return section_id


@pytest.mark.sqlite_only  # the writer lock serialises SQLite's writes only
def test_appends_after_a_closed_transaction_queue_on_the_writer_lock_again(app, section_id):
    store.append(section_id, b"\x00\x00", None)
    assert store._SQLITE_WRITER.locked()
    db.session.close()  # no commit, no rollback: the transaction ends all the same
    assert not store._SQLITE_WRITER.locked()
    store.append(section_id, b"\x00\x00", None)
    assert store._SQLITE_WRITER.locked()
    db.session.rollback()


def test_a_batch_with_nothing_to_compact_commits_once(app, section_id):
    commits: list[int] = []

    def record(_session):
        commits.append(threading.get_ident())

    writer = BatchWriter(app, lambda _: store.append(section_id, b"\x00\x00", None), lambda _: None)
    event.listen(Session, "after_commit", record)
    try:
        writer.submit(0, timeout=10).wait()
        # The same thread's next batch comes after the first one's housekeeping.
        writer.submit(1, timeout=10).wait()
    finally:
        event.remove(Session, "after_commit", record)
    assert len([ident for ident in commits if ident != threading.get_ident()]) == 2


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    return bytes((*out, value))


def test_a_state_vector_is_read_whole_and_trailing_bytes_ignored():
    clients = {2**53: 2**31 - 1, 7: 0, 300: 128}
    encoded = _varint(3) + b"".join(_varint(c) + _varint(k) for c, k in clients.items())
    assert yupdate.state_vector(encoded + b"\xff\x01") == clients
    assert yupdate.state_vector(encoded) == clients  # again, from the table of values


@pytest.mark.parametrize(
    "encoded",
    [
        b"",
        _varint(2) + _varint(1) + _varint(1),  # one pair short
        _varint(1) + _varint(2**53 + 1) + _varint(1),  # client id out of range
        _varint(1) + _varint(1) + _varint(2**31),  # clock out of range
        _varint(1) + b"\x81" * 8 + b"\x01" + _varint(1),  # varint longer than 8 bytes
        _varint(5) + _varint(1),  # count past the end
        _varint(1) + b"\x81\x81",  # cut in the middle of a varint
    ],
)
def test_a_state_vector_out_of_bounds_is_refused(encoded):
    with pytest.raises(yupdate.UpdateFormatError):
        yupdate.state_vector(encoded)
