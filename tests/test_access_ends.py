"""When access ends, it ends for what a socket receives too, within a second, on every
namespace: a member moved, removed, logged out everywhere; a paper closed again; a phase
that stops opening the other papers."""

from __future__ import annotations

import pytest

from app.accounts.services import end_all_sessions
from app.collaboration.models import PaperVisibility
from app.collaboration.services import paper_of
from app.core.transactions import commit
from app.deliberation.arguments import add_argument
from app.deliberation.models import Kind
from app.facilitation.phases import set_current_phase
from app.workshops.memberships import move_member, remove_member
from app.workshops.services import get_group, membership_of
from tests.collaboration.conftest import Editor, wait_until

SECTION = "malisig-2023/gouvernement/introduction"


@pytest.fixture
def listener(demo, socketio_client):
    """gouvernement2's editor of the introduction, joined; gouvernement1 types."""
    ibrahim = demo.users["gouvernement2@demo.palabre"]
    editor = Editor(socketio_client(ibrahim), SECTION)
    assert editor.join()["ok"]
    return editor


@pytest.fixture
def writer(demo, socketio_client):
    editor = Editor(socketio_client(demo.users["gouvernement1@demo.palabre"]), SECTION)
    assert editor.join()["ok"]
    return editor


def _organizer(demo):
    return demo.users["organisateur@demo.palabre"]


def _stops_receiving(listener: Editor, writer: Editor) -> None:
    assert wait_until(lambda: any(a.get("removed") for a in listener.access), timeout=1.0)
    assert writer.type(None, "{marqueur après}")["ok"]
    assert not wait_until(lambda: "marqueur après" in listener.value(), timeout=0.5)


def test_a_member_moved_to_another_group_stops_receiving_the_paper(demo, listener, writer):
    assert writer.type(None, "{avant} ")["ok"]
    assert wait_until(lambda: "avant" in listener.value())
    ibrahim = demo.users["gouvernement2@demo.palabre"]
    membership = membership_of(ibrahim, demo)
    move_member(membership, get_group(demo, "secteur-prive"), _organizer(demo))
    commit()
    _stops_receiving(listener, writer)


def test_a_member_removed_from_the_edition_stops_receiving_the_paper(demo, listener, writer):
    ibrahim = demo.users["gouvernement2@demo.palabre"]
    remove_member(membership_of(ibrahim, demo), _organizer(demo))
    commit()
    _stops_receiving(listener, writer)


def test_logging_out_everywhere_ends_the_open_sockets(demo, listener, writer):
    end_all_sessions(demo.users["gouvernement2@demo.palabre"])
    commit()
    assert wait_until(
        lambda: any(a.get("reason") == "session_ended" for a in listener.access), timeout=1.0
    )
    assert wait_until(lambda: not listener.sio.connected, timeout=1.0)


def test_a_paper_closed_again_stops_reaching_another_group(demo, socketio_client, writer):
    paper = paper_of(get_group(demo, "gouvernement"))
    paper.visibility = PaperVisibility.EDITION
    commit()
    reader = Editor(socketio_client(demo.users["prive1@demo.palabre"]), SECTION)
    assert reader.join()["ok"]
    paper.visibility = PaperVisibility.GROUP
    commit()
    _stops_receiving(reader, writer)


def test_a_phase_that_closes_the_other_papers_stops_their_readers(demo, socketio_client, writer):
    opened = next(p for p in demo.phases if p.read_other_papers)
    closed = next(p for p in demo.phases if not p.read_other_papers and p.write_own_paper)
    set_current_phase(demo, opened.key, _organizer(demo))
    commit()
    reader = Editor(socketio_client(demo.users["prive1@demo.palabre"]), SECTION)
    assert reader.join()["ok"]
    set_current_phase(demo, closed.key, _organizer(demo))
    commit()
    assert wait_until(lambda: any(a.get("removed") for a in reader.access), timeout=1.0)


def test_a_removed_member_stops_hearing_the_debate(demo, socketio_client):
    ibrahim = demo.users["gouvernement2@demo.palabre"]
    sio = socketio_client(ibrahim, namespaces=("/debate",))
    heard: list[dict] = []
    sio.on("changed", heard.append, namespace="/debate")
    access: list[dict] = []
    sio.on("access", access.append, namespace="/debate")
    question = demo.questions[0]
    ack = sio.call(
        "watch", {"edition": demo.slug, "question": question.position}, namespace="/debate"
    )
    assert ack["ok"]
    remove_member(membership_of(ibrahim, demo), _organizer(demo))
    commit()
    assert wait_until(lambda: any(a.get("removed") for a in access), timeout=1.0)
    author = demo.users["gouvernement1@demo.palabre"]
    add_argument(
        demo, author, question=question, kind=Kind.CLAIM, text="Une thèse après le départ."
    )
    commit()
    assert not wait_until(lambda: heard, timeout=0.5)


def test_a_member_moved_stops_hearing_their_former_group_room(demo, socketio_client):
    ibrahim = demo.users["gouvernement2@demo.palabre"]
    sio = socketio_client(ibrahim, namespaces=("/live",))
    access: list[dict] = []
    sio.on("access", access.append, namespace="/live")
    assert sio.call("join", {"edition": demo.slug}, namespace="/live")["ok"]
    membership = membership_of(ibrahim, demo)
    move_member(membership, get_group(demo, "secteur-prive"), _organizer(demo))
    commit()
    assert wait_until(
        lambda: (
            any(a.get("removed") and a.get("group") == "gouvernement" for a in access)
            or not sio.connected
        ),
        timeout=1.0,
    )
