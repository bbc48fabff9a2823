"""Live co-writing under load: propagation latency of many typing editors, against Hocuspocus.

    .venv/bin/python -m benchmarks.collab_load [--editors 150] [--seconds 30] \
        [--servers hocuspocus,palabre,hocuspocus-default]

N editors (default 150: 3 groups × 5 sections × 10 members) each type a few characters about
twice a second (jittered), ``--warmup`` then ``--seconds`` seconds. Every edit inserts a unique
marker; every other client of the section notes when it shows up in its document (pycrdt Text
observer, after applying the update). Per server: edits/s, deliveries (edit × other client of
the section), propagation latency p50/p95/p99/max (sender to receiver, one clock), server CPU
in the window (cores), its peak RSS (VmHWM), the client's CPU (near 1 core, the client is the
bottleneck) and the rest of the machine's (above ~0.1, figures are skewed); correctness:
deliveries missing (of every edit, warm-up included), updates unacknowledged or refused, sections
that did not converge (with, on stderr, which edits which editors lack).

Palabre: ``python -m app.server`` on a fresh SQLite instance (the demo plus members up to N/15
per group); it commits each update before relaying it. Clients speak Socket.IO on a websocket
with a member's session cookie and ask an acknowledgement for each update, as the browser does
(python-socketio's threaded client starts a thread per message, its asyncio one needs aiohttp).

Peer: @hocuspocus/server 3.4.4 (4.x needs Node ≥ 22), npm-installed once into
~/.cache/palabre-bench/hocuspocus, SQLite extension in WAL, synchronous=NORMAL (Palabre: FULL).
``hocuspocus`` stores on every update (debounce 0), the closest it offers to Palabre's guarantee
(it relays without waiting for the store); ``hocuspocus-default`` keeps its 2 s / 10 s debounce.
One raw websocket per editor; frames are y-protocols messages prefixed with the document name.
The same client code (one thread, a selector over all sockets) drives both; only the transport
differs. Target on the 2-core machine: p99 ≤ 100 ms at 150 editors, within 2× of Hocuspocus.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import random
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pycrdt
import websocket
from pycrdt import Doc, Text, create_sync_message, create_update_message, handle_sync_message

from app.collaboration.yupdate import Reader
from tests.collaboration.serverproc import ServerProcess, environment, free_port

EDITION = "malisig-2023"
GROUPS = ("gouvernement", "secteur-prive", "societe-civile")
KEYS = ("introduction", "q1", "q2", "q3", "q4", "q5", "conclusion")
MARKER = re.compile(r"\{\d+\.\d+\}")
PEER_DIR = Path.home() / ".cache" / "palabre-bench" / "hocuspocus"
PEER_PACKAGES = ("@hocuspocus/server@3.4.4", "@hocuspocus/extension-sqlite@3.4.4")

# Run with the server's environment: the demo, members up to argv[1] per group, then the
# session cookies a logged-in browser of each participant sends, as JSON.
PREPARE = """
import json, sys
import flask_migrate
from app import create_app
from app.accounts.services import create_user
from app.config import Config
from app.extensions import db
from app.workshops import services
from app.workshops.demo import DEMO_PASSWORD, load_demo
from app.workshops.models import Role
app, cookies = create_app(Config()), {}
with app.app_context():
    flask_migrate.upgrade()  # the users' schema, as ``make run`` builds it
    edition = load_demo()
    for slug in sys.argv[2:]:
        group = services.get_group(edition, slug)
        for n in range(len(services.members(edition, group)), int(sys.argv[1])):
            user = create_user(f"bench-{slug}-{n}@bench.palabre", f"Bench {n}", DEMO_PASSWORD)
            services.set_membership(edition, user, Role.PARTICIPANT, group)
    db.session.commit()
    for slug in sys.argv[2:]:
        for member in services.members(edition, services.get_group(edition, slug)):
            if member.role == Role.PARTICIPANT:
                client = app.test_client()
                with client.session_transaction() as session:
                    session["_user_id"], session["_fresh"] = member.user.get_id(), True
                cookies.setdefault(slug, []).append(client.get_cookie("palabre_session").value)
