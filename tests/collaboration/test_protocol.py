import pytest

from tests.collaboration.conftest import Editor, wait_until


def test_two_members_converge(demo, editor_for):
    awa = editor_for(demo.users["gouvernement1@demo.palabre"])
    ibrahim = editor_for(demo.users["gouvernement2@demo.palabre"])
    assert awa.type(None, "Les coupures ")["ok"]
    assert ibrahim.type(0, "Préambule. ")["ok"]
    assert wait_until(lambda: awa.value() == ibrahim.value() and len(awa.value()) > 15)
    assert "coupures" in awa.value()
    assert "Préambule" in awa.value()


def _refused(ack: dict, code: str = "forbidden") -> bool:
    return ack.get("ok") is False and ack.get("error") == code


def test_a_member_joins_with_write_access(demo, editor_for):
    assert editor_for(demo.users["gouvernement1@demo.palabre"]).ack == {
        "ok": True,
        "readonly": False,
    }


def test_an_outsider_cannot_join_another_groups_section(demo, editor_for):
    editor = editor_for(demo.users["prive1@demo.palabre"])
    assert _refused(editor.ack)


def test_a_connection_without_a_session_is_refused(demo, socketio_client):
    import pytest
    import socketio

    with pytest.raises(socketio.exceptions.ConnectionError):
        socketio_client(None)


def test_a_connection_from_another_origin_is_refused(demo, socketio_client):
    import pytest
    import socketio

    with pytest.raises(socketio.exceptions.ConnectionError):
        socketio_client(demo.users["gouvernement1@demo.palabre"], origin="http://evil.example")


def test_an_observer_reads_but_cannot_write(demo, editor_for):
    from app.collaboration.models import PaperVisibility
    from app.collaboration.services import paper_of
    from app.extensions import db

    paper_of(demo.groups[0]).visibility = PaperVisibility.PUBLISHED
    db.session.commit()
    observer = editor_for(demo.users["public@demo.palabre"])
    assert observer.ack == {"ok": True, "readonly": True}
    assert _refused(observer.type(None, "graffiti"))


def test_a_member_is_refused_from_the_next_message_after_a_lock(demo, editor_for):
    from app.collaboration.services import paper_of
    from app.extensions import db

    editor = editor_for(demo.users["gouvernement1@demo.palabre"])
    assert editor.type(None, "avant ")["ok"]
    paper_of(demo.groups[0]).locked = True
    db.session.commit()
    assert _refused(editor.type(None, "après"))


def test_a_member_removed_from_the_group_is_refused_from_the_next_message(demo, editor_for):
    from app.extensions import db
    from app.workshops.services import set_membership

    user = demo.users["gouvernement2@demo.palabre"]
    editor = editor_for(user)
    assert editor.type(None, "avant ")["ok"]
    set_membership(demo, user, "participant", demo.groups[1])
    db.session.commit()
    assert _refused(editor.type(None, "après"))


def test_a_forged_section_name_gets_an_error(demo, editor_for, socketio_client):
    sio = socketio_client(demo.users["gouvernement1@demo.palabre"])
    for forged in ("malisig-2023/gouvernement/../secteur-prive", "x" * 500, 42, None):
        ack = sio.call("join", {"section": forged}, namespace="/collab", timeout=5)
        assert ack["ok"] is False


def test_a_malformed_update_gets_an_error_and_the_document_stays_intact(demo, editor_for):
    from app.collaboration.services import resolve_section, section_text

    editor = editor_for(demo.users["gouvernement1@demo.palabre"])
    assert editor.type(None, "texte intact")["ok"]
    ack = editor.send(b"\x00\x02\x05\xff\xff\xff\xff\xff")
    assert _refused(ack, "bad_input")
    assert wait_until(lambda: editor.errors)
    assert section_text(resolve_section(editor.section)) == "texte intact"


def test_a_message_that_is_not_bytes_is_refused(demo, editor_for):
    editor = editor_for(demo.users["gouvernement1@demo.palabre"])
    ack = editor.sio.call("sync", {"section": editor.section, "data": "texte"}, namespace="/collab")
    assert _refused(ack, "bad_input")


def test_an_oversized_message_is_refused(app, demo, editor_for):
    editor = editor_for(demo.users["gouvernement1@demo.palabre"])
    limit = app.config["COLLAB_MAX_MESSAGE_BYTES"]
    assert _refused(editor.type(None, "x" * (limit + 10)), "too_large")
    fresh = Editor(editor.sio, editor.section)  # the same connection, a document without it
    assert fresh.type(None, "petit")["ok"]


