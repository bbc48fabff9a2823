"""Review over real sockets: what one member does, the others see at once; what they may
not do is refused, with nothing changed; access that ends, ends the news."""

from __future__ import annotations

from sqlalchemy import select

from app.config import socket_budgets
from app.core.transactions import commit
from app.extensions import db
from app.facilitation.models import AuditEntry
from app.review.models import Comment, Suggestion
from app.workshops.memberships import remove_member
from app.workshops.services import membership_of
from tests.collaboration.conftest import Editor, wait_until
from tests.review.conftest import TEXT, new_id, open_papers, passage


class Member:
    """One member's /collab socket, in the section's review room."""

    def __init__(self, socketio_client, user, address: str, *, join: bool = True) -> None:
        self.sio = socketio_client(user)
        self.address = address
        self.heard: list[dict] = []
        self.access: list[dict] = []
        self.sio.on("review", self.heard.append, namespace="/collab")
        self.sio.on("access", self.access.append, namespace="/collab")
        if join:
            self.joined = self.call("review", {})
            assert self.joined["ok"], self.joined

    def call(self, event: str, payload: dict) -> dict:
        return self.sio.call(
            event, {"section": self.address, **payload}, namespace="/collab", timeout=10
        )

    def comment(self, section, quote: str, body: str) -> dict:
        return self.call("comment", {"id": new_id(), "body": body, **passage(section, quote)})

    def saw(self, kind: str, action: str, predicate=lambda item: True) -> bool:
        return any(
            h["kind"] == kind and h["action"] == action and predicate(h[kind]) for h in self.heard
        )


def test_a_second_member_sees_a_new_comment_live(world, socketio_client):
    author = Member(socketio_client, world.author, world.address)
    teammate = Member(socketio_client, world.teammate, world.address)
    ack = author.comment(world.section, "coûtent cher", "Quelle **source** ?")
    assert ack["ok"] and ack["created"], ack
    assert wait_until(
        lambda: teammate.saw("comment", "created", lambda c: c["body"] == "Quelle **source** ?")
    )
    seen = next(h["comment"] for h in teammate.heard)
    assert (
        seen["passage"] == "present" and seen["html"] == "<p>Quelle <strong>source</strong> ?</p>\n"
    )
    again = author.call("review", {})  # what a page opened now is given
    assert [c["id"] for c in again["comments"]] == [ack["comment"]["id"]]


def test_an_accepted_suggestion_reaches_every_editor(world, socketio_client):
    suggester = Member(socketio_client, world.teammate, world.address)
    decider = Member(socketio_client, world.author, world.address)
    reader = Editor(socketio_client(world.facilitator), world.address)
    assert reader.join()["ok"]
    assert wait_until(lambda: reader.value() == TEXT)
    where = passage(world.section, "coûtent cher")
    ack = suggester.call(
        "suggest",
        {
            "id": new_id(),
            "start": where["start"],
            "end": where["end"],
            "deleted": "coûtent cher",
            "inserted": "coûtent très cher",
        },
    )
    assert ack["ok"], ack
    assert wait_until(lambda: decider.saw("suggestion", "created"))
    decided = decider.call("decide", {"suggestion": ack["suggestion"]["id"], "decision": "accept"})
    assert decided["ok"], decided
    expected = TEXT.replace("coûtent cher", "coûtent très cher")
    assert wait_until(lambda: reader.value() == expected)
    assert wait_until(lambda: suggester.saw("suggestion", "accepted"))


def test_a_forged_accept_is_refused_audited_and_changes_nothing(world, socketio_client):
    open_papers(world.edition)  # the other group reads (and may comment), never decides
    suggester = Member(socketio_client, world.teammate, world.address)
    where = passage(world.section, "cher")
    ack = suggester.call(
        "suggest",
        {
            "id": new_id(),
            "start": where["start"],
            "end": where["end"],
            "deleted": "cher",
            "inserted": "X",
        },
    )
    forger = Member(socketio_client, world.other, world.address)
    refused = forger.call("decide", {"suggestion": ack["suggestion"]["id"], "decision": "accept"})
    assert (refused["ok"], refused["error"]) == (False, "forbidden")
    db.session.expire_all()
    assert db.session.scalar(select(Suggestion.status)) == "pending"
    assert db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "forbidden.attempt", AuditEntry.actor_id == world.other.id
        )
    )
    other_comment = forger.comment(world.section, "élèves", "Vu de la société civile")
    assert other_comment["ok"] and other_comment["comment"]["badge"] is True


def test_refusals_over_the_socket(world, socketio_client):
    other = Member(socketio_client, world.other, world.address, join=False)
    observer = Member(socketio_client, world.observer, world.address, join=False)
    assert other.call("review", {})["error"] == "forbidden"  # not open to reading yet
    assert observer.call("review", {})["error"] == "forbidden"
    assert other.comment(world.section, "élèves", "Avant l'heure")["error"] == "forbidden"
    author = Member(socketio_client, world.author, world.address)
    missing = author.sio.call(
        "comment",
        {"section": "ecole-2024/gouvernement/q9", "id": new_id(), "body": "?"},
        namespace="/collab",
        timeout=10,
    )
    assert missing["error"] == "not_found"
    empty = author.comment(world.section, "élèves", "   ")
    assert (empty["ok"], empty["error"]) == (False, "bad_input")
    db.session.expire_all()
    assert db.session.scalars(select(Comment)).all() == []


def test_a_member_removed_stops_receiving(world, socketio_client):
    author = Member(socketio_client, world.author, world.address)
    teammate = Member(socketio_client, world.teammate, world.address)
    assert author.comment(world.section, "élèves", "Avant")["ok"]
    assert wait_until(lambda: teammate.saw("comment", "created"))
    remove_member(membership_of(world.teammate, world.edition), world.organizer)
    commit()
    notice = {"section": world.address, "review": True, "removed": True}
    assert wait_until(lambda: notice in teammate.access, timeout=2), teammate.access
    before = len(teammate.heard)
    assert author.comment(world.section, "cours", "Après")["ok"]
    assert wait_until(lambda: author.saw("comment", "created", lambda c: c["body"] == "Après"))
    assert not wait_until(lambda: len(teammate.heard) > before, timeout=0.5)


def test_a_mention_reaches_the_inbox_live(world, socketio_client):
    live = socketio_client(world.author, namespaces=("/live",))
    heard: list[dict] = []
    live.on("notification", heard.append, namespace="/live")
    ack = live.call("inbox", {"edition": world.edition.slug}, namespace="/live", timeout=10)
    assert ack == {"ok": True, "unread": 0}
    teammate = Member(socketio_client, world.teammate, world.address)
    assert teammate.comment(world.section, "cours", "@Awa Traoré regarde")["ok"]
    assert wait_until(lambda: heard)
    assert heard[0]["unread"] == 1 and heard[0]["notification"]["kind"] == "mention"
    assert heard[0]["notification"]["section"] == world.address


def test_comments_count_against_a_budget(app, world, socketio_client):
    """Every event has a budget (``app.core.budgets``): past it, refused unread."""
    app.config["SOCKET_BUDGETS"] = socket_budgets("/collab:comment=0.001/2")
    app.extensions.pop("palabre.budgets", None)
    author = Member(socketio_client, world.author, world.address)
    acks = [author.comment(world.section, "élèves", f"Commentaire {n}") for n in range(4)]
    assert [ack["ok"] for ack in acks] == [True, True, False, False]
    assert {ack.get("error") for ack in acks[2:]} == {"rate_limited"}
    db.session.expire_all()
    assert len(db.session.scalars(select(Comment)).all()) == 2