print(json.dumps(cookies))
"""


class SocketIOTransport:
    """Palabre: Engine.IO 4 / Socket.IO 5 frames on a websocket, namespace /collab."""

    def __init__(self, url: str, cookie: str, section: str) -> None:
        self.section, self.joined, self.events, self.next_id = section, None, [], 0
        self.expected = self.acks = self.errors = self.garbled = 0
        self.ws = websocket.create_connection(
            url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket",
            header=[f"Cookie: palabre_session={cookie}"],
            timeout=60,
            skip_utf8_validation=True,  # its pure-Python check would cost the client a core
        )
        assert self.ws.recv().startswith("0{")  # Engine.IO open
        self.ws.send("40/collab,")
        if not (reply := self.ws.recv()).startswith("40/collab,"):
            raise RuntimeError(f"connection refused: {reply}")
        self.ws.send('42/collab,0["join",' + json.dumps({"section": section}) + "]")
        while self.joined is None:
            self.read()
        if not self.joined.get("ok"):
            raise RuntimeError(f"join refused: {self.joined}")

    def send(self, message: bytes) -> None:
        """A binary event asking an acknowledgement, as the browser sends it."""
        self.next_id, self.expected = self.next_id + 1, self.expected + 1
        head = {"section": self.section, "data": {"_placeholder": True, "num": 0}}
        self.ws.send(f"451-/collab,{self.next_id}" + json.dumps(["sync", head]))
        self.ws.send_binary(message)

    def read(self) -> list[bytes]:
        opcode, data = self.ws.recv_data(control_frame=True)  # never block past a ping
        if opcode == websocket.ABNF.OPCODE_BINARY:
            return [data] if self.events and self.events.pop(0) == "sync" else []
        text = data.decode() if opcode == websocket.ABNF.OPCODE_TEXT else ""
        if text == "2":  # Engine.IO ping
            self.ws.send("3")
        elif text.startswith("451-/collab,"):  # a binary event: its attachment follows
            # Another event's header before the previous attachment: a browser's
            # socket.io-client closes the connection on it ("parse error").
            self.garbled += bool(self.events)
            self.events.append(json.loads(text[12:])[0])
        elif text.startswith("43/collab,"):
            ident, body = re.match(r"(\d+)(.*)", text[10:], re.S).groups()
            reply = json.loads(body)[0]
            self.acks, self.errors = self.acks + (ident != "0"), self.errors + (not reply.get("ok"))
            if ident == "0":
                self.joined = reply
        return []


class HocuspocusTransport:
    """Hocuspocus: varString(document name) + y-protocols message, as binary frames."""

    def __init__(self, url: str, cookie: str | None, section: str) -> None:
        name = section.encode()
        self.prefix = pycrdt.write_var_uint(len(name)) + name
        self.expected = self.acks = self.errors = self.garbled = 0
        self.ws = websocket.create_connection(url, timeout=60, skip_utf8_validation=True)
        # It holds every message until an auth message: type 2, token (0), empty token.
        self.ws.send_binary(self.prefix + b"\x02\x00\x00")

    def send(self, message: bytes) -> None:
        self.expected += message[1] != 0  # it acknowledges step 2 and updates
        self.ws.send_binary(self.prefix + message)

    def read(self) -> list[bytes]:
        opcode, data = self.ws.recv_data(control_frame=True)  # never block past a ping
        if opcode != websocket.ABNF.OPCODE_BINARY:
            return []
        kind, body = data[len(self.prefix)], data[len(self.prefix) + 1 :]
        if kind == 8:  # SyncStatus: acknowledgement (1) or refusal (0)
            self.acks += 1
            self.errors += body[:1] != b"\x01"
        elif kind in (0, 4):  # Sync, SyncReply
            return [b"\x00" + body]
        return []


class Editor:
    """One member typing in one section: the same code whatever the transport."""

    def __init__(self, ident: int, section: int, transport, arrivals: dict) -> None:
        self.ident, self.section, self.transport = ident, section, transport
        self.arrivals, self.seq, self.local, self.synced = arrivals, 0, False, False
        self.typed: dict[str, float] = {}  # every marker this editor typed: when
        self.doc = Doc()
        self.text = self.doc.get("markdown", type=Text)
        self.text.observe(self._observed)
        transport.send(create_sync_message(self.doc))

    def _observed(self, event) -> None:
        if self.local:
            return
        now = time.monotonic()
        for item in event.delta:
            if isinstance(item.get("insert"), str):
                for marker in MARKER.findall(item["insert"]):
                    self.arrivals.setdefault(marker, {})[self.ident] = now

    def receive(self) -> None:
        for message in self.transport.read():
            self.synced |= message[1] == 1  # step 2
            reply = handle_sync_message(message[1:], self.doc)
            if reply is not None:
                self.transport.send(reply)

    def type(self, rng: random.Random) -> tuple[str, float]:
        """Insert a few characters (a unique marker) somewhere; send the update."""
        self.seq += 1
        marker, current = f"{{{self.ident}.{self.seq}}}", str(self.text)
        before = self.doc.get_state()
        self.local = True
        self.text.insert(len(current[: rng.randint(0, len(current))].encode()), marker)
        self.local = False
        update = self.doc.get_update(before)
        sent = time.monotonic()
        self.transport.send(create_update_message(update))
        self.typed[marker] = sent
        return marker, sent


def cpu_seconds(pids: list[int] | None) -> float:
    """User + system time of these processes, or of the whole machine (None)."""
    if pids is None:
        busy = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
        return sum(int(busy[i]) for i in (0, 1, 2, 5, 6, 7)) / os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pids: list[int]) -> float:
    """Sum of the processes' peak resident memory."""
    status = (Path(f"/proc/{pid}/status").read_text() for pid in pids)
    return sum(int(re.search(r"VmHWM:\s+(\d+)", text)[1]) for text in status) / 1024


