"""Budgets of socket events (app.core.budgets), and refused events that do not flood the
audit log (app.facilitation.audit.audit_refusal): on the real threaded server."""

from __future__ import annotations

import logging
import threading
import time

import pytest
import socketio
from sqlalchemy import func, select

from app.config import SOCKET_BUDGETS, Config, socket_budgets
from app.core import authz, budgets, sockets
from app.core.models import utcnow
from app.extensions import db
from app.facilitation import audit
from app.facilitation.models import Announcement, AuditEntry
from tests.collaboration.conftest import Editor, wait_until

DEMO = "malisig-2023"
SECTIONS = ("introduction", "q1", "q2", "q3", "q4", "q5", "conclusion")


def use_budgets(app, text: str = "") -> None:
    """Budgets for this test's app (read at its first socket event): the production
    defaults, with what ``text`` overrides (the suite's own are out of reach)."""
    app.config["SOCKET_BUDGETS"] = socket_budgets(text)
    app.extensions.pop("palabre.budgets", None)


class Errors:
    """The ``error`` events and the disconnection of one namespace of a client."""

    def __init__(self, sio, namespace: str) -> None:
        self.events: list[dict] = []
        self.disconnected = threading.Event()
        sio.on("error", self.events.append, namespace=namespace)
        sio.on("disconnect", lambda *_reason: self.disconnected.set(), namespace=namespace)

    def codes(self) -> list[str]:
        return [e.get("code") for e in self.events]


def flood(sio, namespace: str, event: str, payload: dict, count: int) -> int:
    """Emit without waiting (a flooder does not); returns how many left before the server
    disconnected the namespace."""
    for sent in range(count):
        try:
            sio.emit(event, payload, namespace=namespace)
        except socketio.exceptions.BadNamespaceError:
            return sent
    return count


def audit_rows(edition_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.edition_id == edition_id)
    )


# --- configuration ------------------------------------------------------------------------


def test_the_environment_overrides_the_defaults_it_names(monkeypatch, tmp_path):
    monkeypatch.setenv("PALABRE_INSTANCE", str(tmp_path))
    monkeypatch.setenv("SOCKET_BUDGETS", "/collab:sync=60/240, /live=2/8 ,user=2")
    config = Config()
    assert config.SOCKET_BUDGETS["/collab:sync"] == (60.0, 240.0)
    assert config.SOCKET_BUDGETS["/live"] == (2.0, 8.0)
    assert config.SOCKET_BUDGETS["user"] == 2.0
    assert config.SOCKET_BUDGETS["/collab:awareness"] == SOCKET_BUDGETS["/collab:awareness"]
    assert socket_budgets(None) == SOCKET_BUDGETS


@pytest.mark.parametrize(
    "text", ["/live=5", "/live=a/b", "user=2/3", "=1/2", "/live=0/10", "/live=5/0", "user=0.5"]
)
def test_a_malformed_budget_is_refused_at_start(text):
    with pytest.raises(ValueError, match="SOCKET_BUDGETS"):
        socket_budgets(text)


# --- the ledger, on a clock of its own -----------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def ledger(text: str = "") -> tuple[budgets.Ledger, Clock]:
    clock = Clock()
    return budgets.Ledger(socket_budgets(text), clock=clock), clock


def test_a_budget_is_a_burst_then_a_rate():
    book, clock = ledger("/live:announce=5/20")
    verdicts = [book.spend("/live", "announce", "sid", 1) for _ in range(22)]
    assert verdicts[:20] == [budgets.OK] * 20
    assert verdicts[20:] == [budgets.FIRST_LIMITED, budgets.LIMITED]
    clock.now += 1.0  # five more
    assert [book.spend("/live", "announce", "sid", 1) for _ in range(6)] == [budgets.OK] * 5 + [
        budgets.LIMITED
    ]


def test_events_are_chosen_by_event_then_namespace_then_default():
    book, _clock = ledger()
    assert (book.budget("/collab", "sync").rate, book.budget("/collab", "sync").burst) == (30, 120)
    assert book.budget("/debate", "moderate").burst == 20
    assert book.budget("/other", "thing").burst == SOCKET_BUDGETS["default"][1]
    assert book.budget("/collab", "sync").user_burst == 3 * 120


def test_a_user_cannot_multiply_the_budget_with_connections():
    book, _clock = ledger("/live:ping=1/10,user=3")
    allowed = sum(
        book.spend("/live", "ping", f"tab{tab}", 7) == budgets.OK
        for tab in range(10)
        for _ in range(10)
    )
    assert allowed == 30
    assert book.spend("/live", "ping", "tab9", 7) == budgets.LIMITED  # the user's is empty
    assert book.spend("/live", "ping", "tab9", 8) == budgets.OK  # another user: their own


