"""Abuse: does an honest pair keep typing while one client floods the server?

    .venv/bin/python -m benchmarks.abuse [--before 10] [--seconds 20] [--rate 5] \
        [--kinds sync,join,awareness,announce,moderate] [--no-budgets]

``python serve.py`` (gevent, as ``make run`` serves it) on a fresh SQLite instance
(migrated, the demo, a third member of the Government group, a participant of another
edition), on 127.0.0.1 only. Two members of the Government group co-write one section: each
types a unique marker about ``--rate`` times a second, waiting for the acknowledgement of
each update before the next; the other notes when the marker shows in its document. The pair
types ``--before`` seconds alone, then ``--seconds`` seconds while one client floods, at full
speed (as fast as the server reads), each event type in turn:

- ``sync``: garbage binary ``/collab sync`` in the pair's section (the third member, joined);
- ``join``: ``/collab join`` of the pair's section by a member of another group (refused);
- ``awareness``: 100 KB ``/collab awareness`` in the pair's section (the third member);
- ``announce``: ``/live announce`` naming the demo edition, by a participant of another edition;
- ``moderate``: ``/debate moderate`` of a demo argument, by that same outsider.

The flooder is a process of its own (raw websocket, every event asking an acknowledgement); when
the server disconnects it from the namespace it connects again at once (a determined client).
Printed per phase: the pair's propagation p50/p99/max and acknowledgement p99/max, deliveries
missing; the flooder's messages sent, answers by kind, disconnections; the server's CPU (cores,
``/proc/<pid>/stat``) and RSS; the pair's client CPU and the flooder's (cores). Then the audit
log's refused-attempt rows. Target: p99 during each flood ≤ 2 × before, max < 250 ms.
``--no-budgets`` sets every budget out of reach (to see the floods unchecked).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import select
import selectors
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import websocket

from benchmarks.collab_load.__main__ import Editor, SocketIOTransport, cpu_seconds, peak_rss_mb
from tests.collaboration.serverproc import (
    ROOT,
    UNLIMITED_BUDGETS,
    ServerProcess,
    environment,
    prepare_database,
)

EDITION = "malisig-2023"
SECTION = f"{EDITION}/gouvernement/q1"
KINDS = ("sync", "join", "awareness", "announce", "moderate")
NAMESPACE = {
    "sync": "/collab",
    "join": "/collab",
    "awareness": "/collab",
    "announce": "/live",
    "moderate": "/debate",
}

# After the demo (``prepare_database``): a third Government member (the /collab flooder), an
# edition of its own with one participant (the outsider), and the session cookies, as JSON.
SETUP = """
import json
from sqlalchemy import select
from app import create_app
from app.accounts.services import create_user, find_user
from app.config import Config
from app.deliberation.models import Argument
from app.extensions import db
from app.workshops import services
from app.workshops.demo import DEMO_PASSWORD
app = create_app(Config())
with app.app_context():
    demo = services.get_edition("malisig-2023")
    third = create_user("bench-third@bench.palabre", "Bench Third", DEMO_PASSWORD)
    services.set_membership(demo, third, "participant", services.get_group(demo, "gouvernement"))
    other = services.create_edition(slug="autre-2024", title="Autre 2024", creator=None)
    services.add_group(other, name="Gouvernement", kind="government")
    outsider = create_user("bench-outsider@bench.palabre", "Bench Outsider", DEMO_PASSWORD)
    group = services.get_group(other, "gouvernement")
    services.set_membership(other, outsider, "participant", group)
    db.session.commit()
    argument = db.session.scalar(select(Argument.id).where(Argument.edition_id == demo.id))

    def cookie(user):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = user.get_id(), True
        return client.get_cookie("palabre_session").value

    emails = {"a": "gouvernement1@demo.palabre", "b": "gouvernement2@demo.palabre",
              "other_group": "prive1@demo.palabre"}
    cookies = {key: cookie(find_user(email)) for key, email in emails.items()}
    cookies.update(third=cookie(third), outsider=cookie(outsider))
    print(json.dumps({"cookies": cookies, "argument": argument}))
