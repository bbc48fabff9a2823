"""Issue 12, "When access ends, it ends everywhere at once": every access change × every
namespace, over real sockets and a real database.

Each case opens the listener's socket (and, beside it, a *control* socket the change
leaves alone) in the namespace's room, commits the change, then produces a real message
in that room: the control must hear it, and the listener must hear it too, or must not,
as the table says. A change that narrows what the listener may receive must reach it
within ``BOUND`` (the issue's second); after that nothing more of the room reaches it
(watched for ``SILENCE`` once the control heard the message). A change that leaves the
namespace alone is asserted too: a message produced after ``BOUND`` still arrives.

What each namespace's rooms hold by (``app.core.access``):

- ``/collab``: the section room, by ``section.read`` (a lock narrows ``section.edit``
  only: the editor hears ``access {section, readonly: true}`` and its updates are
  refused, but it keeps receiving); beside it, the section's review room (comments and
  suggestions, ``review``), by ``review.read`` (never observers; a lock stops neither);
- ``/debate``: the question room (``watch``), by ``debate.read_question``;
- ``/live``: the edition room (``edition.view``) and the group room (``group.hear``);
  facilitation also closes the /live sockets of a member moved or removed, after telling
  them (``membership {reload: true}``, ``session_ended {edition}``).

A session that ends (logout everywhere) ends every socket of it: ``access {reason:
"session_ended"}``, then the server disconnects it.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from app.collaboration.models import PaperVisibility
from app.collaboration.services import append_to_section, paper_of, resolve_section
from app.core.transactions import commit
from app.deliberation.models import Argument
from app.extensions import db
from app.review.anchors import anchor_at, to_text
from app.review.common import section_state
from app.workshops.locks import section_is_locked
from app.workshops.models import LockScope
from app.workshops.services import get_group, membership_of
from tests.collaboration.conftest import Editor, wait_until

BOUND = 1.0  # the "within a second"
SILENCE = 0.5  # how long a socket that lost the room is watched for what it must not hear
DELIVERY = 5.0  # how long a message may take to reach a socket that keeps the room

SECTION = "malisig-2023/gouvernement/introduction"
MEMBER = "gouvernement2@demo.palabre"  # Ibrahim: moved, removed, logged out, locked
READER = "prive1@demo.palabre"  # Awa: reads the Government's paper while it is open to her
AUTHOR = "gouvernement1@demo.palabre"  # Fatoumata: types in the section
FACILITATOR = "facilitateur@demo.palabre"
ORGANIZER = "organisateur@demo.palabre"
TEAMMATES = {MEMBER: AUTHOR, READER: "prive2@demo.palabre"}

_markers = itertools.count(1)


def _marker(what: str) -> str:
    return f"[{what} {next(_markers)}]"


# --- the access changes ---------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    listener: str  # whose socket the change concerns
    apply: Callable  # fn(demo, client_for): the change, committed when it returns
    before: Callable | None = None  # the same, done before the sockets join
    writable: bool = True  # the author may still type in SECTION afterwards


def _user(demo, email: str):
    return demo.users[email]


def _click(client_for, email: str, demo, path: str, data: dict) -> None:
    """What a button of the staff's pages sends (its transaction commits before the reply)."""
    response = client_for(_user(demo, email)).post(f"/editions/{demo.slug}{path}", data=data)
    assert response.status_code == 303, response.status_code


def _member_action(operation: str, **data: str) -> Callable:
    def change(demo, client_for) -> None:
        membership = membership_of(_user(demo, MEMBER), demo)
        path = f"/members/{membership.id}"
        _click(client_for, ORGANIZER, demo, path, {"operation": operation, **data})
        after = membership_of(_user(demo, MEMBER), demo)
        assert after is None if operation == "remove" else after.group.slug == data["group"]

    return change


def _log_out_everywhere(demo, client_for) -> None:
    """The member logs out on another device: every session of theirs ends."""
    response = client_for(_user(demo, MEMBER)).post("/logout")
    assert response.status_code == 302, response.status_code


def _visibility(value: str) -> Callable:
    def change(demo, _client_for) -> None:
        paper_of(get_group(demo, "gouvernement")).visibility = value
        commit()

    return change


def _phase(key: str) -> Callable:
    def change(demo, client_for) -> None:
        _click(client_for, FACILITATOR, demo, "/facilitation/phase", {"phase": key})
        assert demo.current_phase.key == key

    return change


