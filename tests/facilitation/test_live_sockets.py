"""The /live channel: what facilitators do reaches connected browsers at once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest

from app.core.models import utcnow
from app.extensions import db
from app.facilitation import announcements, audit, locks, phases, presence
from app.workshops import memberships
from app.workshops.models import Role
from tests.collaboration.conftest import Editor, wait_until
from tests.facilitation.conftest import audit_actions, group

NS = "/live"


class Inbox:
    """Collects the events one client receives."""

    def __init__(self, sio, *names):
        self.events: list[tuple[str, dict]] = []
        for name in names:
            sio.on(name, self._handler(name), namespace=NS)

    def _handler(self, name):
        return lambda data=None: self.events.append((name, data))

    def wait(self, name, timeout=5.0, predicate=lambda data: True):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event, data in self.events:
                if event == name and predicate(data):
                    return data
            time.sleep(0.02)
        raise AssertionError(f"no {name!r} event within {timeout} s: {self.events}")

    def names(self):
        return [name for name, _data in self.events]


@pytest.fixture
def joined(socketio_client, world):
    """joined(user, *events) -> (client, inbox), connected to /live and joined."""

    clients = []

    def make(user, *names):
        sio = socketio_client(user, namespaces=(NS,))
        clients.append(sio)
        inbox = Inbox(sio, *names)
        ack = sio.call("join", {"edition": world.edition.slug}, namespace=NS, timeout=5)
        assert ack["ok"], ack
        sio.ack = ack
        return sio, inbox

    yield make
    # Each client waits ~3 s for the server's WebSocket close frame: close them together.
    closing = [threading.Thread(target=c.disconnect) for c in clients if c.connected]
    for thread in closing:
        thread.start()
    for thread in closing:
        thread.join(10)


def test_joining_gives_the_phase_the_locks_and_the_unread_announcements(world, joined):
    announcements.send_announcement(world.edition, world.facilitator, "Bienvenue à **tous**")
    db.session.commit()
    sio, _inbox = joined(world.participant)
    assert sio.ack["phase"]["key"] == "redaction"
    assert sio.ack["group"] == "gouvernement" and sio.ack["locked"] is False
    assert [a["html"] for a in sio.ack["unread"]] == ["<p>Bienvenue à <strong>tous</strong></p>\n"]


def test_reading_an_announcement_live_marks_it_read(world, joined):
    announcement = announcements.send_announcement(world.edition, world.facilitator, "Lu ?")
    db.session.commit()
    sio, _inbox = joined(world.participant)
    assert sio.call("read", {"announcement": announcement.id}, namespace=NS, timeout=5)["ok"]
    db.session.expire_all()
    assert announcements.unread_announcements(world.participant, world.edition) == []


def test_a_stranger_cannot_join_an_edition(world, socketio_client):
    sio = socketio_client(world.outsider, namespaces=(NS,))
    ack = sio.call("join", {"edition": world.edition.slug}, namespace=NS, timeout=5)
    assert ack == {"ok": False, "error": "forbidden", "message": ack["message"]}


def test_an_announcement_reaches_everyone_online_at_once(world, joined):
    _a, awa = joined(world.participant, "announcement")
    _b, binta = joined(world.other, "announcement")
    announcements.send_announcement(world.edition, world.facilitator, "Pause café")
    db.session.commit()
    assert awa.wait("announcement")["text"] == "Pause café"
    assert binta.wait("announcement")["text"] == "Pause café"


def test_a_group_announcement_reaches_only_that_group(world, joined):
    _a, awa = joined(world.participant, "announcement")
    _b, binta = joined(world.other, "announcement")
    _f, fatou = joined(world.facilitator, "announcement")
    announcements.send_announcement(
        world.edition, world.facilitator, "Gouv seulement", group(world.edition, "gouvernement")
    )
    announcements.send_announcement(world.edition, world.facilitator, "Pour tous")
    db.session.commit()
    assert awa.wait("announcement")["text"] == "Gouv seulement"
    assert fatou.wait("announcement")["text"] == "Gouv seulement"
    binta.wait("announcement", predicate=lambda a: a["text"] == "Pour tous")
    assert [d["text"] for n, d in binta.events] == ["Pour tous"]


def test_a_phase_change_reaches_connected_clients(world, joined):
    _s, inbox = joined(world.participant, "phase", "access")
    phases.set_current_phase(world.edition, "ceremonie", world.facilitator)
    db.session.commit()
    assert inbox.wait("phase")["key"] == "ceremonie"
    access = inbox.wait("access")
    assert all(section["locked"] for section in access["sections"])


def test_a_lock_reaches_connected_clients_without_a_reload(world, joined):
    _s, inbox = joined(world.participant, "access")
    paper = group(world.edition, "gouvernement").paper
    locks.set_lock(world.edition, world.facilitator, "paper", paper.id, locked=True)
    db.session.commit()
    access = inbox.wait("access")
    assert {s["group"] for s in access["sections"]} == {"gouvernement"}
    assert all(s["locked"] for s in access["sections"])


def test_nothing_is_sent_when_the_transaction_rolls_back(world, joined):
    _s, inbox = joined(world.participant, "announcement")
    announcements.send_announcement(world.edition, world.facilitator, "Jamais envoyé")
    db.session.rollback()
    announcements.send_announcement(world.edition, world.facilitator, "Envoyé")
    db.session.commit()
    inbox.wait("announcement")
    assert [d["text"] for _n, d in inbox.events] == ["Envoyé"]


def test_a_forged_facilitator_event_is_refused_and_audited(world, joined):
    sio, _inbox = joined(world.participant)
    ack = sio.call(
        "announce", {"edition": world.edition.slug, "body": "Faux"}, namespace=NS, timeout=5
    )
    assert ack["ok"] is False and ack["error"] == "forbidden"
    db.session.expire_all()
    assert announcements.announcements_for(world.organizer, world.edition) == []
    entry = audit.audit_entries(world.edition, action="forbidden.attempt")[0]
    assert entry.actor_id == world.participant.id
    assert entry.after["event"] == "/live:announce"
    assert audit_actions(world.edition).count("forbidden.attempt") == 1


def test_a_facilitator_announces_over_the_socket(world, joined):
    sio, _f = joined(world.facilitator)
    _s, inbox = joined(world.other, "announcement")
    ack = sio.call(
        "announce",
        {"edition": world.edition.slug, "body": "Par socket", "group": "societe-civile"},
        namespace=NS,
        timeout=5,
    )
    assert ack["ok"] is True
    assert inbox.wait("announcement")["group"] == "Société civile"


def test_a_removed_member_is_told_and_disconnected(world, joined):
    from app.workshops.services import membership_of

    sio, inbox = joined(world.participant, "session_ended")
    memberships.remove_member(membership_of(world.participant, world.edition), world.organizer)
    db.session.commit()
    assert inbox.wait("session_ended") == {"edition": world.edition.slug}
    deadline = time.monotonic() + 5
    while sio.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not sio.connected


def test_a_role_change_reaches_the_open_editor_at_once(world, socketio_client):
    """No /live socket to close here: the /collab room is left because the commit moved
    the access generation, and the editor's rule is asked again."""
    from app.workshops.services import membership_of

    editor = Editor(socketio_client(world.facilitator), "ecole-2024/gouvernement/introduction")
    assert editor.join()["ok"]
    membership = membership_of(world.facilitator, world.edition)
    memberships.change_role(membership, Role.OBSERVER, world.organizer)
    db.session.commit()
    assert wait_until(lambda: any(a.get("removed") for a in editor.access), timeout=2.0)


def test_presence_shows_who_is_online_and_leaves_on_disconnect(world, joined):
    sio, _inbox = joined(world.participant)
    assert world.participant.id in presence.online(world.edition)
    sio.disconnect()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        db.session.expire_all()
        if world.participant.id not in presence.online(world.edition):
            break
        time.sleep(0.05)
    assert world.participant.id not in presence.online(world.edition)


def test_the_timer_locks_at_the_scheduled_moment(app, world, joined):
    from app.facilitation import scheduler

    app.config["LOCK_TIMER"] = True
    timer = scheduler.ensure_timer(app)
    try:
        _s, inbox = joined(world.participant, "access")
        at = utcnow() + timedelta(seconds=1.5)
        locks.schedule_lock(world.edition, world.facilitator, "all", at=at)
        db.session.commit()
        access = inbox.wait("access", timeout=6)
        assert utcnow() >= at
        assert all(s["locked"] for s in access["sections"])
        db.session.expire_all()
        assert all(g.paper.locked for g in world.edition.groups)
    finally:
        scheduler.stop_timer(app)
    assert timer is not None