"""


# --- the flooder (a process of its own) ---------------------------------------------------


class RawClient:
    """Engine.IO 4 / Socket.IO 5 on a websocket, one namespace, nothing waited for."""

    def __init__(
        self, url: str, cookie: str, namespace: str, on_connect=None, delay: float = 0.0
    ) -> None:
        self.url, self.cookie, self.ns, self.on_connect = url, cookie, namespace, on_connect
        self.delay = delay  # before connecting again, once closed by the server
        self.stopping = False  # the flood is over: closed stays closed
        self.stats: collections.Counter = collections.Counter()
        self.connected = False
        self.binary_follows = 0
        self.open()

    def open(self) -> None:
        self.ws = websocket.create_connection(
            self.url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket",
            header=[f"Cookie: palabre_session={self.cookie}"],
            timeout=30,
            skip_utf8_validation=True,
        )
        self.stats["websockets opened"] += 1
        assert self.ws.recv().startswith("0{")
        self.connect()

    def connect(self) -> None:
        self.ws.send(f"40{self.ns},")

    def wait_connected(self, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not self.connected:
            if time.monotonic() > deadline:
                raise RuntimeError(f"no connection to {self.ns}: {dict(self.stats)}")
            self.read(0.2)

    def send(self, text: str, binary: bytes | None = None) -> None:
        try:
            self.ws.send(text)
            if binary is not None:
                self.ws.send_binary(binary)
        except (websocket.WebSocketException, OSError):
            self.closed()

    def closed(self) -> None:
        """The server closed the connection: a new one (after ``delay``)."""
        self.stats["websocket closed"] += 1
        self.connected = False
        self.ws.close(timeout=0)
        if self.stopping:
            return
        time.sleep(self.delay)
        for _attempt in range(100):
            try:
                self.open()
                return
            except (websocket.WebSocketException, OSError, AssertionError) as error:
                self.stats[f"connection failed ({type(error).__name__})"] += 1
                time.sleep(0.05)
        raise RuntimeError("the server no longer accepts connections")

    def read(self, timeout: float = 0.0) -> None:
        """Everything already received (waiting up to ``timeout`` for the first frame)."""
        sock = self.ws.sock
        while sock is not None:
            ready = select.select([sock], [], [], timeout)[0]
            timeout = 0.0
            if not ready:
                return
            try:
                opcode, data = self.ws.recv_data(control_frame=True)
            except (websocket.WebSocketException, OSError):
                self.closed()
                return
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                self.closed()
                return
            self.frame(opcode, data)

    def frame(self, opcode: int, data: bytes) -> None:
        if opcode == websocket.ABNF.OPCODE_BINARY:
            self.binary_follows = max(0, self.binary_follows - 1)
            return
        if opcode != websocket.ABNF.OPCODE_TEXT:
            return
        text, ns = data.decode(), self.ns
        if text == "2":
            self.ws.send("3")
        elif text.startswith(f"43{ns},"):
            body = re.match(r"\d*(.*)", text[len(ns) + 3 :], re.S)[1]
            reply = json.loads(body)[0]
            self.stats["ok" if reply.get("ok") else reply.get("error", "?")] += 1
        elif text.startswith(f"41{ns},"):
            self.stats["disconnected"] += 1
            self.connected = False
            time.sleep(self.delay)
            self.connect()
        elif text.startswith(f"40{ns},"):
            self.connected = True
            if self.on_connect is not None:
                self.on_connect(self)
        elif text.startswith(f"44{ns},"):
            self.stats["connection refused"] += 1
            self.connect()
        elif text.startswith(f"42{ns},") and '"error"' in text[:20]:
            self.stats["error events"] += 1
        elif text.startswith("45"):  # a binary event (relayed update): its attachment follows
            self.binary_follows += 1


def flood(kind: str, url: str, cookie: str, seconds: float, argument: int, delay: float) -> dict:
    ns = NAMESPACE[kind]

    def join(client: RawClient) -> None:  # (again) at every connection
        client.send(f'42{ns},0["join",' + json.dumps({"section": SECTION}) + "]")

    client = RawClient(url, cookie, ns, join if kind in ("sync", "awareness") else None, delay)
    client.wait_connected()
    rng = random.Random(1)
    garbage = bytes(rng.randrange(256) for _ in range(64))
    presence = b"\x01" + bytes(rng.randrange(256) for _ in range(100 * 1024))
    head = json.dumps({"section": SECTION, "data": {"_placeholder": True, "num": 0}})
    events = {
        "sync": lambda n: (f'451-{ns},{n}["sync",{head}]', garbage),
        "awareness": lambda n: (f'451-{ns},{n}["awareness",{head}]', presence),
        "join": lambda n: (f'42{ns},{n}["join",' + json.dumps({"section": SECTION}) + "]", None),
        "announce": lambda n: (
            f'42{ns},{n}["announce",' + json.dumps({"edition": EDITION, "body": "x" * 200}) + "]",
            None,
        ),
        "moderate": lambda n: (
            f'42{ns},{n}["moderate",'
            + json.dumps(
                {"edition": EDITION, "argument": argument, "operation": "hide", "reason": "x"}
            )
            + "]",
            None,
        ),
    }
    make = events[kind]
    print("ready", flush=True)
    cpu0, start = time.process_time(), time.monotonic()
    end, sent, n = start + seconds, 0, 1
    while time.monotonic() < end:
        if client.connected:
            client.send(*make(n))
            sent, n = sent + 1, n + 1
            if sent % 16 == 0:
                client.read()
        else:  # disconnected by the server: connecting again
            client.read(0.05)
    wall, cpu = time.monotonic() - start, time.process_time() - cpu0
    client.stopping = True
    client.read(0.5)
    return {"sent": sent, "answers": dict(client.stats), "cpu": cpu / wall, "wall": wall}


# --- the honest pair ---------------------------------------------------------------------


class TimedTransport(SocketIOTransport):
    """collab_load's transport, noting how long each acknowledgement took."""

    def __init__(self, *args) -> None:
        self.ack_ms: list[tuple[float, float]] = []  # (sent at, ms)
        self.sent_at = time.monotonic()
        super().__init__(*args)

    def send(self, message: bytes) -> None:
        self.sent_at = time.monotonic()
        super().send(message)

    def read(self) -> list[bytes]:
        acks = self.acks
        out = super().read()
        if self.acks > acks:
            now = time.monotonic()
            self.ack_ms.append((self.sent_at, (now - self.sent_at) * 1000))
        return out