def _lock(scope: str) -> Callable:
    def change(demo, client_for) -> None:
        section = resolve_section(SECTION)
        target = {LockScope.SECTION: section.id, LockScope.PAPER: section.paper_id}.get(scope)
        data = {"scope": scope, "locked": "1", **({"target": str(target)} if target else {})}
        _click(client_for, FACILITATOR, demo, "/facilitation/locks", data)
        assert section_is_locked(resolve_section(SECTION))

    return change


CHANGES = {
    "moved": Change(MEMBER, _member_action("move", group="secteur-prive")),
    "removed": Change(MEMBER, _member_action("remove")),
    "logout": Change(MEMBER, _log_out_everywhere),
    # The Government's paper was open to the edition; it is the group's alone again.
    "paper_closed": Change(
        READER, _visibility(PaperVisibility.GROUP), before=_visibility(PaperVisibility.EDITION)
    ),
    # "Débat" opens the other papers; "Rédaction" closes them (the debate stays open).
    "phase_closes_papers": Change(READER, _phase("redaction"), before=_phase("debat")),
    # "Préparation" closes the other papers and hides the debate; nobody writes.
    "phase_hides_debate": Change(
        READER, _phase("preparation"), before=_phase("debat"), writable=False
    ),
    "lock_section": Change(MEMBER, _lock(LockScope.SECTION), writable=False),
    "lock_paper": Change(MEMBER, _lock(LockScope.PAPER), writable=False),
    "lock_all": Change(MEMBER, _lock(LockScope.ALL), writable=False),
}


# --- the namespaces: a listener, a control, and a way to produce a message -------------


class Collab:
    """The section room: the author types (or, when nobody may write, an organizer's
    server edit lands, as inserting a debate argument or restoring a checkpoint does)."""

    namespace = "/collab"

    def __init__(self, demo, socketio_client, change: Change) -> None:
        self.demo = demo
        self.listener = Editor(socketio_client(_user(demo, change.listener)), SECTION)
        self.control = Editor(socketio_client(_user(demo, FACILITATOR)), SECTION)
        self.author = Editor(socketio_client(_user(demo, AUTHOR)), SECTION)
        for editor in (self.listener, self.control, self.author):
            assert editor.join()["ok"]
        self.sio = self.listener.sio
        self.access = self.listener.access
        self.removed_notice = {"section": SECTION, "readonly": True, "removed": True}

    def produce(self, writable: bool = True) -> list[str]:
        marker = _marker("collab")
        if writable:
            assert self.author.type(None, f" {marker}")["ok"]
        else:
            assert not self.author.type(None, " refusé")["ok"]
            append_to_section(resolve_section(SECTION), marker, _user(self.demo, ORGANIZER))
            commit()
        assert wait_until(lambda: marker in self.control.value(), timeout=DELIVERY)
        return [marker]

    def heard(self, marker: str) -> bool:
        return marker in self.listener.value()


class Debate:
    """A question's room (``watch``): the facilitator pins or unpins one of its arguments
    (a moderation, through their own /debate socket, allowed in every phase)."""

    namespace = "/debate"

    def __init__(self, demo, socketio_client, change: Change) -> None:
        self.demo = demo
        question = demo.questions[0]
        self.address = {"edition": demo.slug, "question": question.position}
        self.argument = db.session.scalar(
            select(Argument.id)
            .where(Argument.question_id == question.id, Argument.parent_id.is_(None))
            .order_by(Argument.id)
        )
        self.sio, self.changed, self.access = self._watcher(socketio_client, change.listener)
        self.moderator, self.control, _access = self._watcher(socketio_client, FACILITATOR)
        self.removed_notice = {"question": question.id, "removed": True}

    def _watcher(self, socketio_client, email: str):
        sio = socketio_client(_user(self.demo, email), namespaces=("/debate",))
        changed: list[dict] = []
        access: list[dict] = []
        sio.on("changed", changed.append, namespace="/debate")
        sio.on("access", access.append, namespace="/debate")
        assert sio.call("watch", self.address, namespace="/debate", timeout=10)["ok"]
        return sio, changed, access

    def produce(self, writable: bool = True) -> list[int]:
        seen = len(self.control)
        payload = {"edition": self.demo.slug, "argument": self.argument, "operation": "pin"}
        assert self.moderator.call("moderate", payload, namespace="/debate", timeout=10)["ok"]
        assert wait_until(lambda: len(self.control) > seen, timeout=DELIVERY)
        return [len(self.control)]  # how many changes the control heard, this one included

    def heard(self, count: int) -> bool:
        # Both watch from the start: the listener heard ``count`` changes once it heard
        # this one.
        return len(self.changed) >= count


