"""Fuzzing the live editor: one hostile member against a real server, two honest ones typing.

    .venv/bin/python -m benchmarks.fuzz_collab [--messages 10000] [--seed 1] \
        [--database-url postgresql://postgres@127.0.0.1:5432/postgres] [--save-crashers DIR]
    .venv/bin/python -m benchmarks.fuzz_collab --replay benchmarks/fuzz_collab/crashers
    .venv/bin/python -m benchmarks.fuzz_collab --triage benchmarks/fuzz_collab/crashers

A server process as ``make run`` starts it (``python serve.py``: gevent; a fresh instance
whose database the migrations build, with the demo loaded; ``--database-url``: a fresh
PostgreSQL database created next to that URL, dropped afterwards). Everything stays on
127.0.0.1. Then, in ``--sections`` sections of the gouvernement group:

- a hostile member (gouvernement1, a participant of the group) sends at least ``--messages``
  seeded messages from ``generators.py`` (join, sync, awareness, leave), each waiting for its
  acknowledgement (``--reply-timeout``: a reply later than that is "hung"); after each update
  it got accepted, it probes the section as a fresh client would (join + sync step 1; a
  refusal that only says "not now", such as ``rate_limited``, proves nothing);
- two honest members keep typing unique markers into the same sections, one connection per
  member and section, each waiting for its ``{ok: true}`` before typing again (on
  ``resync``, as the browser does, they send step 1 again and save the edit with their step 2).

Their pycrdt documents, and the copies the hostile edits, live in a child process (the
"sandbox"): an update the server accepted and relayed can crash yrs itself, and must not take
the fuzzer, or the test run, down with it. When the sandbox dies, the honest clients start
again with new documents, as browsers would after reloading.

When the server process dies, it is restarted on the same database and the run goes on
(counted; the message in flight is the crasher). A section that no longer loads (a fresh
join + step 1 answered with an error, or the server dying while it loads it) is counted, then
emptied by the fuzzer so that the run can go on there (``--no-repair``: left out instead). A
generator that crashed the server or poisoned a section ``--max-crashes-per-generator`` times
is switched off, so that a run on vulnerable code stays bounded (``--max-seconds`` bounds it
too). A server that gives no honest acknowledgement for ``--stall-seconds`` is killed and
restarted (a stall).

At the end: every honest client syncs again, and a fresh client joins each section. A
section is "diverged" when an honest client's text differs from the fresh client's. An
acknowledged honest marker that is missing from the fresh text while its author still has
it is "lost" (one the hostile deleted is gone from its author's text too).

Printed: messages sent (by generator, with their replies), the slowest replies, what raised
the server's peak RSS, server crashes (exit code or signal), stalls, hung replies, error
events by code, honest edits acknowledged / refused / lost, diverged and unloadable sections,
server RSS before and after (VmRSS), wall time. Exit code 1 on any crash, stall, unloadable
or diverged section, lost acknowledged edit, or RSS growth of 50 MB or more.

``--save-crashers DIR``: every message that crashed the server, hung it, made a section
unloadable or was relayed to an honest client that could not apply it, as JSON (generator,
effect, hex of its data, the messages before it in its section). ``--replay`` sends such
files to a fresh server and reports what each one does. ``--triage`` runs them through
pycrdt alone, in a child process, as the server would (read, check on a fresh Doc, apply to
the section's document, encode).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import hashlib
import json
import random
import re
import selectors
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import websocket
from pycrdt import Doc, create_sync_message, create_update_message

from app.collaboration.yupdate import Reader, UpdateFormatError
from benchmarks.collab_load.__main__ import state_vector
from benchmarks.fuzz_collab import generators
from benchmarks.fuzz_collab.generators import Context, Message
from tests.collaboration.serverproc import ROOT, ServerProcess, environment, prepare_database

EDITION = "malisig-2023"
GROUP = "gouvernement"
KEYS = ("introduction", "q1", "q2", "q3", "q4", "q5", "conclusion")
HOSTILE = "gouvernement1@demo.palabre"
HONEST = ("gouvernement2@demo.palabre", "honnete@fuzz.palabre")
OTHER_EDITION = "fuzz-autre"
FOREIGN = (
    f"{EDITION}/secteur-prive/q1",
    f"{EDITION}/societe-civile/introduction",
    f"{OTHER_EDITION}/gouvernement/q1",
    f"{OTHER_EDITION}/gouvernement/introduction",
    "nulle-part-2099/gouvernement/q1",
)

# Run with the server's environment, after the migrations and the demo: a second honest
# member of the group, a second edition, then everyone's session cookies as JSON.
SETUP = f"""
import json
from app import create_app
from app.accounts.services import create_user, find_user
from app.config import Config
from app.extensions import db
from app.workshops import services
from app.workshops.demo import DEMO_PASSWORD, DEMO_SLUG
from app.workshops.models import GroupKind, Role
app, cookies = create_app(Config()), {{}}
with app.app_context():
    edition = services.get_edition(DEMO_SLUG)
    user = create_user({HONEST[1]!r}, "Honnête Fuzz", DEMO_PASSWORD)
    services.set_membership(edition, user, Role.PARTICIPANT, services.get_group(edition, {GROUP!r}))
    other = services.create_edition(slug={OTHER_EDITION!r}, title="Autre", creator=None)
    services.add_question(other, "Une question ?")
    services.add_group(other, name="Gouvernement", kind=GroupKind.GOVERNMENT, slug="gouvernement")
    db.session.commit()
    for email in {(HOSTILE, *HONEST)!r}:
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = find_user(email).get_id(), True
        cookies[email] = client.get_cookie("palabre_session").value
print(json.dumps(cookies))
"""


# Run with the server's environment, the server stopped: empty a section's stored document
# (argv[1]: its address) so that the run can go on in it; honest clients re-sync into it.
REPAIR = """
import sys
from sqlalchemy import text
from app import create_app
from app.collaboration.services import resolve_section
from app.config import Config
from app.extensions import db
app = create_app(Config())
with app.app_context():
    section_id = resolve_section(sys.argv[1]).id
    for table in ("section_updates", "section_snapshots"):
        db.session.execute(text(f"DELETE FROM {table} WHERE section_id = :id"), {"id": section_id})
    db.session.commit()