def test_up_to_three_times_the_rate_is_refused_but_never_disconnected():
    book, clock = ledger("/collab:awareness=10/40")
    verdicts = []
    for _ in range(60 * 29):  # 29 a second for a minute (key repeat)
        clock.now += 1 / 29
        verdicts.append(book.spend("/collab", "awareness", "sid", 1))
    assert budgets.LIMITED in verdicts and budgets.FLOOD not in verdicts


def test_a_flood_is_disconnected_and_stays_so_for_a_while():
    book, clock = ledger()
    verdicts = [book.spend("/live", "announce", "sid", 1) for _ in range(300)]
    first_flood = verdicts.index(budgets.FLOOD)
    assert first_flood == 20 + budgets.FLOOD_STRIKES  # the burst, then the strikes
    # Reconnected at once: this user's bucket is empty, their strikes high: flooded again.
    again = [book.spend("/live", "announce", "sid2", 1) for _ in range(2)]
    assert again == [budgets.FLOOD, budgets.FLOOD]
    clock.now += 120.0  # quiet for two minutes: forgiven (and swept away)
    assert book.spend("/live", "announce", "sid3", 1) == budgets.OK
    assert len(book.records) == 2


# --- on the real server --------------------------------------------------------------------


def test_over_budget_is_refused_with_no_database_work(app, demo, socketio_client, monkeypatch):
    use_budgets(app, "/live:announce=0.001/3")
    facilitator = demo.users["facilitateur@demo.palabre"]
    sio = socketio_client(facilitator, namespaces=("/live",))
    errors = Errors(sio, "/live")
    payload = {"edition": DEMO, "body": "Pause café"}
    announced = db.session.scalar(select(func.count()).select_from(Announcement))
    acks = [sio.call("announce", payload, namespace="/live", timeout=5) for _ in range(3)]
    assert all(ack["ok"] for ack in acks), acks
    work = []
    real_user, real_generation = sockets._user, authz.open_generation
    monkeypatch.setattr(sockets, "_user", lambda: work.append("user") or real_user())
    monkeypatch.setattr(authz, "open_generation", lambda: work.append("gen") or real_generation())
    refused = [sio.call("announce", payload, namespace="/live", timeout=5) for _ in range(5)]
    assert {ack["error"] for ack in refused} == {"rate_limited"}
    assert all(ack["ok"] is False and ack["message"] for ack in refused)
    assert work == []  # neither the user nor the access generation was read
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Announcement)) == announced + 3
    assert wait_until(lambda: errors.codes() == ["rate_limited"])  # told once, not per message
    assert not errors.disconnected.is_set()


def test_an_honest_rhythm_is_never_limited(app, demo, socketio_client):
    """20 keystrokes a second for 3 s, each waiting for its ack; then a reconnect's joins."""
    use_budgets(app)
    member = demo.users["gouvernement1@demo.palabre"]
    sio = socketio_client(member)
    editor = Editor(sio, f"{DEMO}/gouvernement/introduction")
    assert editor.join()["ok"]
    start, acks = time.monotonic(), []
    for n in range(60):
        acks.append(editor.type(None, f"[{n}]"))
        time.sleep(max(0.0, start + (n + 1) / 20 - time.monotonic()))
    assert [ack for ack in acks if not ack.get("ok")] == []
    for key in SECTIONS:  # a reconnect: every section joined again, its step 1 sent
        again = Editor(sio, f"{DEMO}/gouvernement/{key}")
        assert again.join()["ok"]
    assert [e for e in editor.errors if e.get("code") == "rate_limited"] == []


def test_a_users_budget_spans_their_connections(app, demo, socketio_client):
    use_budgets(app, "/live:ping=0.001/4,user=1.5")  # 4 a connection, 6 a user
    member, other = demo.users["gouvernement1@demo.palabre"], demo.users["prive1@demo.palabre"]
    first, second = (socketio_client(member, namespaces=("/live",)) for _ in range(2))

    def pings(sio, n):
        return [
            sio.call("ping", {"edition": DEMO}, namespace="/live", timeout=5).get("error", "ok")
            for _ in range(n)
        ]

    assert pings(first, 5) == ["ok"] * 4 + ["rate_limited"]
    assert pings(second, 3) == ["ok"] * 2 + ["rate_limited"]  # the user's bucket is empty
    assert pings(socketio_client(other, namespaces=("/live",)), 1) == ["ok"]