class Live:
    """The edition room and the listener's group room: the facilitator announces, once to
    everyone, once to the group (through their own /live socket)."""

    namespace = "/live"
    EVENTS = ("announcement", "access", "membership", "session_ended", "phase")

    def __init__(self, demo, socketio_client, change: Change) -> None:
        self.demo = demo
        self.sio, self.heard_events, ack = self._joined(socketio_client, change.listener)
        self.group = ack["group"]
        self.access = self.heard_events["access"]
        _sio, self.control, _ack = self._joined(socketio_client, TEAMMATES[change.listener])
        self.facilitator, _events, _ack = self._joined(socketio_client, FACILITATOR)
        self.removed_notice = {"edition": demo.slug, "group": self.group, "removed": True}

    def _joined(self, socketio_client, email: str):
        sio = socketio_client(_user(self.demo, email), namespaces=("/live",))
        events: dict[str, list[dict]] = {name: [] for name in self.EVENTS}
        for name, received in events.items():
            sio.on(name, received.append, namespace="/live")
        ack = sio.call("join", {"edition": self.demo.slug}, namespace="/live", timeout=10)
        assert ack["ok"]
        return sio, events, ack

    def produce(self, writable: bool = True) -> list[str]:
        markers = []
        for group in (None, self.group):
            marker = _marker(f"annonce {group or 'édition'}")
            payload = {"edition": self.demo.slug, "body": marker}
            if group:
                payload["group"] = group
            assert self.facilitator.call("announce", payload, namespace="/live", timeout=10)["ok"]
            markers.append(marker)
        for marker in markers:
            assert wait_until(lambda m=marker: self._in(self.control, m), timeout=DELIVERY)
        return markers

    @staticmethod
    def _in(events: dict[str, list[dict]], marker: str) -> bool:
        return any(a.get("text") == marker for a in events["announcement"])

    def heard(self, marker: str) -> bool:
        return self._in(self.heard_events, marker)


class Review:
    """The section's review room: the facilitator comments on the section (through their
    own /collab socket; comments go on while the section is locked)."""

    namespace = "/collab"

    def __init__(self, demo, socketio_client, change: Change) -> None:
        self.demo = demo
        self.sio, self.comments, self.access = self._joined(socketio_client, change.listener)
        self.facilitator, self.control, _access = self._joined(socketio_client, FACILITATOR)
        self.removed_notice = {"section": SECTION, "review": True, "removed": True}

    def _joined(self, socketio_client, email: str):
        sio = socketio_client(_user(self.demo, email))
        heard: list[dict] = []
        access: list[dict] = []
        sio.on("review", heard.append, namespace="/collab")
        sio.on("access", access.append, namespace="/collab")
        assert sio.call("review", {"section": SECTION}, namespace="/collab", timeout=10)["ok"]
        return sio, heard, access

    def produce(self, writable: bool = True) -> list[str]:
        marker = _marker("commentaire")
        section = resolve_section(SECTION)
        state = section_state(section)
        payload = {
            "section": SECTION,
            "id": str(uuid.uuid4()),
            "body": marker,
            "quote": "passage",
            "start": to_text(anchor_at(state, 0, 0)),
            "end": to_text(anchor_at(state, 5, -1)),
        }
        assert self.facilitator.call("comment", payload, namespace="/collab", timeout=10)["ok"]
        assert wait_until(lambda: self._in(self.control, marker), timeout=DELIVERY)
        return [marker]

    @staticmethod
    def _in(heard: list[dict], marker: str) -> bool:
        return any(h.get("comment", {}).get("body") == marker for h in heard)

    def heard(self, marker: str) -> bool:
        return self._in(self.comments, marker)


NAMESPACES = {"/collab": Collab, "/collab:review": Review, "/debate": Debate, "/live": Live}


# --- what must happen --------------------------------------------------------------------


def _nothing_more(room, change) -> None:
    markers = room.produce(change.writable)
    assert not wait_until(lambda: any(room.heard(m) for m in markers), timeout=SILENCE)


def leaves_the_room(room, change) -> None:
    """``access {…, removed: true}`` within the bound; then nothing more of the room."""
    assert wait_until(lambda: room.removed_notice in room.access, timeout=BOUND), room.access
    assert room.sio.connected  # only the room ends, not the connection
    _nothing_more(room, change)


def session_ends(room, change) -> None:
    """``access {reason: "session_ended"}`` and a disconnect within the bound."""
    assert wait_until(
        lambda: {"reason": "session_ended"} in room.access and not room.sio.connected,
        timeout=BOUND,
    ), room.access
    _nothing_more(room, change)