def test_an_update_built_on_a_refused_one_asks_for_a_resync(app, demo, editor_for):
    from app.collaboration.services import resolve_section, section_text

    editor = editor_for(demo.users["gouvernement1@demo.palabre"])
    limit = app.config["COLLAB_MAX_MESSAGE_BYTES"]
    editor.type(None, "x" * (limit + 10))
    assert _refused(editor.type(None, "petit"), "resync")
    assert section_text(resolve_section(editor.section)) == ""


def test_a_document_cannot_grow_past_its_limit(app, demo, editor_for):
    app.config["COLLAB_MAX_DOCUMENT_BYTES"] = 2000
    editor = editor_for(demo.users["gouvernement1@demo.palabre"])
    acks = [
        editor.type(None, "phrase de cinquante caractères environ, en français. ")
        for _ in range(60)
    ]
    assert _refused(acks[-1], "too_large")


def test_an_update_reaches_the_others_but_not_back_to_its_sender(demo, editor_for):
    sender = editor_for(demo.users["gouvernement1@demo.palabre"])
    other = editor_for(demo.users["gouvernement2@demo.palabre"])
    received = []
    sender.sio.on("sync", lambda p: received.append(p), namespace="/collab")
    sender.type(None, "bonjour")
    assert wait_until(lambda: other.value() == "bonjour")
    assert all(p["data"][1] != 2 for p in received)


def test_awareness_is_relayed_to_the_others(demo, editor_for):
    from pycrdt import create_awareness_message

    sender = editor_for(demo.users["gouvernement1@demo.palabre"])
    other = editor_for(demo.users["gouvernement2@demo.palabre"])
    state = b'{"user":{"name":"Fatoumata"}}'
    body = bytes([1, 42, 1, len(state)]) + state
    sender.sio.call(
        "awareness",
        {"section": sender.section, "data": create_awareness_message(body)},
        namespace="/collab",
    )
    assert wait_until(lambda: any(b"Fatoumata" in data for data in other.awareness))


def test_a_closed_connection_announces_its_presence_is_gone(demo, editor_for):
    from pycrdt import create_awareness_message

    sender = editor_for(demo.users["gouvernement1@demo.palabre"])
    other = editor_for(demo.users["gouvernement2@demo.palabre"])
    state = b'{"user":{"name":"Fatoumata"}}'
    body = bytes([1, 42, 1, len(state)]) + state
    sender.sio.call(
        "awareness",
        {"section": sender.section, "data": create_awareness_message(body)},
        namespace="/collab",
    )
    sender.sio.disconnect()
    assert wait_until(lambda: any(b"null" in data for data in other.awareness))


def test_a_late_joiner_gets_the_whole_text(demo, editor_for):
    first = editor_for(demo.users["gouvernement1@demo.palabre"])
    first.type(None, "Première phrase. ")
    first.type(None, "Deuxième phrase.")
    late = editor_for(demo.users["gouvernement2@demo.palabre"])
    assert wait_until(lambda: late.value() == "Première phrase. Deuxième phrase.")


def test_a_lock_is_announced_to_connected_editors(demo, editor_for):
    from app.collaboration.services import notify_access_changed, paper_of
    from app.extensions import db

    editor = editor_for(demo.users["gouvernement1@demo.palabre"])
    paper = paper_of(demo.groups[0])
    paper.locked = True
    db.session.commit()
    notify_access_changed(paper.sections)
    assert wait_until(lambda: {"section": editor.section, "readonly": True} in editor.access)


@pytest.mark.sqlite_only  # holds SQLite's write lock; PostgreSQL has no such single lock
def test_an_update_the_database_cannot_take_is_refused_then_accepted_when_sent_again(
    app, demo, editor_for
):
    """A real write failure (SQLite's write lock held elsewhere past the busy timeout): the
    update is refused as "unavailable", nothing is half-written, and the same update sent
    again once the database is back (as the browser does) is kept."""
    import sqlite3

    from pycrdt import create_update_message

    from app.collaboration.services import resolve_section, section_text
    from app.extensions import db

    app.config["SQLITE_BUSY_TIMEOUT_MS"] = 100
    db.engine.dispose()  # new connections take the short timeout
    editor = editor_for(demo.users["gouvernement1@demo.palabre"])
    blocker = sqlite3.connect(db.engine.url.database, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        ack = editor.type(None, "Écrit pendant la panne.")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert _refused(ack, "unavailable")
    assert editor.send(create_update_message(editor.doc.get_update()))["ok"]
    db.session.remove()
    section = resolve_section("malisig-2023/gouvernement/introduction")
    assert section_text(section) == "Écrit pendant la panne."