"""


# --- the wire: Socket.IO 5 over Engine.IO 4 on a websocket ----------------------------------


class Closed(Exception):
    """The server closed the connection (or died)."""


def _strip(value, buffers: list[bytes]):
    if isinstance(value, bytes | bytearray):
        buffers.append(bytes(value))
        return {"_placeholder": True, "num": len(buffers) - 1}
    if isinstance(value, dict):
        return {k: _strip(v, buffers) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip(v, buffers) for v in value]
    return value


def _restore(value, buffers: list[bytes]):
    if isinstance(value, dict):
        if value.get("_placeholder") is True and isinstance(value.get("num"), int):
            return buffers[value["num"]]
        return {k: _restore(v, buffers) for k, v in value.items()}
    if isinstance(value, list):
        return [_restore(v, buffers) for v in value]
    return value


# Refusals that say "not now", not "never": a probe answered so proves nothing.
RSS_TARGET_MB = 50  # the server's growth over a run (issue 11)
TRANSIENT = frozenset({"rate_limited", "unavailable", "resync"})
PACKET = re.compile(r"4([0-6])(?:(\d+)-)?(/[^,]*,)?(\d*)(.*)", re.S)


class Wire:
    """One raw Socket.IO connection to /collab with a member's session cookie. Single
    threaded: ``read()`` one frame when its socket is readable (see collab_load)."""

    def __init__(self, url: str, cookie: str, timeout: float = 20) -> None:
        try:
            self.ws = websocket.create_connection(
                url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket",
                header=[f"Cookie: palabre_session={cookie}"],
                timeout=timeout,
                skip_utf8_validation=True,
            )
        except (OSError, websocket.WebSocketException) as error:
            raise Closed(str(error)) from error
        self.sock = self.ws.sock  # websocket-client forgets it once closed: the selector's key
        try:
            if not self.ws.recv().startswith("0{"):
                raise Closed("no Engine.IO open packet")
            self.ws.send("40/collab,")
            reply = self.ws.recv()
            if not reply.startswith("40/collab,"):
                raise Closed(f"connection refused: {reply[:200]}")
        except (OSError, websocket.WebSocketException, Closed) as error:
            self.close()
            raise Closed(str(error)) from error
        self.next_id, self.closed = 0, False
        self.partial: tuple[str, object, list, int, list[bytes]] | None = None

    def emit(self, event: str, args: list) -> int:
        """Send an event asking an acknowledgement; returns its id."""
        buffers: list[bytes] = []
        body = json.dumps([event, *(_strip(a, buffers) for a in args)], separators=(",", ":"))
        self.next_id += 1
        head = (
            f"45{len(buffers)}-/collab,{self.next_id}" if buffers else f"42/collab,{self.next_id}"
        )
        try:
            self.ws.send(head + body)
            for buffer in buffers:
                self.ws.send_binary(buffer)
        except (OSError, websocket.WebSocketException) as error:
            self.closed = True
            raise Closed(str(error)) from error
        return self.next_id

    def read(self) -> list[tuple[str, object, list]]:
        """One frame: [("event", name, args)] or [("ack", id, args)], or [] (ping, part)."""
        try:
            opcode, data = self.ws.recv_data(control_frame=True)
        except (OSError, websocket.WebSocketException) as error:
            self.closed = True
            raise Closed(str(error)) from error
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            self.closed = True
            raise Closed("close frame")
        if opcode == websocket.ABNF.OPCODE_BINARY:
            if self.partial is None:
                return []
            kind, key, args, needed, buffers = self.partial
            buffers.append(data)
            if len(buffers) < needed:
                return []
            self.partial = None
            return [(kind, key, _restore(args, buffers))]
        if opcode != websocket.ABNF.OPCODE_TEXT:
            return []
        text = data.decode("utf-8", "replace")
        if text == "2":
            self.ws.send("3")
            return []
        if text.startswith("1") or text.startswith("41"):
            self.closed = True
            raise Closed("disconnected by the server")
        match = PACKET.fullmatch(text)
        if match is None:
            return []
        kind, attachments, _ns, ident, body = match.groups()
        payload = json.loads(body) if body else []
        if kind in ("2", "5"):
            packet = ("event", payload[0], payload[1:])
        elif kind in ("3", "6"):
            packet = ("ack", int(ident), payload)
        else:
            return []
        if attachments and int(attachments):
            self.partial = (*packet, int(attachments), [])
            return []
        return [packet]

    def wait_ack(self, ident: int, timeout: float, on_packet=None) -> list | None:
        """Read until the acknowledgement ``ident`` (its arguments), or None on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready = selectors.DefaultSelector()
            ready.register(self.sock, selectors.EVENT_READ)
            if not ready.select(max(0.0, deadline - time.monotonic())):
                continue
            for packet in self.read():
                if packet[0] == "ack" and packet[1] == ident:
                    return packet[2]
                if on_packet:
                    on_packet(packet)
        return None

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a dead socket
            self.ws.close(timeout=0.05)
        self.sock.close()


# --- pycrdt documents in a child process ----------------------------------------------------

# The honest clients' documents (and the hostile's own view) live in this child process:
# relayed updates the server accepted can crash yrs itself (SIGSEGV, SIGBUS), and must not
# take the fuzzer (or the test run) down with them. One JSON line per call and per answer,
# bytes in hex.
SANDBOX = """
import json, sys
from pycrdt import Doc, Text, create_sync_message, handle_sync_message
docs = {}

def text(key):
    return docs[key].get("markdown", type=Text)

def call(op, key, *rest):
    if op == "new":
        docs[key] = Doc(client_id=rest[0]) if rest[0] else Doc()
        text(key)
        return docs[key].client_id
    if op == "drop":
        docs.pop(key, None)
        return None
    if op == "sync":  # a sync message from the server: our reply, if any
        reply = handle_sync_message(bytes.fromhex(rest[0])[1:], docs[key])
        return reply.hex() if reply is not None else None
    if op == "step1":
        return create_sync_message(docs[key]).hex()
    if op == "type":  # insert ``value`` at a fraction of the text (after a marker)
        value, fraction, delete = rest
        doc, current = docs[key], str(text(key))
        before = doc.get_state()
        cut = int(len(current) * fraction)
        cut = current.find("}", cut) + 1 if "}" in current[cut:] else len(current)
        with doc.transaction():
            text(key).insert(len(current[:cut].encode()), value)
            if delete and current:
                at = len(current[: int(len(current) * fraction)].encode())
                del text(key)[at : at + delete]
        return doc.get_update(before).hex()
    if op == "text":
        return str(text(key))
    if op == "update":
        return docs[key].get_update().hex()
    if op == "state":
        return docs[key].get_state().hex()
    if op == "fork":  # a new document (client id) holding another one's state
        docs[key] = Doc(client_id=rest[1])
        text(key)
        docs[key].apply_update(docs[rest[0]].get_update())
        return None
    raise ValueError(op)

for line in sys.stdin:
    op, key, *rest = json.loads(line)
    try:
        answer = ["ok", call(op, key, *rest)]
    except BaseException as error:
        answer = ["error", f"{type(error).__name__}: {str(error)[:200]}"]
    sys.stdout.write(json.dumps(answer) + "\\n")
    sys.stdout.flush()
"""


class SandboxError(Exception):
    """pycrdt raised (a Python exception, or a Rust panic) on a document of the sandbox."""


class SandboxDied(Exception):
    """The sandbox process died (a signal) or hung: every document in it is gone."""


class Sandbox:
    def __init__(self, timeout: float = 30) -> None:
        self.timeout = timeout
        self.process = subprocess.Popen(
            [sys.executable, "-c", SANDBOX],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
            preexec_fn=_die_with_parent,
        )

    def call(self, op: str, key: str, *rest):
        try:
            self.process.stdin.write(json.dumps([op, key, *rest]) + "\n")
            self.process.stdin.flush()
        except OSError as error:
            raise SandboxDied(self.died()) from error
        ready = selectors.DefaultSelector()
        ready.register(self.process.stdout, selectors.EVENT_READ)
        if not ready.select(self.timeout):
            self.process.kill()
            raise SandboxDied(f"hung for {self.timeout:g} s in {op}")
        line = self.process.stdout.readline()
        if not line:
            raise SandboxDied(self.died())
        status, value = json.loads(line)
        if status != "ok":
            raise SandboxError(value)
        return value

    def died(self) -> str:
        try:
            return describe_exit(self.process.wait(timeout=5))
        except subprocess.TimeoutExpired:
            self.process.kill()
            return "unresponsive"

    def close(self) -> None:
        with contextlib.suppress(OSError):  # a broken pipe if it died
            self.process.stdin.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()