def told_to_reload_and_closed(room, change) -> None:
    """/live, a member moved: ``membership {reload: true}``, then facilitation closes the
    socket (the page reloads and joins its new group's room); the former group's
    announcements, and the edition's, no longer reach it."""
    events = room.heard_events
    assert wait_until(
        lambda: any(m.get("reload") for m in events["membership"]) and not room.sio.connected,
        timeout=BOUND,
    ), events
    _nothing_more(room, change)


def told_removed_and_closed(room, change) -> None:
    """/live, a member removed: ``session_ended {edition}``, then the socket is closed."""
    events = room.heard_events
    assert wait_until(
        lambda: {"edition": room.demo.slug} in events["session_ended"] and not room.sio.connected,
        timeout=BOUND,
    ), events
    _nothing_more(room, change)


def _keeps_receiving(room, change, changed_at: float) -> None:
    time.sleep(max(0.0, changed_at + BOUND - time.monotonic()))  # access would have ended
    markers = room.produce(change.writable)
    assert wait_until(lambda: all(room.heard(m) for m in markers), timeout=DELIVERY)
    assert room.sio.connected
    assert not [a for a in room.access if a.get("removed") or a.get("reason")], room.access


def keeps_receiving(room, change, changed_at: float) -> None:
    """The change does not narrow this namespace: a message after the bound arrives."""
    _keeps_receiving(room, change, changed_at)


def read_only_and_keeps_receiving(room, change, changed_at: float) -> None:
    """/collab, a lock: ``access {section, readonly: true}`` within the bound, its updates
    are refused and reach nobody, and it keeps receiving the section."""
    notice = {"section": SECTION, "readonly": True}
    assert wait_until(lambda: notice in room.access, timeout=BOUND), room.access
    refused = _marker("refusé")
    ack = room.listener.type(None, f" {refused}")
    assert (ack["ok"], ack["error"]) == (False, "forbidden")
    _keeps_receiving(room, change, changed_at)
    assert refused not in room.control.value()


TIMED = {keeps_receiving, read_only_and_keeps_receiving}

MATRIX = {
    "moved": {
        "/collab": leaves_the_room,
        "/collab:review": leaves_the_room,
        "/debate": keeps_receiving,  # the debate is the edition's, not a group's
        "/live": told_to_reload_and_closed,
    },
    "removed": {
        "/collab": leaves_the_room,
        "/collab:review": leaves_the_room,
        "/debate": leaves_the_room,
        "/live": told_removed_and_closed,
    },
    "logout": {
        "/collab": session_ends,
        "/collab:review": session_ends,
        "/debate": session_ends,
        "/live": session_ends,
    },
    "paper_closed": {
        "/collab": leaves_the_room,
        "/collab:review": leaves_the_room,
        "/debate": keeps_receiving,
        "/live": keeps_receiving,
    },
    "phase_closes_papers": {
        "/collab": leaves_the_room,
        "/collab:review": leaves_the_room,
        "/debate": keeps_receiving,  # open in both phases
        "/live": keeps_receiving,
    },
    "phase_hides_debate": {
        "/collab": leaves_the_room,
        "/collab:review": leaves_the_room,
        "/debate": leaves_the_room,
        "/live": keeps_receiving,
    },
    **{
        lock: {
            "/collab": read_only_and_keeps_receiving,
            "/collab:review": keeps_receiving,  # comments go on under a lock
            "/debate": keeps_receiving,
            "/live": keeps_receiving,
        }
        for lock in ("lock_section", "lock_paper", "lock_all")
    },
}

CASES = [
    pytest.param(change, namespace, expected, id=f"{change}-{namespace[1:]}-{expected.__name__}")
    for change, row in MATRIX.items()
    for namespace, expected in row.items()
]


def test_the_matrix_covers_every_change_and_namespace():
    assert set(MATRIX) == set(CHANGES)
    assert all(set(row) == set(NAMESPACES) for row in MATRIX.values())


@pytest.mark.parametrize(("change_name", "namespace", "expected"), CASES)
def test_access_change(demo, socketio_client, client_for, change_name, namespace, expected):
    change = CHANGES[change_name]
    if change.before is not None:
        change.before(demo, client_for)
    room = NAMESPACES[namespace](demo, socketio_client, change)
    before = room.produce()
    assert wait_until(lambda: all(room.heard(m) for m in before), timeout=DELIVERY)
    change.apply(demo, client_for)
    changed_at = time.monotonic()
    if expected in TIMED:
        expected(room, change, changed_at)
    else:
        expected(room, change)