def pair(url: str, cookies: dict) -> tuple[list[Editor], selectors.BaseSelector]:
    arrivals: dict = {}
    editors = [
        Editor(i, 0, TimedTransport(url, cookies[key], SECTION), arrivals)
        for i, key in enumerate(("a", "b"))
    ]
    selector = selectors.DefaultSelector()
    for editor in editors:
        selector.register(editor.transport.ws.sock, selectors.EVENT_READ, editor)
    deadline = time.monotonic() + 30
    while not all(e.synced for e in editors):
        if time.monotonic() > deadline:
            raise RuntimeError("the pair got no initial sync")
        for key, _ in selector.select(0.5):
            key.data.receive()
    return editors, selector


ACK_PATIENCE = 5.0  # seconds an editor waits for an acknowledgement before typing again


def type_for(editors, selector, seconds: float, rate: float, rng, typed: dict) -> int:
    """Each editor types about ``rate`` times a second, never with an update unanswered
    (unless unanswered for ``ACK_PATIENCE``: counted, returned)."""
    end, unanswered = time.monotonic() + seconds, 0
    due = [time.monotonic() + rng.uniform(0, 1 / rate) for _ in editors]
    while (now := time.monotonic()) < end:
        for i, editor in enumerate(editors):
            transport = editor.transport
            if transport.acks < transport.expected and now - transport.sent_at > ACK_PATIENCE:
                unanswered += transport.expected - transport.acks
                transport.expected = transport.acks
            if now >= due[i] and transport.acks >= transport.expected:
                marker, at = editor.type(rng)
                typed[marker] = (at, editor.ident)
                due[i] = now + rng.uniform(0.5, 1.5) / rate
        waiting = [
            d for d, e in zip(due, editors, strict=True) if e.transport.acks >= e.transport.expected
        ]
        timeout = min(max(0.0, min(waiting, default=now + 0.01) - time.monotonic()), 0.01)
        for key, _ in selector.select(timeout if waiting else 0.01):
            key.data.receive()
    return unanswered


