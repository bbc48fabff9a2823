"""Live-editing load: propagation latency of many editors typing at once, against Hocuspocus.

    .venv/bin/python -m benchmarks.collab_load [--editors 150] [--seconds 30]
        [--servers palabre,hocuspocus,hocuspocus-default]

N simulated editors (default 150: 3 groups × 5 sections × 10 members) each type a few
characters about twice a second (uniform jitter) into a section for ``--seconds``, after
``--warmup`` seconds of the same typing. Every edit inserts a unique marker ``{editor.seq}``;
every other client of the section notes when the marker arrives in its document (pycrdt Text
observer, after applying the update). Printed per server: edits sent per second, deliveries
(edit × other client of its section), propagation latency p50/p95/p99/max (sender to
receiver, one clock), deliveries missing after a drain, whether every section's clients
converged, the server's CPU over the measured window (cores) and its peak RSS (VmHWM), and
the client process's own CPU (if it nears 1 core, the figures measure the client).

Palabre runs as ``python -m app.server`` on a fresh SQLite instance (demo edition plus
participants up to N/15 per group); clients speak Socket.IO (Engine.IO 4) on a websocket,
with the session cookie of a member, and ask an acknowledgement for every update like the
browser does. Palabre commits each update before relaying it.

The peer is @hocuspocus/server 3.4.4 (the 4.x line needs Node ≥ 22), installed with npm into
~/.cache/palabre-bench/hocuspocus (reused), with its SQLite extension in WAL mode,
synchronous=NORMAL like Palabre. ``hocuspocus`` stores the document on every update
(debounce 0), the closest it offers to Palabre's guarantee (it still relays before its
store completes); ``hocuspocus-default`` keeps its 2 s / 10 s store debounce. Its protocol
is the y-protocols messages prefixed with the document name, on one raw websocket per editor.

The same client code (one thread, a selector over every socket) drives both servers; only
a thin transport (Socket.IO frames or Hocuspocus frames) differs. Target on the 2-core
machine: p99 ≤ 100 ms at 150 editors, and within 2× of Hocuspocus's p99.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import random
import re
import selectors
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import websocket
from pycrdt import (
    Doc,
    Text,
    create_sync_message,
    create_update_message,
    handle_sync_message,
    write_var_uint,
)

from tests.collaboration.serverproc import ServerProcess, environment, free_port

EDITION = "malisig-2023"
GROUPS = ("gouvernement", "secteur-prive", "societe-civile")
KEYS = ("introduction", "q1", "q2", "q3", "q4", "q5", "conclusion")
MARKER = re.compile(r"\{\d+\.\d+\}")
PEER_DIR = Path.home() / ".cache" / "palabre-bench" / "hocuspocus"
PEER_PACKAGES = ("@hocuspocus/server@3.4.4", "@hocuspocus/extension-sqlite@3.4.4")

PREPARE = """
import sys
from app import create_app
from app.accounts import services as accounts
from app.config import Config
from app.extensions import db
from app.workshops import services
from app.workshops.demo import DEMO_PASSWORD, load_demo
from app.workshops.models import Role
app = create_app(Config())
with app.app_context():
    db.create_all()
    edition = load_demo()
    for slug in sys.argv[2:]:
        group = services.get_group(edition, slug)
        for n in range(len(services.members(edition, group)), int(sys.argv[1])):
            user = accounts.create_user(f"bench-{slug}-{n}@bench.palabre", f"Bench {n}",
                                        DEMO_PASSWORD)
            services.set_membership(edition, user, Role.PARTICIPANT, group)
    db.session.commit()
