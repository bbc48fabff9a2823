"""The /debate channel with real Socket.IO clients: watchers hear every change."""

import pytest
from sqlalchemy import select

from app.core.transactions import commit
from app.deliberation.arguments import add_argument, delete_argument, edit_argument
from app.deliberation.marks import set_mark
from app.deliberation.moderation import hide, merge, restore, toggle
from app.extensions import db
from app.facilitation.models import AuditEntry
from tests.collaboration.conftest import wait_until

WATCH = {"edition": "malisig-2023", "question": 1}


def _watcher(socketio_client, user):
    sio = socketio_client(user, namespaces=("/debate",))
    events = []
    sio.on("changed", events.append, namespace="/debate")
    assert sio.call("watch", WATCH, namespace="/debate") == {"ok": True}
    return sio, events


def test_a_watcher_hears_of_a_new_argument(demo, socketio_client):
    _sio, events = _watcher(socketio_client, demo.users["prive1@demo.palabre"])
    argument = add_argument(
        demo,
        demo.users["societe1@demo.palabre"],
        question=demo.questions[0],
        kind="claim",
        text="Nouvelle thèse.",
    )
    commit()
    expected = {"question": 1, "what": "added", "argument": argument.id, "parent": None}
    assert wait_until(lambda: expected in events)


def test_a_reply_names_its_parent(demo, socketio_client, claim):
    _sio, events = _watcher(socketio_client, demo.users["prive1@demo.palabre"])
    reply = add_argument(
        demo,
        demo.users["societe1@demo.palabre"],
        question=None,
        kind="question",
        parent=claim,
        text="Quelle loi ?",
    )
    commit()
    assert wait_until(lambda: any(e["argument"] == reply.id for e in events))
    assert next(e for e in events if e["argument"] == reply.id)["parent"] == claim.id


CHANGES = {
    "edited": lambda d, a, r: edit_argument(a, d.users["gouvernement1@demo.palabre"], "Nouveau."),
    "marked": lambda d, a, r: set_mark(a, d.users["prive2@demo.palabre"], 1),
    "hidden": lambda d, a, r: hide(a, d.users["facilitateur@demo.palabre"], "hors sujet"),
    "pinned": lambda d, a, r: toggle(a, d.users["facilitateur@demo.palabre"], "pinned"),
    "locked": lambda d, a, r: toggle(a, d.users["facilitateur@demo.palabre"], "locked"),
    "deleted": lambda d, a, r: delete_argument(a),
    "merged": lambda d, a, r: merge(
        add_argument(
            d, d.users["prive1@demo.palabre"], question=a.question, kind="claim", text="Doublon"
        ),
        a,
        d.users["facilitateur@demo.palabre"],
    ),
}


@pytest.mark.parametrize("what", sorted(CHANGES))
def test_a_second_client_hears_each_change(demo, socketio_client, claim, reply, what):
    _sio, events = _watcher(socketio_client, demo.users["prive1@demo.palabre"])
    CHANGES[what](demo, claim, reply)
    commit()
    assert wait_until(lambda: any(e["what"] == what for e in events))


def test_a_restore_reaches_watchers(demo, socketio_client, claim):
    hide(claim, demo.users["facilitateur@demo.palabre"], "hors sujet")
    commit()
    _sio, events = _watcher(socketio_client, demo.users["prive1@demo.palabre"])
    restore(claim, demo.users["facilitateur@demo.palabre"], "erreur")
    commit()
    assert wait_until(
        lambda: (
            {"what": "restored", "argument": claim.id}.items() <= events[-1].items()
            if events
            else False
        )
    )


def test_watchers_of_another_question_hear_nothing(demo, socketio_client):
    commit()  # the demo fixture committed without running its deferred relays
    sio = socketio_client(demo.users["prive1@demo.palabre"], namespaces=("/debate",))
    events = []
    sio.on("changed", events.append, namespace="/debate")
    sio.call("watch", {**WATCH, "question": 2}, namespace="/debate")
    add_argument(
        demo,
        demo.users["societe1@demo.palabre"],
        question=demo.questions[0],
        kind="claim",
        text="Q1",
    )
    commit()
    sio.call("watch", {**WATCH, "question": 2}, namespace="/debate")  # a round trip
    assert events == []


def test_a_facilitator_hides_over_the_channel_and_watchers_hear_it(demo, socketio_client, claim):
    _sio, events = _watcher(socketio_client, demo.users["prive1@demo.palabre"])
    moderator = socketio_client(demo.users["facilitateur@demo.palabre"], namespaces=("/debate",))
    ack = moderator.call(
        "moderate",
        {
            "edition": "malisig-2023",
            "argument": claim.id,
            "operation": "hide",
            "reason": "hors sujet",
        },
        namespace="/debate",
    )
    assert ack == {"ok": True}
    assert wait_until(
        lambda: (
            {"what": "hidden", "argument": claim.id}.items()
            <= (events[-1].items() if events else set())
        )
    )
    db.session.expire_all()
    assert claim.hidden and claim.hidden_reason == "hors sujet"


def test_a_forged_moderation_by_a_participant_is_refused_and_logged(demo, socketio_client, claim):
    forger = demo.users["prive1@demo.palabre"]
    sio = socketio_client(forger, namespaces=("/debate",))
    ack = sio.call(
        "moderate",
        {"edition": "malisig-2023", "argument": claim.id, "operation": "hide", "reason": "je veux"},
        namespace="/debate",
    )
    assert ack["ok"] is False and ack["error"] == "forbidden"
    db.session.expire_all()
    assert claim.hidden is False
    attempts = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "forbidden.attempt")
    ).all()
    assert [(a.actor_id, a.target_id) for a in attempts] == [(forger.id, claim.id)]
    assert attempts[0].after["payload"]["operation"] == "hide"


def test_a_moderation_of_a_hidden_argument_gets_a_clear_error(demo, socketio_client, claim):
    hide(claim, demo.users["facilitateur@demo.palabre"], "hors sujet")
    commit()
    moderator = socketio_client(demo.users["facilitateur@demo.palabre"], namespaces=("/debate",))
    ack = moderator.call(
        "moderate",
        {"edition": "malisig-2023", "argument": claim.id, "operation": "hide", "reason": "encore"},
        namespace="/debate",
    )
    assert ack["ok"] is False and ack["error"] == "conflict" and ack["message"]


@pytest.mark.parametrize(
    "payload",
    [
        {"edition": "malisig-2023", "question": "1"},
        {"edition": "malisig-2023", "question": True},
        {"edition": 3, "question": 1},
        {"edition": "malisig-2023", "question": 99},
        {"edition": "nulle-part", "question": 1},
    ],
)
def test_a_malformed_watch_is_refused(demo, socketio_client, payload):
    sio = socketio_client(demo.users["prive1@demo.palabre"], namespaces=("/debate",))
    assert sio.call("watch", payload, namespace="/debate")["ok"] is False


def test_a_stranger_cannot_watch(demo, socketio_client, create_user):
    sio = socketio_client(create_user(), namespaces=("/debate",))
    ack = sio.call("watch", WATCH, namespace="/debate")
    assert ack["ok"] is False