@dataclass
class Honest:
    """One honest member typing in one section: a connection, a document in the sandbox
    (a new one, with a new client id, whenever it had to start again)."""

    email: str
    section: str
    ident: int  # markers are {ident.seq}
    key: str = ""
    client_id: int = 0
    wire: Wire | None = None
    seq: int = 0
    synced: bool = False
    typed: dict[str, int] = field(default_factory=dict)  # marker → ack id (0: acknowledged)
    unsaved: set[str] = field(default_factory=set)  # refused (resync): sent again in a step 2
    step2s: dict[int, set[str]] = field(default_factory=dict)  # ack id → markers it carries
    waiting: tuple[int, str, float] | None = None  # (ack id, marker, sent at)
    next_at: float = 0.0


# --- the run ----------------------------------------------------------------------------


@dataclass
class InFlight:
    """The hostile's message awaiting its reply: the message itself, or a probe after it."""

    ident: int
    message: Message
    sent: float
    stage: str = "message"  # or "join", "step 1": the probe of the section after it


@dataclass
class Report:
    messages: collections.Counter = field(default_factory=collections.Counter)
    outcomes: dict = field(default_factory=lambda: collections.defaultdict(collections.Counter))
    errors: collections.Counter = field(default_factory=collections.Counter)  # (who, code)
    examples: dict = field(default_factory=dict)  # (who, code) → the first message
    crashes: list[dict] = field(default_factory=list)
    stalls: int = 0
    hung: collections.Counter = field(default_factory=collections.Counter)
    disconnects: collections.Counter = field(default_factory=collections.Counter)
    honest_acked: int = 0
    honest_acked_later: int = 0  # refused (resync), then saved by a step 2
    honest_refused: collections.Counter = field(default_factory=collections.Counter)
    honest_hung: int = 0
    honest_unappliable: collections.Counter = field(default_factory=collections.Counter)
    honest_latency: list[float] = field(default_factory=list)
    slowest: dict[str, tuple[float, str]] = field(default_factory=dict)  # generator → reply
    memory: dict = field(default_factory=lambda: collections.defaultdict(list))  # peak RSS +MB
    honest_reset: int = 0
    client_crashes: list[dict] = field(default_factory=list)  # the sandbox's pycrdt died
    sizes: dict[str, int] = field(default_factory=dict)  # section → characters at the end
    retired: set[str] = field(default_factory=set)  # acknowledged markers of reset clients
    retired_by_repair: int = 0  # acknowledged markers in sections the fuzzer emptied
    missing_retired: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    diverged: list[str] = field(default_factory=list)
    unloadable: list[tuple[str, str]] = field(default_factory=list)  # (section, why)
    disabled: list[str] = field(default_factory=list)
    probes: int = 0
    probes_inconclusive: int = 0  # answered rate_limited, unavailable, resync
    restarts: int = 0
    rss_before: float = 0.0
    rss_after: float = 0.0
    rss_peak: float = 0.0
    wall: float = 0.0
    saved: list[str] = field(default_factory=list)

    @property
    def sent(self) -> int:
        return sum(self.messages.values())

    def failed(self) -> bool:
        return bool(
            self.crashes
            or self.stalls
            or self.unloadable
            or self.diverged
            or self.lost
            or self.rss_after - self.rss_before >= RSS_TARGET_MB
        )


def _die_with_parent() -> None:
    """In the child, before exec: SIGKILL when the fuzzer dies (no orphaned server)."""
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def server_process(env: dict[str, str]) -> ServerProcess:
    return ServerProcess(env, preexec_fn=_die_with_parent)