def settle(editors, selector, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for key, _ in selector.select(0.05):
            key.data.receive()


def quantiles(values: list[float]) -> tuple[float, float, float]:
    values = sorted(values) or [float("nan")]

    def q(p: int) -> float:
        return values[min(len(values) - 1, p * len(values) // 100)]

    return q(50), q(99), values[-1]


def rss_mb(pid: int) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", text)[1]) / 1024


def phase(name, editors, selector, server, args, rng, flooder=None) -> dict:
    typed: dict[str, tuple[float, int]] = {}
    pid = server.process.pid
    s0, c0, w0 = cpu_seconds([pid]), time.process_time(), time.monotonic()
    seconds = args.seconds if flooder else args.before
    try:
        unanswered = type_for(editors, selector, seconds, args.rate, rng, typed)
    except (websocket.WebSocketException, OSError) as error:  # the server closed on the pair
        print(f"the pair lost its connection in the {name} phase: {error!r}", file=sys.stderr)
        unanswered = -1
    s1, c1, w1 = cpu_seconds([pid]), time.process_time(), time.monotonic()
    row = {"phase": name, "edits": len(typed)}
    result = None
    if flooder is not None:
        deadline = time.monotonic() + 60
        while flooder.poll() is None and time.monotonic() < deadline:
            settle(editors, selector, 0.05)  # the pair keeps answering the server's pings
        out, _err = flooder.communicate(timeout=10)
        lines = out.splitlines()
        try:
            result = json.loads(lines[-1])
        except (IndexError, ValueError):
            result = {"sent": 0, "answers": {"flooder failed": flooder.returncode}, "cpu": 0.0}
    if unanswered >= 0:
        settle(editors, selector, 1.0)  # late deliveries of this phase
    arrivals = editors[0].arrivals
    latencies, missing, worst = [], 0, []
    for marker, (at, sender) in typed.items():
        got = arrivals.get(marker, {}).get(1 - sender)
        if got is None:
            missing += 1
        else:
            latencies.append((got - at) * 1000)
            worst.append(((got - at) * 1000, at - w0))
    acks = [ms for e in editors for at, ms in e.transport.ack_ms if w0 <= at < w1]
    row["p50 ms"], row["p99 ms"], row["max ms"] = quantiles(latencies)
    _p50, row["ack p99"], row["ack max"] = quantiles(acks)
    row["missing"] = missing
    row["unacked"] = unanswered
    row["worst"] = sorted(worst, reverse=True)[:3]
    row["refused"] = sum(e.transport.errors for e in editors)
    if result:
        row["sent"], answers = result["sent"], result["answers"]
        row["ok"] = answers.get("ok", 0)
        row["rate_limited"] = answers.get("rate_limited", 0)
        counted = {"ok", "rate_limited", "disconnected", "error events", "websocket closed"}
        counted |= {"connection refused", "websockets opened"}
        row["refusals"] = sum(v for k, v in answers.items() if k not in counted)
        row["closed"] = answers.get("websocket closed", 0) + answers.get("disconnected", 0)
        row["answers"] = answers
        row["flooder CPU"] = result["cpu"]
    row["server CPU"] = (s1 - s0) / (w1 - w0)
    row["RSS MB"] = rss_mb(pid) if server.alive() else float("nan")
    row["pair CPU"] = (c1 - c0) / (w1 - w0)
    return row


def row_failed(row: dict) -> bool:
    return row["unacked"] < 0


def start_flooder(kind: str, url: str, cookies: dict, argument: int, args) -> subprocess.Popen:
    cookie = {
        "sync": "third",
        "awareness": "third",
        "join": "other_group",
        "announce": "outsider",
        "moderate": "outsider",
    }[kind]
    command = [sys.executable, "-m", "benchmarks.abuse", "--flood", kind, "--url", url]
    command += ["--cookie", cookies[cookie], "--seconds", str(args.seconds)]
    command += ["--argument", str(argument), "--reconnect-delay", str(args.reconnect_delay)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    if (line := process.stdout.readline().strip()) != "ready":
        raise RuntimeError(f"the {kind} flooder did not start: {line!r}")
    return process


def table(rows: list[dict]) -> None:
    heads = [h for h in rows[-1] if h not in {"phase", "answers", "worst"}]
    print(f"{'phase':<10}" + "".join(f"{h:>{max(len(h), 6) + 2}}" for h in heads))
    for row in rows:
        cells = []
        for head in heads:
            value = row.get(head, "")
            decimals = 2 if "CPU" in head else 1
            text = f"{value:.{decimals}f}" if isinstance(value, float) else str(value)
            cells.append(f"{text:>{max(len(head), 6) + 2}}")
        print(f"{row['phase']:<10}" + "".join(cells))


def audit(instance: Path) -> list[tuple]:
    connection = sqlite3.connect(instance / "palabre.sqlite3")
    try:
        return connection.execute(
            "SELECT e.slug, a.actor_id, a.reason, COUNT(*), SUM(a.count) FROM audit_entries a "
            "JOIN editions e ON e.id = a.edition_id WHERE a.action = 'forbidden.attempt' "
            "GROUP BY 1, 2, 3"
        ).fetchall()
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before", type=float, default=10, help="seconds of honest typing alone")
    parser.add_argument("--seconds", type=float, default=20, help="seconds of each flood")
    parser.add_argument("--rate", type=float, default=5, help="edits per second per editor")
    parser.add_argument("--kinds", default=",".join(KINDS), help="floods, in this order")
    parser.add_argument("--no-budgets", action="store_true", help="budgets out of reach")
    parser.add_argument(
        "--reconnect-delay",
        type=float,
        default=0.0,
        help="seconds the flooder waits before connecting again once closed (default: none)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--flood", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--cookie", help=argparse.SUPPRESS)
    parser.add_argument("--argument", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.flood:
        if not args.url.startswith("http://127.0.0.1:"):
            parser.error("the flooder only targets 127.0.0.1")
        result = flood(
            args.flood, args.url, args.cookie, args.seconds, args.argument, args.reconnect_delay
        )
        print(json.dumps(result))
        return
    kinds = [k for k in args.kinds.split(",") if k]
    if unknown := set(kinds) - set(KINDS):
        parser.error(f"unknown kinds: {sorted(unknown)}")
    instance = Path(tempfile.mkdtemp(prefix="palabre-abuse-"))
    unchecked = {"SOCKET_BUDGETS": UNLIMITED_BUDGETS} if args.no_budgets else {}
    env = environment(instance, **unchecked)
    prepare_database(env)
    setup = subprocess.run(
        [sys.executable, "-c", SETUP], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if setup.returncode:
        raise RuntimeError(f"setup failed: {setup.stderr}")
    prepared = json.loads(setup.stdout.splitlines()[-1])
    cookies, argument = prepared["cookies"], prepared["argument"]
    server = ServerProcess(env)
    rows, rng = [], random.Random(args.seed)
    try:
        editors, selector = pair(server.url, cookies)
        settle(editors, selector, 1.0)
        rows.append(phase("before", editors, selector, server, args, rng))
        for kind in kinds:
            flooder = start_flooder(kind, server.url, cookies, argument, args)
            rows.append(phase(kind, editors, selector, server, args, rng, flooder))
            if not server.alive() or row_failed(rows[-1]):
                print(f"stopped after the {kind} flood; the server's log:", file=sys.stderr)
                print(server.log_path.read_text(errors="replace")[-3000:], file=sys.stderr)
                break
            settle(editors, selector, 2.0)  # let the server drain what is left
        peak = peak_rss_mb([server.process.pid]) if server.alive() else float("nan")
        for editor in editors:
            editor.transport.ws.close(timeout=0.05)
    finally:
        server.stop()
    budgets = "out of reach (--no-budgets)" if args.no_budgets else "the defaults"
    print(
        f"honest pair: 2 members of {SECTION}, {args.rate:g} edits/s each (acks awaited); "
        f"{args.before:g} s alone, then {args.seconds:g} s per flood; budgets: {budgets}; "
        f"{os.cpu_count()} cores"
    )
    table(rows)
    print(f"server peak RSS (VmHWM): {peak:.1f} MB")
    for row in rows:
        slowest = ", ".join(f"{ms:.0f} ms at {at:.1f} s" for ms, at in row["worst"])
        print(f"{row['phase']}: slowest propagations {slowest}")
        if "answers" in row:
            print(f"{row['phase']}: flooder answers {row['answers']}")
    print("audit log, forbidden.attempt (edition, actor, event, rows, attempts):")
    for line in audit(instance):
        print(f"  {line}")
    before, verdicts = rows[0], []
    for row in rows[1:]:
        fine = row["p99 ms"] <= 2 * max(before["p99 ms"], 1.0) and row["max ms"] < 250
        fine = fine and not row["missing"] and not row["unacked"]
        verdicts.append(fine)
        print(
            f"{row['phase']}: p99 {row['p99 ms']:.1f} ms vs {before['p99 ms']:.1f} before "
            f"({row['p99 ms'] / before['p99 ms']:.1f}×), max {row['max ms']:.1f} ms: "
            + ("OK" if fine else "MISSED")
        )
    print(
        "target (p99 ≤ 2× before, max < 250 ms, nothing missing or unacknowledged): "
        + ("met" if all(verdicts) else "missed")
    )


if __name__ == "__main__":
    main()
