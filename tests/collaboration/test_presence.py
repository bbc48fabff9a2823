"""Presence belongs to the server: a spoofed awareness state reaches the others rewritten
from the sender's session, and presence messages are bounded."""

from __future__ import annotations

import json

import pytest
from pycrdt import Doc, Text, create_awareness_message, create_update_message, write_var_uint

from app.collaboration import presence
from app.core.errors import BadInput
from app.core.transactions import commit
from app.workshops.memberships import move_member
from app.workshops.services import get_group, membership_of
from tests.collaboration.conftest import wait_until

SPOOF = {
    "user": {"id": 1, "name": "Organisateur (spoof)", "color": "red;background:url(/logout)"},
    "section": "malisig-2023/secteur-prive/q1",
    "cursor": {
        "anchor": {"type": None, "tname": "markdown", "item": None, "assoc": 0},
        "head": {"type": None, "tname": "markdown", "item": None, "assoc": 0},
    },
    "extra": "x" * 100,
}


def _message(states: dict[int, dict | None], clock: int = 1) -> bytes:
    body = bytearray(write_var_uint(len(states)))
    for client, state in states.items():
        raw = json.dumps(state).encode()
        body += write_var_uint(client) + write_var_uint(clock) + write_var_uint(len(raw)) + raw
    return create_awareness_message(bytes(body))


def _send(editor, data: bytes) -> dict:
    payload = {"section": editor.section, "data": data}
    return editor.sio.call("awareness", payload, namespace="/collab", timeout=10)


@pytest.fixture
def pair(demo, editor_for):
    sender = editor_for(demo.users["gouvernement1@demo.palabre"])
    receiver = editor_for(demo.users["gouvernement2@demo.palabre"])
    return sender, receiver


def _received(receiver) -> list[presence.Entry]:
    assert wait_until(lambda: receiver.awareness)
    return presence.read(receiver.awareness[-1])


def test_a_spoofed_state_reaches_the_others_as_its_sender(demo, pair):
    sender, receiver = pair
    assert _send(sender, _message({4242: SPOOF}))["ok"]
    (entry,) = _received(receiver)
    fatoumata = demo.users["gouvernement1@demo.palabre"]
    assert entry.state["user"]["id"] == fatoumata.id
    assert entry.state["user"]["name"] == fatoumata.name


def test_a_spoofed_colour_becomes_the_group_colour(pair):
    sender, receiver = pair
    _send(sender, _message({4242: SPOOF}))
    (entry,) = _received(receiver)
    assert presence.COLOUR.fullmatch(entry.state["user"]["color"])


def test_a_state_keeps_only_its_user_section_and_cursor(pair):
    sender, receiver = pair
    _send(sender, _message({4242: SPOOF}))
    (entry,) = _received(receiver)
    assert set(entry.state) == {"user", "section", "cursor"}
    assert entry.state["section"] == sender.section


def test_a_cursor_of_another_shape_is_dropped(pair):
    sender, receiver = pair
    _send(sender, _message({4242: {**SPOOF, "cursor": {"anchor": "<img>", "head": 3}}}))
    (entry,) = _received(receiver)
    assert "cursor" not in entry.state


def test_a_read_only_member_shows_as_themselves_too(demo, editor_for):
    facilitator = editor_for(demo.users["facilitateur@demo.palabre"])
    receiver = editor_for(demo.users["gouvernement2@demo.palabre"])
    assert facilitator.ack["readonly"]
    assert _send(facilitator, _message({777: SPOOF}))["ok"]
    (entry,) = _received(receiver)
    assert entry.state["user"]["name"] == demo.users["facilitateur@demo.palabre"].name


def test_an_oversized_presence_message_is_refused(pair):
    sender, receiver = pair
    ack = _send(sender, _message({4242: {**SPOOF, "extra": "x" * 100_000}}))
    assert (ack["ok"], ack["error"]) == (False, "too_large")
    assert not wait_until(lambda: receiver.awareness, timeout=0.3)


def test_another_connections_presence_cannot_be_overwritten(pair):
    sender, receiver = pair
    assert _send(sender, _message({4242: SPOOF}))["ok"]
    ack = _send(receiver, _message({4242: None}, clock=2))
    assert (ack["ok"], ack["error"]) == (False, "forbidden")


def test_a_message_with_too_many_clients_is_refused():
    many = _message({key: {"user": {}} for key in range(1, presence.MAX_CLIENTS + 2)})
    with pytest.raises(BadInput):
        presence.read(many)


def test_a_presence_id_seen_relayed_cannot_be_written_under(pair):
    sender, receiver = pair
    claimed = sender.doc.client_id
    assert _send(sender, _message({claimed: SPOOF}))["ok"]
    (entry,) = _received(receiver)
    squatter = Doc(client_id=entry.client)
    squatter.get("markdown", type=Text).insert(0, "usurpé")
    ack = receiver.send(create_update_message(squatter.get_update()))
    assert (ack["ok"], ack["error"]) == (False, "forbidden")


def test_a_member_moved_out_of_the_group_stops_showing_in_the_section(demo, pair):
    sender, receiver = pair
    assert _send(sender, _message({4242: SPOOF}))["ok"]
    assert wait_until(lambda: receiver.awareness)
    fatoumata = demo.users["gouvernement1@demo.palabre"]
    organizer = demo.users["organisateur@demo.palabre"]
    move_member(membership_of(fatoumata, demo), get_group(demo, "secteur-prive"), organizer)
    commit()
    assert wait_until(
        lambda: any(e.state is None for e in presence.read(receiver.awareness[-1])), timeout=1.0
    )