def rss_mb(pid: int, key: str = "VmRSS") -> float:
    try:
        found = re.search(rf"{key}:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
    except OSError:
        return 0.0
    return int(found[1]) / 1024 if found else 0.0


def describe_exit(code: int | None) -> str:
    if code is None:
        return "alive"
    if code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"


def _reply(args: list) -> dict:
    return args[0] if args and isinstance(args[0], dict) else {}


class Fuzz:
    def __init__(self, args, env: dict[str, str], cookies: dict[str, str]) -> None:
        self.args, self.env, self.cookies = args, env, cookies
        self.report = Report()
        self.rng = random.Random(args.seed)  # the hostile's messages
        self.typing_rng = random.Random(args.seed + 1)
        self.sections = [f"{EDITION}/{GROUP}/{key}" for key in KEYS[: args.sections]]
        self.healthy = list(self.sections)
        self.ctx = Context(list(self.healthy), list(FOREIGN), edit=self.hostile_edit)
        wanted = args.generators.split(",") if args.generators else list(generators.GENERATORS)
        self.enabled = [name for name in generators.GENERATORS if name in wanted]
        self.strikes: collections.Counter = collections.Counter()
        # Section → the last updates of the hostile it accepted (a poison may need several).
        self.history: dict[str, collections.deque] = collections.defaultdict(
            lambda: collections.deque(maxlen=6)
        )
        self.burst: list[Message] = []
        self.server: ServerProcess | None = None
        self.sandbox: Sandbox | None = None
        self.hostile: Wire | None = None
        self.honest: list[Honest] = []
        self.flight: InFlight | None = None
        self.last_store: Message | None = None
        self.relayed: dict[bytes, Message] = {}  # digest of an accepted update → message
        self.last_honest_ack = time.monotonic()
        self.save_dir = Path(args.save_crashers) if args.save_crashers else None
        self.selector = selectors.DefaultSelector()
        self.repairs: set[str] = set()  # sections to empty before going on
        self.marker_section: dict[str, str] = {}
        self.peak_seen = 0.0
        self.pause_until = 0.0
        self.next_ident = 0
        self.documents = 0  # sandbox keys handed out

    # --- the sandbox --------------------------------------------------------------------

    def new_document(self, client_id: int = 0) -> tuple[str, int]:
        self.documents += 1
        key = f"d{self.documents}"
        return key, self.sandbox.call("new", key, client_id)

    def hostile_edit(self, section: str, client: int | None, fraction: float, value: str,
                     delete: int) -> tuple[bytes, int]:  # fmt: skip
        """``generators`` asks for a real edit of the section: made on a copy of an honest
        client's document of it (as the hostile's own client id), or, for another client
        id, on an empty document."""
        source = next((h.key for h in self.honest if h.section == section), None)
        self.documents += 1
        key = f"d{self.documents}"
        try:
            if client is None and source is not None:
                client = self.ctx.client_id
                self.sandbox.call("fork", key, source, client)
            else:
                client = self.sandbox.call("new", key, client or self.ctx.client_id)
            return bytes.fromhex(self.sandbox.call("type", key, value, fraction, delete)), client
        except SandboxError:
            return generators.update([(client or 1, 0, [generators.string_item(value)])]), client
        finally:
            with contextlib.suppress(SandboxError):
                self.sandbox.call("drop", key)

    def sandbox_died(self, why: str, message: Message | None) -> None:
        """pycrdt itself crashed on an honest client's document: every document is gone.
        Like browsers reloading, the honest clients start again with new documents."""
        self.report.client_crashes.append(
            {"why": why, "generator": message.generator if message else None,
             "note": message.note if message else None}
        )  # fmt: skip
        self.save(message, f"kills a pycrdt client ({why})", {"why": why})
        if message is not None:
            self.strike(message.generator)
        self.sandbox.close()
        self.sandbox = Sandbox()
        for honest in self.honest:
            self.retire(honest)
            honest.key, honest.client_id = self.new_document()
        for honest in self.honest:
            if honest.section in self.healthy and honest.wire is not None:
                self.unwatch(honest.wire)
                honest.wire = None
                self.attach(honest)

    def retire(self, honest: Honest) -> None:
        self.report.retired.update(m for m, ident in honest.typed.items() if ident == 0)
        honest.typed.clear()
        honest.unsaved.clear()
        honest.step2s.clear()
        self.next_ident += 1
        honest.ident, honest.seq, honest.synced, honest.waiting = self.next_ident, 0, False, None

    # --- server and connections ---------------------------------------------------------

    def log_tail(self, lines: int = 8) -> str:
        try:
            text = self.server.log_path.read_text(errors="replace")
        except (OSError, AttributeError):
            return ""
        interesting = [line for line in text.splitlines() if not line.startswith("   ")]
        return "\n".join(interesting[-lines:])

    def watch(self, wire: Wire, owner) -> None:
        self.selector.register(wire.sock, selectors.EVENT_READ, owner)

    def unwatch(self, wire: Wire | None) -> None:
        if wire is None:
            return
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(wire.sock)
        wire.close()

    def drop_connections(self) -> None:
        for key in list(self.selector.get_map().values()):
            self.selector.unregister(key.fileobj)
        self.unwatch(self.hostile)
        self.hostile = None
        for honest in self.honest:
            self.unwatch(honest.wire)
            honest.wire, honest.waiting, honest.synced = None, None, False
        self.flight = None

    def join(self, wire: Wire, section: str) -> dict:
        return _reply(wire.wait_ack(wire.emit("join", [{"section": section}]), 10) or [])

    def fresh_text(self, section: str) -> tuple[str | None, str | None]:
        """A fresh client's join + sync step 1: (the section's text, None) or (None, why);
        a refusal that only says "not now" (rate limit…) is tried again for a while."""
        for attempt in range(20):
            text, why, transient = self.fresh_attempt(section)
            if not transient:
                return text, why
            self.report.probes_inconclusive += 1
            time.sleep(0.25 * (attempt + 1))
        return text, why

    def fresh_attempt(self, section: str) -> tuple[str | None, str | None, bool]:
        text, why = self._fresh(section)
        transient = why is not None and any(f": {code}:" in why for code in TRANSIENT)
        return text, why, transient

    def _fresh(self, section: str) -> tuple[str | None, str | None]:
        self.report.probes += 1
        wire = Wire(self.server.url, self.cookies[HONEST[0]])
        try:
            reply = self.join(wire, section)
            if not reply.get("ok"):
                return None, f"join: {reply.get('error')}: {reply.get('message')}"
            got: list[bytes] = []

            def on_packet(packet) -> None:
                kind, key, args = packet
                if kind == "event" and key == "sync" and _reply(args).get("section") == section:
                    got.append(args[0]["data"])

            step1 = create_sync_message(Doc())
            ident = wire.emit("sync", [{"section": section, "data": step1}])
            reply = _reply(wire.wait_ack(ident, 15, on_packet) or [])
            if not reply.get("ok"):
                return None, f"step 1: {reply.get('error', 'no reply')}: {reply.get('message')}"
            step2 = [m for m in got if m[:2] == b"\0\1"]
            if not step2:
                return None, "step 1: no step 2 came"
            if self.sandbox is None:
                return "", None
            key, _ = self.new_document()
            try:
                self.sandbox.call("sync", key, step2[0].hex())
                return self.sandbox.call("text", key), None
            except SandboxError as error:
                return None, f"its step 2 cannot be applied by pycrdt: {error}"
            finally:
                with contextlib.suppress(SandboxError):
                    self.sandbox.call("drop", key)
        finally:
            wire.close()

    def connect_hostile(self) -> None:
        self.hostile = Wire(self.server.url, self.cookies[HOSTILE])
        for section in self.healthy:
            if not self.join(self.hostile, section).get("ok"):
                raise Closed(f"hostile join of {section} refused")
        self.watch(self.hostile, None)

    def attach(self, honest: Honest) -> None:
        """(Re)connect an honest client, keeping its document: join, then sync step 1."""
        wire = Wire(self.server.url, self.cookies[honest.email])
        if not self.join(wire, honest.section).get("ok"):
            wire.close()
            raise Closed(f"honest join of {honest.section} refused")
        honest.wire, honest.waiting, honest.synced = wire, None, False
        self.watch(wire, honest)
        # As the browser does on join: its presence, under its document's client id.
        presence = generators.awareness_message([(honest.client_id, 1, '{"user":{}}')])
        wire.emit("awareness", [{"section": honest.section, "data": presence}])
        step1 = bytes.fromhex(self.sandbox.call("step1", honest.key))
        wire.emit("sync", [{"section": honest.section, "data": step1}])

    def start(self) -> None:
        self.sandbox = Sandbox()
        self.server = server_process(self.env)
        self.connect_hostile()
        for section in self.sections:
            for email in HONEST:
                self.next_ident += 1
                honest = Honest(email, section, self.next_ident)
                honest.key, honest.client_id = self.new_document()
                self.honest.append(honest)
                self.attach(honest)

    def restart(self) -> None:
        """A new server process on the same database; a section whose loading kills it or
        that no longer loads is emptied (or left out); everyone reconnects."""
        for _attempt in range(len(self.sections) + 3):
            self.report.restarts += 1
            self.server = server_process(self.env)
            section = None
            try:
                for section in list(self.healthy):
                    _, why = self.fresh_text(section)
                    if why is not None:
                        self.unloadable(section, why, self.last_store_of(section))
                section = None
                if self.repairs:
                    self.server.stop()
                    self.drop_connections()
                    self.repair_stopped()
                    continue
                self.connect_hostile()
                for honest in self.honest:
                    if honest.section in self.healthy:
                        self.attach(honest)
                self.last_honest_ack = time.monotonic()
                self.peak_seen = rss_mb(self.server.process.pid, "VmHWM")
                return
            except Closed:
                time.sleep(0.5)
                if self.server.alive():  # it does not answer: busy loading the section
                    self.server.process.kill()
                    self.server.process.wait()
                    self.report.stalls += 1
                exit_ = describe_exit(self.server.process.poll())
                if exit_ == "SIGKILL":
                    exit_ = "hangs, killed"
                store = self.last_store_of(section) if section else None
                self.report.crashes.append(
                    {"effect": "crash on load" if section else "crash on reconnect",
                     "exit": exit_, "section": section,
                     "generator": store.generator if store else None, "log": self.log_tail()}
                )  # fmt: skip
                if section:
                    self.unloadable(section, f"the server dies loading it ({exit_})", store)
                self.server.stop()
                self.drop_connections()
                self.repair_stopped()
        raise RuntimeError("the server does not come back")

    def repair_stopped(self) -> None:
        """Empty the sections found unloadable (the server is stopped): the honest clients'
        edits there are no longer counted (``retired``), the fuzzer threw them away."""
        for section in sorted(self.repairs):
            for honest in self.honest:
                if honest.section == section:
                    self.report.retired_by_repair += sum(1 for i in honest.typed.values() if i == 0)
                    honest.typed.clear()
                    honest.unsaved.clear()
            command = [sys.executable, "-c", REPAIR, section]
            subprocess.run(command, cwd=ROOT, env=self.env, check=True, capture_output=True)
            self.ctx.states.pop(section, None)
            self.ctx.memory.clear()
        self.repairs.clear()

    def repair(self) -> None:
        self.server.stop()
        self.drop_connections()
        self.repair_stopped()
        self.restart()

    def recover(self, effect: str) -> None:
        """The server died (or stalled and was killed): note it, save the message in flight
        (or the last accepted update), restart."""
        flight = self.flight
        message = flight.message if flight else self.last_store
        record = {
            "effect": effect,
            "exit": describe_exit(self.server.process.poll()),
            "generator": message.generator if message else None,
            "note": message.note if message else None,
            "while": flight.stage if flight else "after the last accepted update",
            "log": self.log_tail(),
        }
        if effect == "stall":
            self.report.stalls += 1
        else:
            self.report.crashes.append(record)
        self.save(message, f"{effect} ({record['exit']})", record)
        if message is not None:
            self.strike(message.generator)
        self.server.stop()
        self.drop_connections()
        self.restart()

    def last_store_of(self, section: str | None) -> Message | None:
        recent = self.history.get(section or "")
        return recent[-1] if recent else None

    def unloadable(self, section: str, why: str, message: Message | None) -> None:
        """Note a section that no longer loads; then empty it (``--repair``, the default:
        the server is restarted) or leave it out of the run."""
        after = message.generator if message else "?"
        self.report.unloadable.append((section, f"{why} (after {after})"))
        self.save(message, f"unloadable: {why}", {"section": section})
        if message is not None:
            self.strike(message.generator)
        self.history.pop(section, None)
        if self.args.repair:
            self.repairs.add(section)
            return
        if section in self.healthy:
            self.healthy.remove(section)
        self.ctx.sections[:] = self.healthy
        self.burst = [m for m in self.burst if m.section in self.healthy]

    def strike(self, name: str) -> None:
        self.strikes[name] += 1
        if self.strikes[name] >= self.args.max_crashes_per_generator and name in self.enabled:
            self.enabled.remove(name)
            self.report.disabled.append(name)
            self.burst = [m for m in self.burst if m.generator != name]

    def save(self, message: Message | None, effect: str, detail: dict) -> None:
        if self.save_dir is None or message is None:
            return
        self.save_dir.mkdir(parents=True, exist_ok=True)
        history = self.history.get(message.section or "", ())
        record = {
            "generator": message.generator,
            "effect": effect,
            "hex": (message.data or b"").hex(),
            "message": message.to_json(),
            "before": [m.to_json() for m in history if m is not message],
            "detail": {k: v for k, v in detail.items() if k != "generator"},
        }
        digest = hashlib.sha1(json.dumps(record["message"]).encode()).hexdigest()[:10]  # noqa: S324
        path = self.save_dir / f"{message.generator}-{digest}.json"
        if path.exists():  # the same message did several things: keep them all
            earlier = json.loads(path.read_text())
            record["effect"] = f"{earlier['effect']}; {effect}"
        path.write_text(json.dumps(record, indent=1) + "\n")
        if str(path) not in self.report.saved:
            self.report.saved.append(str(path))

    # --- replies ------------------------------------------------------------------------

    def honest_packet(self, honest: Honest, packet) -> None:
        kind, key, args = packet
        if kind == "event":
            reply = _reply(args)
            if key == "error":
                self.report.errors["honest", reply.get("code")] += 1
                self.report.examples.setdefault(("honest", reply.get("code")), reply.get("message"))
            elif key == "sync" and reply.get("section") == honest.section:
                data = reply.get("data")
                if isinstance(data, bytes) and len(data) > 1:
                    self.honest_sync(honest, data)
            return
        reply = _reply(args)
        ok = bool(reply.get("ok"))
        if not ok:
            self.report.errors["honest", reply.get("error")] += 1
        if key in honest.step2s:  # its answer to the server's step 1: all it had, saved
            saved = honest.step2s.pop(key)
            if ok:
                for marker in saved & honest.unsaved:
                    honest.typed[marker] = 0
                    self.report.honest_acked_later += 1
                honest.unsaved -= saved
            return
        if honest.waiting is None or honest.waiting[0] != key:
            return  # a step 1 of a re-sync, or a reply given up on
        _, marker, sent = honest.waiting
        honest.waiting = None
        now = time.monotonic()
        if ok:
            honest.typed[marker] = 0
            self.report.honest_acked += 1
            self.report.honest_latency.append(now - sent)
            self.last_honest_ack = now
        else:
            self.report.honest_refused[reply.get("error")] += 1
            if reply.get("error") in ("resync", "unavailable"):
                # As the browser does: step 1 again; the server asks for all it lacks.
                honest.unsaved.add(marker)
                step1 = bytes.fromhex(self.sandbox.call("step1", honest.key))
                honest.wire.emit("sync", [{"section": honest.section, "data": step1}])
                self.last_honest_ack = now  # answered, if not with ok
        honest.next_at = now + self.typing_rng.uniform(*self.args.typing_pause)

    def honest_sync(self, honest: Honest, data: bytes) -> None:
        """A sync message for an honest client: apply it (sandbox), answer step 1."""
        honest.synced |= data[1] == 1
        try:
            reply = self.sandbox.call("sync", honest.key, data.hex())
        except SandboxError as error:
            self.report.honest_unappliable[str(error).split(":")[0]] += 1
            origin = self.origin_of(data)
            if self.report.honest_unappliable.total() <= 20:  # the first ones tell enough
                self.save(origin, f"relayed, an honest client cannot apply it: {error}", {})
            return
        except SandboxDied as error:
            self.sandbox_died(str(error), self.origin_of(data) or self.last_store)
            return
        if reply:
            message = bytes.fromhex(reply)
            ident = honest.wire.emit("sync", [{"section": honest.section, "data": message}])
            honest.step2s[ident] = set(honest.unsaved)

    @staticmethod
    def update_digest(data: bytes) -> bytes:
        """Of the update a sync message carries, as the server reads it (its length first)."""
        try:
            reader = Reader(data[2:])
            length = reader.var_uint()
        except UpdateFormatError:
            return b""
        return hashlib.sha1(data[2 + reader.pos : 2 + reader.pos + length]).digest()  # noqa: S324

    def origin_of(self, relayed: bytes) -> Message:
        """The hostile's accepted message the server relays as ``relayed`` (or the relayed
        message itself, from nobody known)."""
        found = self.relayed.get(self.update_digest(relayed))
        return found or Message("sync", [{"section": "?", "data": relayed}], "relayed", "?")

    def hostile_packet(self, packet) -> None:
        kind, key, args = packet
        if kind == "event":
            if key == "error":
                code = _reply(args).get("code")
                self.report.errors["hostile", code] += 1
                self.report.examples.setdefault(("hostile", code), _reply(args).get("message"))
            return
        flight = self.flight
        if flight is None or key != flight.ident:
            return  # a reply we gave up on
        self.flight, reply, message = None, _reply(args), flight.message
        ok = bool(reply.get("ok"))
        if flight.stage == "message":
            self.report.outcomes[message.generator]["ok" if ok else str(reply.get("error"))] += 1
            if reply.get("error") == "rate_limited":
                self.pause_until = time.monotonic() + 0.05  # some of the rest may get through
            took = time.monotonic() - flight.sent
            slowest = self.report.slowest.get(message.generator)
            if slowest is None or took > slowest[0]:
                self.report.slowest[message.generator] = (took, message.note)
            peak = rss_mb(self.server.process.pid, "VmHWM")
            if peak > self.peak_seen + 20:
                self.report.memory[message.generator].append((peak - self.peak_seen, message.note))
            self.peak_seen = max(self.peak_seen, peak)
            if ok and message.stores() and message.section in self.healthy:
                self.history[message.section].append(message)
                self.last_store = message
                # The server relays it as an update message: same bytes after the type.
                self.relayed[self.update_digest(message.data)] = message
                if len(self.relayed) > 2000:
                    self.relayed.pop(next(iter(self.relayed)))
                # Does the section still load, as a fresh client would? (join, step 1)
                self.report.probes += 1
                ident = self.hostile.emit("join", [{"section": message.section}])
                self.flight = InFlight(ident, message, time.monotonic(), "join")
        elif not ok and reply.get("error") in TRANSIENT:
            self.report.probes_inconclusive += 1
            self.pause_until = time.monotonic() + 0.2
        elif not ok:
            why = f"{flight.stage}: {reply.get('error')}: {reply.get('message')}"
            self.unloadable(message.section, why, message)
        elif flight.stage == "join":
            vector = generators.state_vector(self.ctx.clients.get(message.section, {}))
            step1 = generators.sync_message(generators.STEP1, vector)
            ident = self.hostile.emit("sync", [{"section": message.section, "data": step1}])
            self.flight = InFlight(ident, message, time.monotonic(), "step 1")

    # --- the loop -----------------------------------------------------------------------

    def refresh_context(self) -> None:
        """What the hostile knows of its sections: the honest clients' client ids and
        clocks; its view of each section takes in an honest client's document."""
        self.ctx.clients = {}
        for honest in self.honest:
            if honest.section not in self.healthy:
                continue
            try:
                vector = state_vector(bytes.fromhex(self.sandbox.call("state", honest.key)))
            except SandboxError:
                self.reset_honest(honest)
                continue
            clients = self.ctx.clients.setdefault(honest.section, {})
            clients[honest.client_id] = vector.get(honest.client_id, 0)

    def reset_honest(self, honest: Honest) -> None:
        """An honest client's own document broke (pycrdt raised on it): as a browser would
        after a reload, start again with a new document, and sync."""
        self.report.honest_reset += 1
        self.retire(honest)
        with contextlib.suppress(SandboxError):
            self.sandbox.call("drop", honest.key)
        honest.key, honest.client_id = self.new_document()
        self.unwatch(honest.wire)
        honest.wire = None
        self.attach(honest)

    def next_message(self) -> Message | None:
        while not self.burst:
            if not self.enabled or not self.healthy:
                return None
            name = generators.pick(self.rng, self.enabled)
            self.burst = list(generators.GENERATORS[name][0](self.rng, self.ctx))
        return self.burst.pop(0)

    def type_honest(self, now: float) -> None:
        for honest in self.honest:
            if honest.section not in self.healthy or honest.wire is None:
                continue
            if honest.waiting or now < honest.next_at or not honest.synced:
                continue
            honest.seq += 1
            marker = f"{{{honest.ident}.{honest.seq}}}"
            fraction = self.typing_rng.random()
            try:
                update = bytes.fromhex(self.sandbox.call("type", honest.key, marker, fraction, 0))
            except SandboxError:
                self.reset_honest(honest)
                continue
            data = create_update_message(update)
            ident = honest.wire.emit("sync", [{"section": honest.section, "data": data}])
            honest.typed[marker] = ident
            self.marker_section[marker] = honest.section
            honest.waiting = (ident, marker, time.monotonic())

    def read(self, owner) -> None:
        if owner is None:
            for packet in self.hostile.read():
                self.hostile_packet(packet)
        elif owner.wire is not None:
            for packet in owner.wire.read():
                self.honest_packet(owner, packet)

    def check_timeouts(self, now: float) -> None:
        flight = self.flight
        if flight and now - flight.sent > self.args.reply_timeout:
            stage = "" if flight.stage == "message" else f" (probe {flight.stage})"
            self.report.hung[flight.message.generator + stage] += 1
            self.save(flight.message, "hung reply" + stage, {"note": flight.message.note})
            self.flight = None
        for honest in self.honest:
            if honest.waiting and now - honest.waiting[2] > self.args.reply_timeout:
                self.report.honest_hung += 1
                honest.waiting = None  # it types on; the update is re-sent on a re-sync

    def closed(self, owner) -> None:
        """A connection closed: the server died, or it closed this one connection."""
        deadline = time.monotonic() + 2
        while self.server.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if not self.server.alive():
            self.recover("crash")
            return
        if owner is None:
            flight = self.flight
            self.report.disconnects[flight.message.generator if flight else "?"] += 1
            if flight and flight.stage == "message":
                self.report.outcomes[flight.message.generator]["disconnected"] += 1
            self.unwatch(self.hostile)
            self.flight = None
            self.connect_hostile()
        else:
            self.report.disconnects["honest"] += 1
            self.unwatch(owner.wire)
            owner.wire = None
            self.attach(owner)

    def run(self) -> None:
        started = time.monotonic()
        self.start()
        self.report.rss_before = rss_mb(self.server.process.pid)
        self.peak_seen = rss_mb(self.server.process.pid, "VmHWM")
        deadline = started + self.args.max_seconds
        refreshed = -1
        while time.monotonic() < deadline:
            if self.report.sent >= self.args.messages and self.flight is None:
                break
            owner = None
            try:
                if not self.server.alive():
                    raise Closed("the server died")
                if self.report.sent // 20 != refreshed:
                    refreshed = self.report.sent // 20
                    self.refresh_context()
                paused = time.monotonic() < self.pause_until
                if self.flight is None and self.report.sent < self.args.messages and not paused:
                    if (message := self.next_message()) is None:
                        break
                    self.report.messages[message.generator] += 1
                    ident = self.hostile.emit(message.event, message.args)
                    self.flight = InFlight(ident, message, time.monotonic())
                self.type_honest(time.monotonic())
                for key, _ in self.selector.select(0.02):
                    owner = key.data
                    self.read(owner)
                owner = None
                if self.repairs and self.flight is None:
                    self.repair()
                now = time.monotonic()
                self.check_timeouts(now)
                waiting = any(h.waiting for h in self.honest if h.section in self.healthy)
                if waiting and now - self.last_honest_ack > self.args.stall_seconds:
                    self.server.process.kill()
                    self.server.process.wait()
                    self.recover("stall")
                elif not waiting:
                    self.last_honest_ack = max(self.last_honest_ack, now - 1)
            except Closed:
                self.closed(owner)
            except SandboxDied as error:
                self.sandbox_died(str(error), self.last_store)
        self.report.rss_after = rss_mb(self.server.process.pid)
        self.report.rss_peak = rss_mb(self.server.process.pid, "VmHWM")
        for _attempt in range(3):
            try:
                self.verify()
                break
            except Closed:
                if self.server.alive():
                    raise
                self.recover("crash")
            except SandboxDied as error:
                self.sandbox_died(str(error), self.last_store)
        self.report.wall = time.monotonic() - started

    # --- the end ------------------------------------------------------------------------

    def settle(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for key, _ in self.selector.select(0.05):
                try:
                    self.read(key.data)
                except Closed:
                    self.closed(key.data)
                    break  # the selector's keys changed
            self.check_timeouts(time.monotonic())

    def verify(self) -> None:
        """Sync every honest client again, then compare with a fresh client of each section;
        an acknowledged marker missing from the section while its author still has it is
        lost (one deleted by the hostile is gone from its author's text too)."""
        if self.repairs:
            self.repair()
        deadline = time.monotonic() + self.args.reply_timeout + 1
        while (self.flight or any(h.waiting for h in self.honest)) and time.monotonic() < deadline:
            self.settle(0.1)
        for honest in self.honest:
            if honest.section in self.healthy and honest.wire is not None:
                step1 = bytes.fromhex(self.sandbox.call("step1", honest.key))
                honest.wire.emit("sync", [{"section": honest.section, "data": step1}])
        self.settle(1.5)
        self.report.diverged, self.report.lost, self.report.missing_retired = [], [], []
        for section in self.sections:
            if section not in self.healthy:
                continue
            text, why = self.fresh_text(section)
            if why is not None:
                self.unloadable(section, why, self.last_store_of(section))
                continue
            self.report.sizes[section] = len(text)
            members = [h for h in self.honest if h.section == section]
            texts = {}
            for honest in members:
                try:
                    texts[honest.key] = self.sandbox.call("text", honest.key)
                except SandboxError:
                    texts[honest.key] = None
            if any(own != text for own in texts.values()):
                self.report.diverged.append(section)
            for honest in members:
                own = texts[honest.key] or ""
                for marker, ident in honest.typed.items():
                    if ident == 0 and marker not in text and marker in own:
                        self.report.lost.append(f"{section} {marker}")
            for marker in sorted(self.report.retired):
                if self.marker_section.get(marker) == section and marker not in text:
                    self.report.missing_retired.append(f"{section} {marker}")

    def stop(self) -> None:
        self.drop_connections()
        if self.server is not None:
            self.server.stop()
        if self.sandbox is not None:
            self.sandbox.close()


# --- setup, report, entry points ---------------------------------------------------------


def create_database(url: str) -> str:
    """A new, empty PostgreSQL database next to ``url``, for this run only."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"palabre_fuzz_{uuid.uuid4().hex[:10]}"
    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def prepared_instance(
    database_url: str | None,
) -> tuple[dict[str, str], dict[str, str], str | None]:
    """A migrated database with the demo and the fuzz accounts: (server env, cookies, the
    PostgreSQL database to drop afterwards)."""
    extra, created = {}, None
    if database_url and database_url.startswith("postgresql"):
        created = extra["DATABASE_URL"] = create_database(database_url)
    elif database_url:
        extra["DATABASE_URL"] = database_url
    env = environment(Path(tempfile.mkdtemp(prefix="palabre-fuzz-")), **extra)
    try:
        prepare_database(env)
        setup = [sys.executable, "-c", SETUP]
        output = subprocess.run(
            setup, cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=120
        )
    except BaseException:
        if created:
            drop_database(created)
        raise
    return env, json.loads(output.stdout.splitlines()[-1]), created


def run(args) -> Report:
    env, cookies, created = prepared_instance(args.database_url)
    fuzz = Fuzz(args, env, cookies)
    try:
        fuzz.run()
    finally:
        fuzz.stop()
        if created:
            drop_database(created)
    return fuzz.report


def options(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.fuzz_collab",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--messages", type=int, default=10_000, help="hostile messages to send")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sections", type=int, default=3, help="sections of the group, 1 to 7")
    parser.add_argument("--database-url", help="PostgreSQL: a fresh database next to this URL")
    parser.add_argument("--save-crashers", metavar="DIR", help="save crashing messages here")
    parser.add_argument("--generators", help="comma-separated subset (default: all)")
    parser.add_argument(
        "--typing-pause",
        type=lambda text: tuple(float(x) for x in text.split(",")),
        default=(0.1, 0.3),
        help="seconds an honest member waits after an acknowledgement (min,max)",
    )
    parser.add_argument("--reply-timeout", type=float, default=5.0, help="seconds: hung after")
    parser.add_argument("--stall-seconds", type=float, default=30.0)
    parser.add_argument("--max-seconds", type=float, default=900.0, help="bound of the run")
    parser.add_argument("--max-crashes-per-generator", type=int, default=3)
    parser.add_argument(
        "--no-repair",
        dest="repair",
        action="store_false",
        help="leave unloadable sections out (default: empty them and go on)",
    )
    parser.add_argument(
        "--triage", nargs="+", metavar="FILE", help="run saved crashers against pycrdt alone"
    )
    parser.add_argument("--replay", nargs="+", metavar="FILE", help="saved crashers to replay")
    args = parser.parse_args(argv)
    if not 1 <= args.sections <= len(KEYS):
        parser.error("--sections is 1 to 7")
    return args


def print_report(report: Report, args) -> None:
    print(
        f"hostile messages sent: {report.sent} (seed {args.seed}), probes: {report.probes} "
        f"({report.probes_inconclusive} answered 'not now': rate_limited, unavailable, resync)"
    )
    width = max(map(len, generators.GENERATORS))
    for name in generators.GENERATORS:
        if report.messages[name]:
            replies = ", ".join(f"{k} {v}" for k, v in report.outcomes[name].most_common())
            print(f"  {name:<{width}} {report.messages[name]:>6}  {replies}")
    slow = sorted(report.slowest.items(), key=lambda item: -item[1][0])[:5]
    print("slowest replies: " + "; ".join(f"{n} {t:.1f} s ({note})" for n, (t, note) in slow))
    if report.memory:
        jumps = [(mb, n, note) for n, items in report.memory.items() for mb, note in items]
        jumps.sort(reverse=True)
        print("server peak RSS raised by: " + "; ".join(
            f"{n} +{mb:.0f} MB ({note})" for mb, n, note in jumps[:5]))  # fmt: skip
    print(f"server crashes: {len(report.crashes)} (restarts: {report.restarts})")
    for crash in report.crashes:
        log = crash.get("log", "").strip().splitlines()
        cause = next((line for line in reversed(log) if "panicked" in line or "Fatal" in line), "")
        print(
            f"  {crash['effect']}: {crash['exit']} — {crash.get('generator')} "
            f"({crash.get('note') or crash.get('section') or ''}) while {crash.get('while', '-')}"
            + (f"\n    {cause.strip()[:200]}" if cause else "")
        )
    print(
        f"stalls (no honest acknowledgement for {args.stall_seconds:g} s, killed): {report.stalls}"
    )
    hung = ", ".join(f"{k} {v}" for k, v in report.hung.most_common()) or "none"
    print(f"hung replies (> {args.reply_timeout:g} s): hostile {sum(report.hung.values())} "
          f"({hung}); honest {report.honest_hung}")  # fmt: skip
    closed = ", ".join(f"{k} {v}" for k, v in report.disconnects.most_common()) or "none"
    print(f"connections the server closed: {closed}")
    for who in ("hostile", "honest"):
        codes = {c: n for (w, c), n in report.errors.items() if w == who}
        text = ", ".join(f"{c} {n}" for c, n in sorted(codes.items(), key=lambda x: -x[1]))
        print(f"error events/refusals to the {who} client(s) by code: {text or 'none'}")
        if who == "honest":
            for code in codes:
                print(f"  {code}: e.g. {str(report.examples.get((who, code)))[:160]}")
    latency = sorted(report.honest_latency) or [float("nan")]
    p99 = latency[min(len(latency) - 1, 99 * len(latency) // 100)] * 1000
    refused = ", ".join(f"{k} {v}" for k, v in report.honest_refused.items()) or "none"
    print(
        f"honest edits acknowledged: {report.honest_acked} (p50 "
        f"{latency[len(latency) // 2] * 1000:.0f} ms, p99 {p99:.0f} ms, max "
        f"{latency[-1] * 1000:.0f} ms), refused: {refused} ({report.honest_acked_later} saved "
        f"later by a re-sync), lost: {len(report.lost)}"
    )
    if report.honest_unappliable:
        print(f"relayed updates honest clients could not apply: {dict(report.honest_unappliable)}")
    for crash in report.client_crashes:
        print(
            f"  pycrdt client crashed: {crash['why']} after {crash['generator']} ({crash['note']})"
        )
    if report.honest_reset or report.client_crashes:
        print(
            f"honest clients started again with a new document: {report.honest_reset} "
            f"(their document broke), {len(report.client_crashes)} times all (pycrdt crashed); "
            f"of their acknowledged markers, {len(report.missing_retired)} are not in the "
            f"section at the end"
        )
    print("characters per section at the end: " + ", ".join(
        f"{s.rsplit('/', 1)[1]} {n}" for s, n in report.sizes.items()))  # fmt: skip
    for lost in report.lost[:10]:
        print(f"  lost: {lost}")
    print(f"diverged sections: {len(report.diverged)} {report.diverged or ''}")
    repaired = (
        f" (each emptied by the fuzzer, then the run went on; {report.retired_by_repair} "
        "acknowledged honest edits in them not counted)"
        if args.repair
        else ""
    )
    print(f"sections found unloadable: {len(report.unloadable)}{repaired}")
    for section, why in report.unloadable:
        print(f"  {section}: {why[:300]}")
    if report.disabled:
        print(f"generators switched off after {args.max_crashes_per_generator} strikes: "
              + ", ".join(report.disabled))  # fmt: skip
    growth = report.rss_after - report.rss_before
    restarted = " (across restarts: not comparable)" if report.restarts else ""
    print(f"server RSS: {report.rss_before:.0f} MB before, {report.rss_after:.0f} MB after "
          f"(+{growth:.0f} MB, target < {RSS_TARGET_MB}), "
          f"peak {report.rss_peak:.0f} MB{restarted}")  # fmt: skip
    print(f"wall time: {report.wall:.1f} s")
    if report.saved:
        print(f"crashers saved: {len(report.saved)} in {args.save_crashers}")
    print("result: " + ("FAILED" if report.failed() else "OK"))


# --- replaying saved crashers -------------------------------------------------------------


def replay(path: Path, args) -> str:
    """Send a saved crasher (its ``before`` messages, then itself) to a fresh server, as the
    hostile member; tell what happened."""
    saved = json.loads(path.read_text())
    messages = [Message.from_json(m) for m in saved.get("before", [])]
    messages.append(Message.from_json(saved["message"]))
    env, cookies, created = prepared_instance(args.database_url)
    server = server_process(env)
    outcome = []
    try:
        wire = Wire(server.url, cookies[HOSTILE])
        section = messages[-1].section or f"{EDITION}/{GROUP}/q1"
        wire.wait_ack(wire.emit("join", [{"section": section}]), 10)
        fuzz = Fuzz(args, env, cookies)
        fuzz.server = server

        def after_restart() -> str:
            """Once the server died: does the section load in a new server process?"""
            fuzz.server.stop()
            fuzz.server = server_process(env)
            try:
                _, why = fuzz.fresh_text(section)
            except Closed:
                time.sleep(1)
                return f"the server dies loading it ({describe_exit(fuzz.server.process.poll())})"
            return f"unloadable: {why}" if why else "it loads"

        for message in messages:
            started = time.monotonic()
            try:
                reply = wire.wait_ack(wire.emit(message.event, message.args), args.reply_timeout)
            except Closed:
                time.sleep(1)
                if not server.alive():
                    exit_ = describe_exit(server.process.poll())
                    then = after_restart()
                    return f"replies {outcome}, then crash ({exit_}); after a restart, {then}"
                outcome.append("connection closed")
                wire = Wire(server.url, cookies[HOSTILE])
                continue
            answer = "hung" if reply is None else str(_reply(reply).get("error") or "ok")
            outcome.append(f"{answer} in {time.monotonic() - started:.1f} s")
        try:
            _, why = fuzz.fresh_text(section)
        except Closed:
            time.sleep(1)
            exit_ = describe_exit(server.process.poll())
            return (
                f"replies {outcome}; a fresh client's join + step 1 kills it ({exit_}); "
                f"after a restart, {after_restart()}"
            )
        peak = rss_mb(server.process.pid, "VmHWM")
        loads = f"unloadable: {why}" if why else "loads"
        return f"replies {outcome}; section {loads}; server peak RSS {peak:.0f} MB"
    finally:
        fuzz_server = locals().get("fuzz")
        if fuzz_server is not None and fuzz_server.server is not server:
            fuzz_server.server.stop()
        server.stop()
        if created:
            drop_database(created)


# Run in a child process: what pycrdt alone does with a saved crasher's updates, as the server
# would: read the message, check it on a fresh Doc, apply it to the section's document (the
# updates before it applied first), encode the document (step 2, compaction). One JSON line
# per stage reached, so that a signal shows where it struck.
TRIAGE = """
import json, sys
from pycrdt import Doc, read_message
section = Doc()
for n, line in enumerate(sys.stdin):
    data = bytes.fromhex(line.strip())
    if len(data) < 3 or data[0] != 0 or data[1] not in (0, 1, 2):
        print(json.dumps([n, "not a sync message", "-"]), flush=True)
        continue
    for stage, work in (
        ("read", lambda: read_message(data[2:])),
        ("check", lambda: data[1] == 0 or Doc().apply_update(read_message(data[2:]))),
        ("apply", lambda: data[1] == 0 or section.apply_update(read_message(data[2:]))),
        ("encode", lambda: section.get_update(read_message(data[2:])) if data[1] == 0
                          else section.get_update()),
    ):
        print(json.dumps([n, stage, "..."]), flush=True)
        try:
            work()
        except BaseException as error:
            print(json.dumps([n, stage, f"{type(error).__name__}: {str(error)[:120]}"]), flush=True)
            break
    else:
        print(json.dumps([n, "all", "ok"]), flush=True)
"""


def triage(path: Path) -> list[str]:
    """What each message of a saved crasher (``before`` ones, then itself) does to pycrdt."""
    saved = json.loads(path.read_text())
    messages = [Message.from_json(m) for m in saved.get("before", [])]
    messages.append(Message.from_json(saved["message"]))
    datas = [(m.data or b"").hex() for m in messages if m.event == "sync"]
    child = subprocess.run(
        [sys.executable, "-c", TRIAGE], input="\n".join(datas) + "\n", capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    results: dict[int, str] = {}
    for line in child.stdout.splitlines():
        n, stage, what = json.loads(line)
        results[n] = f"{stage}: {what}" if what != "ok" else "ok"
    lines = [f"#{n}: {results[n]}" for n in sorted(results)]
    if child.returncode:
        panic = [line for line in child.stderr.splitlines() if "panicked" in line]
        lines.append(
            f"then {describe_exit(child.returncode)}" + (f" after {panic[-1]}" if panic else "")
        )
        lines[-2] = lines[-2].replace("...", describe_exit(child.returncode))
    return lines


def main(argv: list[str] | None = None) -> int:
    args = options(argv)
    if args.triage:
        for name in args.triage:
            path = Path(name)
            for file in sorted(path.glob("*.json")) if path.is_dir() else [path]:
                saved = json.loads(file.read_text())
                print(f"{file.name}: [{saved['generator']}, saved as: {saved['effect']}]")
                for line in triage(file):
                    print(f"  {line}")
        return 0
    if args.replay:
        files = []
        for name in args.replay:
            path = Path(name)
            files += sorted(path.glob("*.json")) if path.is_dir() else [path]
        for path in files:
            saved = json.loads(path.read_text())
            print(f"{path.name}: [{saved['generator']}, saved as: {saved['effect']}]")
            print(f"  now: {replay(path, args)}", flush=True)
        return 0
    report = run(args)
    print_report(report, args)
    return 1 if report.failed() else 0


if __name__ == "__main__":
    sys.exit(main())