"""

NODE_SERVER = """
const { Server } = require("@hocuspocus/server");
const { SQLite } = require("@hocuspocus/extension-sqlite");
const [port, database, debounce] = process.argv.slice(2);
const sqlite = new SQLite({ database });
const options = { quiet: true, extensions: [sqlite] };
if (debounce !== "default") Object.assign(options, { debounce: 0, maxDebounce: 0 });
const server = new Server(options);
// Its `address` setting is ignored (it listens on every interface): bind it ourselves.
server.httpServer.listen(Number(port), "127.0.0.1", function ready() {
  if (!sqlite.db) return setTimeout(ready, 10);  // its onConfigure runs a little later
  sqlite.db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL", (error) => {
    console.log(error ? String(error) : "ready");
  });
});
"""


class SocketIOTransport:
    """Palabre: Engine.IO 4 / Socket.IO 5 frames on a websocket, namespace /collab."""

    def __init__(self, url: str, cookie: str, section: str) -> None:
        self.section, self.acks, self.errors, self.event, self.next_id = section, {}, 0, None, 1
        self.ws = websocket.create_connection(
            url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket",
            header=[f"Cookie: palabre_session={cookie}"],
        )
        assert self.ws.recv().startswith("0{")
        self.ws.send("40/collab,")
        reply = self.ws.recv()
        if not reply.startswith("40/collab,"):
            raise RuntimeError(f"connection refused: {reply}")
        ack = self.call("join", {"section": section})
        if not ack.get("ok"):
            raise RuntimeError(f"join refused: {ack}")

    def call(self, event: str, payload: dict) -> dict:
        ident = self.next_id
        self.ws.send(f"42/collab,{ident}" + json.dumps([event, payload]))
        while ident not in self.acks:
            self.read()
        return self.acks.pop(ident)

    def send(self, message: bytes) -> None:
        self.next_id += 1
        head = {"section": self.section, "data": {"_placeholder": True, "num": 0}}
        self.ws.send(f"451-/collab,{self.next_id}" + json.dumps(["sync", head]))
        self.ws.send_binary(message)

    def read(self) -> list[bytes]:
        opcode, data = self.ws.recv_data()
        if opcode == websocket.ABNF.OPCODE_BINARY:
            event, self.event = self.event, None
            return [data] if event == "sync" else []
        text = data.decode()
        if text == "2":  # Engine.IO ping
            self.ws.send("3")
        elif text.startswith("451-/collab,"):
            self.event = json.loads(text[12:])[0]
        elif text.startswith("43/collab,"):
            ident, body = re.match(r"(\d+)(.*)", text[10:], re.S).groups()
            reply = json.loads(body)[0]
            self.errors += not reply.get("ok")
            self.acks[int(ident)] = reply
        elif text.startswith("42/collab,") and '"error"' in text[10:20]:
            self.errors += 1
        return []


class HocuspocusTransport:
    """Hocuspocus: varString(document name) + y-protocols message, as binary frames."""

    def __init__(self, url: str, cookie: str | None, section: str) -> None:
        name = section.encode()
        self.prefix, self.acks, self.errors = write_var_uint(len(name)) + name, 0, 0
        self.ws = websocket.create_connection(url)
        # It holds every message until an auth message: type 2, token (0), empty token.
        self.ws.send_binary(self.prefix + b"\x02\x00\x00")

    def send(self, message: bytes) -> None:
        self.ws.send_binary(self.prefix + message)

    def read(self) -> list[bytes]:
        _opcode, data = self.ws.recv_data()
        kind, body = data[len(self.prefix)], data[len(self.prefix) + 1 :]
        if kind == 8:  # SyncStatus: acknowledgement of an update
            self.acks += 1
        elif kind in (0, 4):  # Sync, SyncReply
            return [b"\x00" + body]
        return []


class Editor:
    def __init__(self, ident: int, section: int, transport, arrivals: dict) -> None:
        self.ident, self.section, self.transport, self.arrivals = (
            ident,
            section,
            transport,
            arrivals,
        )
        self.doc, self.seq, self.local, self.synced = Doc(), 0, False, False
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
        self.seq += 1
        marker = f"{{{self.ident}.{self.seq}}}"
        current = str(self.text)
        at = len(current[: rng.randint(0, len(current))].encode())
        before = self.doc.get_state()
        self.local = True
        self.text.insert(at, marker)
        self.local = False
        update = self.doc.get_update(before)
        sent = time.monotonic()
        self.transport.send(create_update_message(update))
        return marker, sent


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+)", status).group(1)) / 1024


def drive(editors: list[Editor], pid: int, args) -> dict:
    """Connect-and-sync done; type for warm-up + window, then drain. One thread."""
    selector = selectors.DefaultSelector()
    for editor in editors:
        selector.register(editor.transport.ws.sock, selectors.EVENT_READ, editor)
    while not all(editor.synced for editor in editors):
        for key, _ in selector.select(5):
            key.data.receive()
    rng = random.Random(args.seed)
    start = time.monotonic()
    t0, t1 = start + args.warmup, start + args.warmup + args.seconds
    queue = [(start + rng.uniform(0, 1 / args.rate), i) for i in range(len(editors))]
    heapq.heapify(queue)
    sent, cpu, arrivals = {}, {}, editors[0].arrivals
    per_section = args.editors // len(sections(args))
    deadline, check = t1 + args.drain, t1
    while True:
        now = time.monotonic()
        if "start" not in cpu and now >= t0:
            cpu["start"] = (cpu_seconds(pid), time.process_time(), now)
        if "end" not in cpu and now >= t1:
            cpu["end"] = (cpu_seconds(pid), time.process_time(), now)
        while now < t1 and queue[0][0] <= now:
            due, index = heapq.heappop(queue)
            marker, at = editors[index].type(rng)
            if t0 <= at < t1:
                sent[marker] = (at, index)
            heapq.heappush(queue, (max(due, now) + rng.uniform(0.5, 1.5) / args.rate, index))
        if now >= t1 and now >= check:
            if now >= deadline or _complete(sent, arrivals, per_section):
                break
            check = now + 0.2
        timeout = max(0.0, queue[0][0] - now) if now < t1 else 0.05
        for key, _ in selector.select(min(timeout, 0.05)):
            key.data.receive()
    (s0, c0, w0), (s1, c1, w1) = cpu["start"], cpu["end"]
    return {"sent": sent, "cpu": (s1 - s0) / (w1 - w0), "client_cpu": (c1 - c0) / (w1 - w0)}


def _complete(sent: dict, arrivals: dict, per_section: int) -> bool:
    return all(len(arrivals.get(marker, ())) >= per_section - 1 for marker in sent)


def sections(args) -> list[str]:
    return [f"{EDITION}/{g}/{k}" for g in GROUPS for k in KEYS[: args.sections]]


def measure(name: str, url: str, pid: int, transport, cookies: dict, args) -> dict:
    arrivals: dict[str, dict[int, float]] = {}
    names = sections(args)
    per_section = args.editors // len(names)
    editors = []
    for i in range(args.editors):
        section = names[i // per_section]
        cookie = cookies[section.split("/")[1]][i % per_section] if cookies else None
        editors.append(Editor(i, i // per_section, transport(url, cookie, section), arrivals))
    result = drive(editors, pid, args)
    latencies, missing = [], 0
    for marker, (at, sender) in result["sent"].items():
        got = arrivals.get(marker, {})
        first = sender // per_section * per_section
        for other in range(first, first + per_section):
            if other != sender:
                if other in got:
                    latencies.append((got[other] - at) * 1000)
                else:
                    missing += 1
    texts = [{str(e.text) for e in editors if e.section == s} for s in range(len(names))]
    for editor in editors:
        editor.transport.ws.close(timeout=0.05)
    latencies.sort()
    latencies = latencies or [float("nan")]
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]  # noqa: E731
    return {
        "server": name,
        "edits": len(result["sent"]),
        "edits_s": len(result["sent"]) / args.seconds,
        "deliveries": len(latencies),
        "p50": pick(0.5),
        "p95": pick(0.95),
        "p99": pick(0.99),
        "max": latencies[-1],
        "missing": missing,
        "diverged": sum(len(t) > 1 for t in texts),
        "errors": sum(e.transport.errors for e in editors),
        "cpu": result["cpu"],
        "rss": peak_rss_mb(pid),
        "client_cpu": result["client_cpu"],
    }


def run_palabre(args) -> dict:
    instance = Path(tempfile.mkdtemp(prefix="palabre-collab-load-"))
    env = environment(instance)
    per_section = args.editors // len(sections(args))
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [sys.executable, "-c", PREPARE, str(per_section), *GROUPS], cwd=root, env=env, check=True
    )
    os.environ.update(PALABRE_INSTANCE=env["PALABRE_INSTANCE"], SECRET_KEY=env["SECRET_KEY"])
    from app import create_app
    from app.config import Config
    from app.workshops import services
    from app.workshops.models import Role

    app, cookies = create_app(Config()), {}
    with app.app_context():
        edition = services.get_edition(EDITION)
        for slug in GROUPS:
            for membership in services.members(edition, services.get_group(edition, slug)):
                if membership.role == Role.PARTICIPANT:
                    client = app.test_client()
                    with client.session_transaction() as session:
                        session["_user_id"], session["_fresh"] = membership.user.get_id(), True
                    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
                    cookies.setdefault(slug, []).append(cookie)
    server = ServerProcess(env)
    try:
        return measure("palabre", server.url, server.process.pid, SocketIOTransport, cookies, args)
    finally:
        server.stop()


def install_peer() -> Path:
    if not (PEER_DIR / "node_modules" / "@hocuspocus" / "extension-sqlite").exists():
        PEER_DIR.mkdir(parents=True, exist_ok=True)
        (PEER_DIR / "package.json").write_text('{"private": true}\n')
        npm = ["npm", "install", "--no-audit", "--no-fund", *PEER_PACKAGES]
        subprocess.run(npm, cwd=PEER_DIR, check=True)
    probe = subprocess.run(["node", "-e", "require('sqlite3')"], cwd=PEER_DIR, capture_output=True)
    if probe.returncode:  # npm skips sqlite3's install script here: build it by hand
        gyp = ["npx", "--yes", "node-gyp", "rebuild", "--nodedir=/usr"]
        subprocess.run(gyp, cwd=PEER_DIR / "node_modules" / "sqlite3", check=True)
    (PEER_DIR / "server.js").write_text(NODE_SERVER)
    return PEER_DIR


def run_hocuspocus(name: str, args) -> dict:
    folder, port = install_peer(), free_port()
    database = tempfile.mkdtemp(prefix="palabre-hocuspocus-") + "/documents.sqlite3"
    debounce = "default" if name == "hocuspocus-default" else "0"
    process = subprocess.Popen(
        ["node", "server.js", str(port), database, debounce],
        cwd=folder,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError("Hocuspocus did not start")
        url = f"ws://127.0.0.1:{port}"
        return measure(name, url, process.pid, HocuspocusTransport, {}, args)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--editors", type=int, default=150, help="multiple of 3 × --sections")
    parser.add_argument("--sections", type=int, default=5, help="sections per group (≤ 7)")
    parser.add_argument("--seconds", type=float, default=30, help="measured window")
    parser.add_argument("--warmup", type=float, default=5, help="typing before the window")
    parser.add_argument("--drain", type=float, default=10, help="wait for late deliveries")
    parser.add_argument("--rate", type=float, default=2.0, help="edits/s of each editor")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--servers", default="palabre,hocuspocus", help="comma-separated")
    args = parser.parse_args()
    if args.editors % (len(GROUPS) * args.sections) or not 1 <= args.sections <= len(KEYS):
        parser.error("--editors must be a multiple of 3 × --sections, --sections in 1..7")
    rows = []
    for name in args.servers.split(","):
        rows.append(run_palabre(args) if name == "palabre" else run_hocuspocus(name, args))
    head = "server              edits  edits/s  deliveries   p50 ms   p95 ms   p99 ms   max ms"
    print(f"{len(sections(args))} sections, {args.editors} editors, {args.seconds:g} s window")
    print(head + "  missing  diverged  errors  CPU cores  peak MB  client CPU")
    for r in rows:
        print(
            f"{r['server']:<18} {r['edits']:>6} {r['edits_s']:>8.1f} {r['deliveries']:>11}"
            f" {r['p50']:>8.1f} {r['p95']:>8.1f} {r['p99']:>8.1f} {r['max']:>8.1f}"
            f" {r['missing']:>8} {r['diverged']:>9} {r['errors']:>7} {r['cpu']:>10.2f}"
            f" {r['rss']:>8.0f} {r['client_cpu']:>11.2f}"
        )
    ok = all(r["missing"] == 0 and r["diverged"] == 0 for r in rows)
    print(
        "correctness: "
        + (
            "OK (every delivery arrived, every section converged)"
            if ok
            else "FAILED (see missing / diverged)"
        )
    )
    by_name = {r["server"]: r for r in rows}
    if "palabre" in by_name and "hocuspocus" in by_name:
        ratio = by_name["palabre"]["p99"] / by_name["hocuspocus"]["p99"]
        print(f"ratio p99 Palabre/Hocuspocus (store on every update): {ratio:.1f}× (target ≤ 2×)")
    if "palabre" in by_name:
        print(f"Palabre p99 {by_name['palabre']['p99']:.1f} ms (target ≤ 100 ms)")


if __name__ == "__main__":
    main()