def sections(args) -> list[str]:
    return [f"{EDITION}/{g}/{k}" for g in GROUPS for k in KEYS[: args.sections]]


def drive(editors: list[Editor], pids: list[int], args) -> tuple[dict, dict, float, float, float]:
    """Wait for every initial sync, type (warm-up, window), drain; one thread for all. Returns
    the edits of the window (marker → send time, sender), every edit typed (marker → sender),
    server, client and other CPU (cores)."""
    selector = selectors.DefaultSelector()
    for editor in editors:
        selector.register(editor.transport.ws.sock, selectors.EVENT_READ, editor)
    while not all(editor.synced for editor in editors):
        if not (ready := selector.select(60)):
            raise RuntimeError("no initial sync for 60 s")
        for key, _ in ready:
            key.data.receive()
    rng, arrivals, per_section = random.Random(args.seed), editors[0].arrivals, args.per_section
    start = time.monotonic()
    t0, t1 = start + args.warmup, start + args.warmup + args.seconds
    queue = [(start + rng.uniform(0, 1 / args.rate), i) for i in range(len(editors))]
    heapq.heapify(queue)
    sent, typed, cpu, check = {}, {}, [], t1
    while True:
        now = time.monotonic()
        if len(cpu) < 2 and now >= (t0, t1)[len(cpu)]:
            cpu.append((cpu_seconds(pids), time.process_time(), cpu_seconds(None), now))
        while now < t1 and queue[0][0] <= now:
            due, index = heapq.heappop(queue)
            marker, at = editors[index].type(rng)
            typed[marker] = index
            if t0 <= at < t1:
                sent[marker] = (at, index)
            heapq.heappush(queue, (max(due, now) + rng.uniform(0.5, 1.5) / args.rate, index))
        if now >= check:  # after the window: until every delivery and ack is in, or --drain
            # Every edit typed, not only those timed inside the window: one typed just as
            # the window closes (sent at or after t1) may still be on its way.
            done = all(len(arrivals.get(m, ())) >= per_section - 1 for m in typed) and all(
                e.transport.acks >= e.transport.expected for e in editors
            )
            if done or now >= t1 + args.drain:
                break
            check = now + 0.2
        timeout = min(0.05, max(0.0, queue[0][0] - now) if now < t1 else 0.05)
        for key, _ in selector.select(timeout):
            key.data.receive()
    (s0, c0, m0, w0), (s1, c1, m1, w1) = cpu
    server, client = (s1 - s0) / (w1 - w0), (c1 - c0) / (w1 - w0)
    return sent, typed, server, client, (m1 - m0) / (w1 - w0) - server - client


def state_vector(state: bytes) -> dict[int, int]:
    reader = Reader(state)
    return {reader.var_uint(): reader.var_uint() for _ in range(reader.var_uint())}


def explain_divergence(section: str, editors: list[Editor]) -> None:
    """Which editors lack which others' edits (state vectors), typed when (stderr)."""
    start = min(at for e in editors for at in e.typed.values())
    owner = {e.doc.client_id: e for e in editors}
    vectors = {e.ident: state_vector(e.doc.get_state()) for e in editors}
    newest: dict[int, int] = {}
    for vector in vectors.values():
        for client, clock in vector.items():
            newest[client] = max(newest.get(client, 0), clock)
    print(f"diverged: {section}", file=sys.stderr)
    for editor in editors:
        for client, clock in newest.items():
            have = vectors[editor.ident].get(client, 0)
            if have >= clock:
                continue
            author, typed_at, end = owner.get(client), None, 0
            for marker, at in author.typed.items() if author else ():
                end += len(marker)
                if end > have:
                    typed_at = at - start
                    break
            print(
                f"  editor {editor.ident} has {have}/{clock} of editor "
                f"{author.ident if author else client}'s; first missing typed at {typed_at} s",
                file=sys.stderr,
            )