def test_a_cross_edition_flood_is_disconnected_and_leaves_the_audit_log_alone(
    app, demo, create_edition, add_member, socketio_client, caplog, monkeypatch
):
    use_budgets(app)
    monkeypatch.setattr(audit, "_outsiders", {})  # this process's log memory
    caplog.set_level(logging.WARNING)
    outsider = add_member(create_edition("autre-2024"), "participant", "gouvernement")
    before = audit_rows(demo.id)
    sio = socketio_client(outsider, namespaces=("/live",))
    errors = Errors(sio, "/live")
    sent = flood(sio, "/live", "announce", {"edition": DEMO, "body": "x" * 1000}, 2000)
    assert errors.disconnected.wait(10), f"still connected after {sent} messages"
    assert "rate_limited" in errors.codes()
    assert audit_rows(demo.id) == before
    lines = [r for r in caplog.records if "not a member of edition" in r.getMessage()]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert f"user {outsider.id}" in lines[0].getMessage()
    # Connecting again at once: held off, this connection's first refusal closes it too.
    again = socketio_client(outsider, namespaces=("/live",))
    closed = Errors(again, "/live")
    ack = again.call("announce", {"edition": DEMO, "body": "x"}, namespace="/live", timeout=5)
    assert ack["error"] == "rate_limited"
    assert closed.disconnected.wait(10)


def test_a_members_refused_attempts_are_one_audit_row_with_a_count(
    app, demo, socketio_client, client_for
):
    use_budgets(app, "/live:announce=1000/1000")  # every attempt reaches the rule
    member = demo.users["gouvernement1@demo.palabre"]
    sio = socketio_client(member, namespaces=("/live",))
    started = utcnow().replace(second=0, microsecond=0)
    payload = {"edition": DEMO, "body": "y" * 50_000, **{f"k{n}": n for n in range(30)}}
    acks = [sio.call("announce", payload, namespace="/live", timeout=5) for _ in range(200)]
    assert {ack["error"] for ack in acks} == {"forbidden"}
    same_minute = utcnow().replace(second=0, microsecond=0) == started

    def rows():
        db.session.expire_all()
        return db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "forbidden.attempt", AuditEntry.actor_id == member.id
            )
        ).all()

    # The first is written at once, the others' count within REFUSALS_FLUSH_SECONDS.
    assert wait_until(lambda: sum(row.count for row in rows()) == 200, timeout=5)
    rows = rows()
    assert len(rows) == 1 if same_minute else len(rows) <= 2
    stored = rows[0].after["payload"]
    assert len(stored) <= 10 and len(stored["body"]) <= 200  # kept small
    page = client_for(demo.users["organisateur@demo.palabre"]).get(f"/editions/{DEMO}/audit")
    assert page.status_code == 200
    assert f"×{rows[-1].count}" in page.get_data(as_text=True)


# --- review's events ------------------------------------------------------------------------


def test_review_events_have_budgets_of_their_own():
    for event in ("comment", "reply", "suggest", "decide", "decide_all", "resolve", "review"):
        assert f"/collab:{event}" in SOCKET_BUDGETS, event
    assert "/collab:moderate_comment" in SOCKET_BUDGETS and "/live:inbox" in SOCKET_BUDGETS
    book, _clock = ledger()
    assert book.budget("/collab", "comment").burst < book.budget("/collab", "suggest").burst


def test_a_flood_of_comments_is_refused_past_the_burst(app, demo, socketio_client):
    from app.collaboration.services import resolve_section, section_text
    from app.review.models import Comment
    from tests.review.conftest import new_id, passage

    use_budgets(app)
    address = f"{DEMO}/gouvernement/introduction"
    section = resolve_section(address)
    where = passage(section, section_text(section)[:12])
    sio = socketio_client(demo.users["gouvernement1@demo.palabre"])
    errors = Errors(sio, "/collab")
    burst = int(SOCKET_BUDGETS["/collab:comment"][1])
    before = db.session.scalar(select(func.count()).select_from(Comment))  # the demo's
    start = time.monotonic()

    def comment(n: int) -> dict:
        payload = {"section": address, "id": new_id(), "body": f"Remarque {n}", **where}
        return sio.call("comment", payload, namespace="/collab", timeout=10)

    acks = [comment(n) for n in range(burst + 15)]
    elapsed = time.monotonic() - start
    assert all(ack["ok"] for ack in acks[:burst]), acks[:burst]
    passed = sum(ack["ok"] for ack in acks)
    assert passed <= burst + SOCKET_BUDGETS["/collab:comment"][0] * elapsed + 1
    assert {ack.get("error") for ack in acks if not ack["ok"]} == {"rate_limited"}
    assert not acks[-1]["ok"]
    assert wait_until(lambda: "rate_limited" in errors.codes())
    assert not errors.disconnected.is_set()  # refused, not punished
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Comment)) == before + passed