def measure(name: str, urls: list[str], pids: list[int], transport, cookies: dict, args) -> dict:
    """Editors connect to the servers in turn (a sticky proxy's spread of clients)."""
    arrivals: dict[str, dict[int, float]] = {}
    names, per_section, editors = sections(args), args.per_section, []
    for i in range(args.editors):
        section, url = names[i // per_section], urls[i % len(urls)]
        cookie = cookies[section.split("/")[1]][i % per_section] if cookies else None
        editors.append(Editor(i, i // per_section, transport(url, cookie, section), arrivals))
    sent, typed, cpu, client_cpu, other_cpu = drive(editors, pids, args)
    latencies, missing = [], 0
    for marker, (at, sender) in sent.items():
        got = arrivals.get(marker, {})
        latencies.extend((when - at) * 1000 for other, when in got.items() if other != sender)
    for marker, sender in typed.items():  # warm-up and window: every edit must arrive
        got, first = arrivals.get(marker, {}), sender // per_section * per_section
        missing += sum(o != sender and o not in got for o in range(first, first + per_section))
    texts = [{str(e.text) for e in editors if e.section == s} for s in range(len(names))]
    for section, variants in enumerate(texts):
        if len(variants) > 1:
            explain_divergence(names[section], [e for e in editors if e.section == section])
    for editor in editors:
        editor.transport.ws.close(timeout=0.05)
    row = {"server": name, "edits": len(sent), "edits/s": len(sent) / args.seconds}
    row["deliveries"], latencies = len(latencies), sorted(latencies) or [float("nan")]
    for head, q in (("p50 ms", 50), ("p95 ms", 95), ("p99 ms", 99), ("max ms", 100)):
        row[head] = latencies[min(len(latencies) - 1, q * len(latencies) // 100)]
    row["missing"], transports = missing, [e.transport for e in editors]
    row["unacked"] = sum(t.expected - t.acks for t in transports)
    row["refused"] = sum(t.errors for t in transports)
    row["garbled"] = sum(t.garbled for t in transports)
    row["diverged"] = sum(len(t) > 1 for t in texts)
    row.update({"CPU cores": cpu, "peak MB": peak_rss_mb(pids), "client CPU": client_cpu})
    row["other CPU"] = other_cpu
    return row


def fresh_database(url: str) -> str:
    """A new, empty PostgreSQL database next to ``url`` (the benchmark's own)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url).set(database="palabre_collab_load")
    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text('DROP DATABASE IF EXISTS "palabre_collab_load" WITH (FORCE)'))
        connection.execute(text('CREATE DATABASE "palabre_collab_load"'))
    engine.dispose()
    return target.render_as_string(hide_password=False)


def run_palabre(args) -> dict:
    extra = {}
    if args.database_url:
        extra["DATABASE_URL"] = fresh_database(args.database_url)
    if args.processes > 1:
        extra["REDIS_URL"] = args.redis_url
    env = environment(Path(tempfile.mkdtemp(prefix="palabre-collab-load-")), **extra)
    prepare = [sys.executable, "-c", PREPARE, str(args.per_section), *GROUPS]
    root = Path(__file__).parents[2]
    output = subprocess.run(prepare, cwd=root, env=env, check=True, capture_output=True, text=True)
    cookies = json.loads(output.stdout.splitlines()[-1])
    servers = [ServerProcess(env) for _ in range(args.processes)]
    try:
        urls, pids = [s.url for s in servers], [s.process.pid for s in servers]
        return measure("palabre", urls, pids, SocketIOTransport, cookies, args)
    finally:
        for server in servers:
            server.stop()


def run_hocuspocus(name: str, args) -> dict:
    if not (PEER_DIR / "node_modules" / "@hocuspocus" / "extension-sqlite").exists():
        PEER_DIR.mkdir(parents=True, exist_ok=True)
        (PEER_DIR / "package.json").write_text('{"private": true}\n')
        npm = ["npm", "install", "--no-audit", "--no-fund", *PEER_PACKAGES]
        subprocess.run(npm, cwd=PEER_DIR, check=True)
    probe = subprocess.run(["node", "-e", "require('sqlite3')"], cwd=PEER_DIR, capture_output=True)
    if probe.returncode:  # npm skips sqlite3's install script here: build it by hand
        gyp = ["npx", "--yes", "node-gyp", "rebuild", "--nodedir=/usr"]
        subprocess.run(gyp, cwd=PEER_DIR / "node_modules" / "sqlite3", check=True)
    shutil.copy(Path(__file__).with_name("hocuspocus_server.js"), PEER_DIR / "server.js")
    port, database = free_port(), tempfile.mkdtemp(prefix="palabre-hocuspocus-") + "/docs.db"
    debounce = "default" if name == "hocuspocus-default" else "0"
    command = ["node", "server.js", str(port), database, debounce]
    process = subprocess.Popen(command, cwd=PEER_DIR, stdout=subprocess.PIPE, text=True)
    try:
        if (line := process.stdout.readline().strip()) != "ready":
            raise RuntimeError(f"Hocuspocus did not start: {line}")
        url = f"ws://127.0.0.1:{port}"
        return measure(name, [url], [process.pid], HocuspocusTransport, {}, args)
    finally:
        process.terminate()
        process.wait(timeout=10)


def table(rows: list[dict]) -> None:
    heads = [head for head in rows[0] if head != "server"]
    print(f"{'server':<18}" + "".join(f"{head:>{len(head) + 2}}" for head in heads))
    for row in rows:
        cells = []
        for head in heads:
            value, decimals = row[head], 2 if "CPU" in head else 1
            exact = f"{value:.{decimals}f}" if isinstance(value, float) else str(value)
            cells.append(f"{exact:>{len(head) + 2}}")
        print(f"{row['server']:<18}" + "".join(cells))
    print(
        "missing: deliveries that never arrived; unacked/refused: updates never acknowledged / "
        "refused; garbled: binary events interleaved on the wire; diverged: sections whose "
        "clients disagree at the end"
    )
    checks = ("missing", "unacked", "refused", "garbled", "diverged")
    bad = sum(row[key] for row in rows for key in checks)
    print("correctness: " + ("OK" if not bad else "FAILED (see " + ", ".join(checks) + ")"))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--editors", type=int, default=150, help="a multiple of 3 × --sections")
    parser.add_argument("--sections", type=int, default=5, help="sections per group, 1 to 7")
    parser.add_argument("--seconds", type=float, default=30, help="measured window")
    parser.add_argument("--warmup", type=float, default=5, help="typing before the window")
    parser.add_argument("--drain", type=float, default=10, help="longest wait for late ones")
    parser.add_argument("--rate", type=float, default=2.0, help="edits per second per editor")
    parser.add_argument("--seed", type=int, default=7)
    servers = "comma-separated: palabre, hocuspocus, hocuspocus-default"
    parser.add_argument("--servers", default="hocuspocus,palabre", help=servers)
    parser.add_argument(
        "--processes", type=int, default=1, help="Palabre server processes (over Redis)"
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL URL: Palabre runs on a fresh database next to it (default: SQLite)",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    if args.editors % (len(GROUPS) * args.sections) or not 1 <= args.sections <= len(KEYS):
        parser.error("--editors must be a multiple of 3 × --sections; --sections is 1 to 7")
    args.per_section = args.editors // (len(GROUPS) * args.sections)
    rows = []
    for name in args.servers.split(","):
        time.sleep(5 if rows else 0)  # let the previous server's exit settle
        rows.append(run_palabre(args) if name == "palabre" else run_hocuspocus(name, args))
    print(
        f"{args.editors} editors in {len(sections(args))} sections ({args.per_section} each), "
        f"{args.rate:g} edits/s each, {args.seconds:g} s measured after {args.warmup:g} s "
        f"on {os.cpu_count()} cores"
    )
    table(rows)
    by_name = {row["server"]: row for row in rows}
    if palabre := by_name.get("palabre"):
        lost = f", {palabre['missing']} deliveries missing" if palabre["missing"] else ""
        print(f"Palabre p99: {palabre['p99 ms']:.1f} ms{lost} (target ≤ 100 ms)")
    if palabre and (peer := by_name.get("hocuspocus")):
        if palabre["missing"] or peer["missing"]:
            print("ratio p99 Palabre/Hocuspocus: not comparable, deliveries are missing")
        else:
            ratio = palabre["p99 ms"] / peer["p99 ms"]
            print(f"ratio p99 Palabre/Hocuspocus (store every update): {ratio:.1f}× (target ≤ 2×)")


if __name__ == "__main__":
    main()
