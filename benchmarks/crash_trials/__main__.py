"""Crash trials: is every acknowledged update still there after a SIGKILL of the server?

    .venv/bin/python -m benchmarks.crash_trials [--trials 100] \
        [--databases sqlite,postgresql] [--seed 1] [--sections q1]

Per database, one fresh database (SQLite: a migrated file in a temporary instance;
PostgreSQL: a database created on ``--postgres`` and dropped at the end), migrated as
``make run`` does, with the demo and a third member of the Government group. Then
``--trials`` trials on that same database, so that the log and snapshot of each section
accumulate (past ``COMPACT_AFTER_UPDATES`` the server compacts, several times over a run):

1. the server (``python serve.py``) runs; per section, two members of the group
   (writers) and a third (the reader) join and sync (step 1 → step 2);
2. the writers type unique markers (``{1.57}``: writer 1's 57th) between existing ones, each
   waiting for the acknowledgement of each update before the next, then pausing (seeded, 0
   to 2 × ``--pause`` s); those acknowledged ``{ok: true}`` are recorded; the reader records
   every marker its document receives (the relays, and its step 2 at the join);
3. at a random moment (seeded, ``--min-delay`` to ``--max-delay`` seconds of typing) the
   server is SIGKILLed, restarted on the same database, and a fresh client joins each
   section (step 1 → step 2) and reads its text.

Counted per database (every check compares with everything acknowledged or received
since the first trial, so a later compaction that drops older rows is caught too):
acknowledged lost (an acknowledged marker absent after some restart; how many are still
absent after the last one is shown too), received lost (a marker
the reader had received but absent: the server relays only committed updates, so it must be
0 too), duplicated (a marker present twice), unloadable (join or step 1 refused, or no
step 2, after a restart), setup errors (a writer or the reader could not join before the
kill: the trial proves less). Also shown: updates acknowledged, refused (``{ok: false}``), in
flight at the kill (sent, never answered: durable or not, both are fine), trials after which
the snapshot had changed (a compaction ran), rows set aside in the log (a stored update no
load could apply: there should be none from honest writers), restart time, and tracebacks
in the server logs. Exits 1 unless nothing is lost, duplicated,
unloadable or failed to join. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from pycrdt import create_update_message
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from benchmarks.collab_load.__main__ import MARKER, Editor, SocketIOTransport
from tests.collaboration.serverproc import ROOT, ServerProcess, environment, prepare_database

EDITION, GROUP = "malisig-2023", "gouvernement"
WRITERS = ("gouvernement1@demo.palabre", "gouvernement2@demo.palabre")
READER = "gouvernement3@crash.palabre"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
TIMEOUT = 20.0  # seconds a client waits for any one frame from a live server

# Run with the server's environment, after ``prepare_database``: a third member of the
# group (the reader), then the session cookies a logged-in browser of each would send.
COOKIES = """
import json, sys
from sqlalchemy import select
from app import create_app
from app.accounts.services import create_user, find_user
from app.config import Config
from app.extensions import db
from app.workshops import services
from app.workshops.demo import DEMO_PASSWORD
from app.workshops.models import Edition, Role
edition_slug, group_slug, reader, *writers = sys.argv[1:]
app, cookies = create_app(Config()), {}
with app.app_context():
    edition = db.session.scalar(select(Edition).where(Edition.slug == edition_slug))
    user = create_user(reader, "Lectrice des essais", DEMO_PASSWORD)
    group = services.get_group(edition, group_slug)
    services.set_membership(edition, user, Role.PARTICIPANT, group)
    db.session.commit()
    for email in (reader, *writers):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = find_user(email).get_id(), True
        cookies[email] = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
print(json.dumps(cookies))
"""


class Unloadable(Exception):
    """A section refused (join or step 1 answered with an error), or no step 2 came."""


class Member(Editor):
    """collab_load's editor (raw Socket.IO transport, pycrdt document), typing markers
    only between whole markers so that each stays readable in the text."""

    def type_marker(self, rng: random.Random) -> str:
        self.seq += 1
        marker, current = f"{{{self.ident}.{self.seq}}}", str(self.text)
        at = rng.choice([0, *(m.end() for m in MARKER.finditer(current))])
        before = self.doc.get_state()
        self.local = True
        self.text.insert(len(current[:at].encode()), marker)
        self.local = False
        self.transport.send(create_update_message(self.doc.get_update(before)))
        return marker

    def settle(self) -> None:
        """Read until every request so far is answered."""
        while self.transport.acks < self.transport.expected:
            self.receive()

    def markers(self) -> Counter:
        return Counter(MARKER.findall(str(self.text)))

    def close(self) -> None:
        with suppress(Exception):  # the server may be gone already
            self.transport.ws.close(timeout=0.05)


def join(url: str, cookie: str, section: str, ident: int) -> Member:
    """Connect, join, sync (step 1 → step 2, and our step 2 to its step 1)."""
    try:
        transport = SocketIOTransport(url, cookie, section)
    except RuntimeError as error:  # "join refused: {...}"
        raise Unloadable(str(error)) from error
    transport.ws.settimeout(TIMEOUT)
    member = Member(ident, 0, transport, {})
    while not member.synced or transport.acks < transport.expected:
        member.receive()
    if transport.errors:
        member.close()
        raise Unloadable(f"{section}: step 1 or 2 refused")
    return member


@dataclass
class Ledger:
    """Everything one database's trials saw (markers: ``{ident.seq}``)."""

    database: str
    trials: int = 0
    acked: set[str] = field(default_factory=set)
    received: set[str] = field(default_factory=set)
    refused: int = 0
    in_flight: int = 0
    lost_acked: set[str] = field(default_factory=set)
    still_lost: int = 0  # acknowledged markers absent at the last check
    lost_received: set[str] = field(default_factory=set)
    duplicated: set[str] = field(default_factory=set)
    unloadable: int = 0
    setup_errors: int = 0
    compacted: int = 0  # trials after which a section's snapshot had changed
    set_aside: int = 0  # rows set aside (quarantined) in the log, at the last check
    log_rows: int = 0
    restarts: list[float] = field(default_factory=list)
    tracebacks: int = 0
    seq: dict[int, int] = field(default_factory=dict)  # the last marker number per writer
    snapshots: dict[int, object] = field(default_factory=dict)  # section id → updated_at
    notes: list[str] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)

    def row(self) -> dict[str, object]:
        restarts = self.restarts or [float("nan")]
        return {
            "database": self.database,
            "trials": self.trials,
            "acked": len(self.acked),
            "received": len(self.received),
            "refused": self.refused,
            "in flight": self.in_flight,
            "acked lost": len(self.lost_acked),
            "still lost at end": self.still_lost,
            "received lost": len(self.lost_received),
            "duplicated": len(self.duplicated),
            "unloadable": self.unloadable,
            "setup errors": self.setup_errors,
            "compacted": self.compacted,
            "set aside": self.set_aside,
            "restart s": f"{sum(restarts) / len(restarts):.2f}/{max(restarts):.2f}",
            "tracebacks": self.tracebacks,
        }

    def failed(self) -> bool:
        return bool(
            self.lost_acked
            or self.lost_received
            or self.duplicated
            or self.unloadable
            or self.setup_errors
        )


def _type(member: Member, rng: random.Random, args, acked: list, refused: list) -> None:
    """Type markers one by one, each acknowledged before the next (then a pause of 0 to
    2 × ``args.pause`` seconds), until the server dies or ``args.max_updates`` are typed."""
    try:
        for _ in range(args.max_updates):
            marker = member.type_marker(rng)
            errors = member.transport.errors
            member.settle()
            (refused if member.transport.errors > errors else acked).append(marker)
            time.sleep(rng.uniform(0, 2 * args.pause))
    except Exception:  # noqa: S110 - the connection died with the server
        pass


def _read(member: Member) -> None:
    try:
        while True:
            member.receive()
    except Exception:  # noqa: S110 - the connection died with the server
        pass


SECTION_ID = text(
    "SELECT s.id FROM sections s JOIN papers p ON s.paper_id = p.id "
    "JOIN stakeholder_groups g ON p.group_id = g.id JOIN editions e ON g.edition_id = e.id "
    "WHERE e.slug = :edition AND g.slug = :group AND s.key = :key"
)
LOG_ROWS = text("SELECT count(*) FROM section_updates WHERE section_id = :id")
SNAPSHOT = text("SELECT updated_at FROM section_snapshots WHERE section_id = :id")
SET_ASIDE = text(
    "SELECT count(*) FROM section_updates WHERE section_id = :id AND quarantined_at IS NOT NULL"
)


def _storage(engine, section_ids: list[int], ledger: Ledger) -> None:
    """What the database holds for the sections (read between trials, server idle)."""
    changed, rows, set_aside = False, 0, 0
    with engine.connect() as connection:
        for section_id in section_ids:
            rows += connection.execute(LOG_ROWS, {"id": section_id}).scalar_one()
            stamp = connection.execute(SNAPSHOT, {"id": section_id}).scalar()
            changed |= stamp is not None and stamp != ledger.snapshots.get(section_id)
            ledger.snapshots[section_id] = stamp
            set_aside += connection.execute(SET_ASIDE, {"id": section_id}).scalar_one()
    ledger.compacted += changed
    ledger.log_rows, ledger.set_aside = rows, set_aside


def trial(
    server: ServerProcess, env: dict, cookies: dict, sections: list[str], ledger: Ledger, args
) -> ServerProcess:
    """One trial on a running server; returns the restarted one (for the next trial)."""
    rng = ledger.rng
    members, threads, acked, refused, received = [], [], [], [], []
    try:
        for s, section in enumerate(sections):
            reader = join(server.url, cookies[READER], section, 0)
            members.append(reader)
            threads.append(threading.Thread(target=_read, args=(reader,), daemon=True))
            for w, email in enumerate(WRITERS):
                ident = 2 * s + w + 1
                writer = join(server.url, cookies[email], section, ident)
                writer.seq = ledger.seq.get(ident, 0)
                members.append(writer)
                typist = random.Random(rng.random())
                work = (writer, typist, args, acked, refused)
                threads.append(threading.Thread(target=_type, args=work, daemon=True))
    except Exception as error:  # a trial without all its clients proves less: say so
        ledger.setup_errors += 1
        ledger.notes.append(f"trial {ledger.trials + 1}: setup: {error!r}")
    for thread in threads:
        thread.start()
    time.sleep(rng.uniform(args.min_delay, args.max_delay))
    server.kill()
    for thread in threads:
        thread.join(timeout=TIMEOUT + 10)
    typed = 0
    for member in members:
        if member.ident:
            typed += member.seq - ledger.seq.get(member.ident, 0)
            ledger.seq[member.ident] = member.seq
        else:
            received.extend(member.markers())
        member.close()
    started = time.monotonic()
    restarted = ServerProcess(env)
    ledger.restarts.append(time.monotonic() - started)
    ledger.trials += 1
    ledger.acked.update(acked)
    ledger.received.update(received)
    ledger.refused += len(refused)
    ledger.in_flight += typed - len(acked) - len(refused)
    stuck = sum(thread.is_alive() for thread in threads)  # none expected: every socket died
    if stuck:
        ledger.notes.append(f"trial {ledger.trials}: {stuck} client threads still running")
    check(restarted, cookies, sections, ledger)
    return restarted


def check(server: ServerProcess, cookies: dict, sections: list[str], ledger: Ledger) -> None:
    """A fresh client reads every section; compare with all that was acknowledged/received."""
    present: Counter = Counter()
    for section in sections:
        try:
            member = join(server.url, cookies[READER], section, 0)
        except Exception as error:
            ledger.unloadable += 1
            ledger.notes.append(f"trial {ledger.trials}: unloadable: {error!r}")
            continue
        present.update(member.markers())
        member.close()
    lost_acked = ledger.acked - present.keys()
    lost_received = ledger.received - present.keys()
    duplicated = {marker for marker, count in present.items() if count > 1}
    if lost_acked or lost_received or duplicated:
        ledger.notes.append(
            f"trial {ledger.trials}: {len(lost_acked)} acknowledged lost "
            f"(e.g. {sorted(lost_acked)[:5]}), {len(lost_received)} received lost, "
            f"{len(duplicated)} duplicated"
        )
    ledger.lost_acked |= lost_acked
    ledger.still_lost = len(lost_acked)
    ledger.lost_received |= lost_received
    ledger.duplicated |= duplicated


@contextmanager
def postgres_database(url: str) -> Iterator[str]:
    """The database named in ``url``, created empty (dropped first if it exists), dropped
    at the end."""
    target = make_url(url)
    admin = create_engine(
        target.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    name = target.database
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield target.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run_database(
    database: str,
    *,
    trials: int,
    seed: int,
    sections: tuple[str, ...] = ("q1",),
    instance: Path | None = None,
    database_url: str | None = None,
    min_delay: float = 0.2,
    max_delay: float = 1.5,
    max_updates: int = 500,
    pause: float = 0.01,
    progress: bool = False,
) -> Ledger:
    """``trials`` crash trials on one fresh database (``sqlite`` or ``postgresql``: on
    ``database_url``, recreated empty, or a new database on ``POSTGRES``)."""
    args = argparse.Namespace(
        min_delay=min_delay, max_delay=max_delay, max_updates=max_updates, pause=pause
    )
    temporary = instance is None
    instance = Path(tempfile.mkdtemp(prefix="palabre-crash-trials-")) if temporary else instance
    addresses = [f"{EDITION}/{GROUP}/{key}" for key in sections]
    ledger = Ledger(database, rng=random.Random(f"{seed}:{database}"))
    try:
        if database == "sqlite":
            url = f"sqlite:///{instance / 'palabre.sqlite3'}"
            _trials(environment(instance), url, addresses, ledger, trials, args, progress)
        elif database == "postgresql":
            with postgres_database(database_url or fresh_name(POSTGRES)) as url:
                env = environment(instance, DATABASE_URL=url)
                _trials(env, url, addresses, ledger, trials, args, progress)
        else:
            raise ValueError(f"unknown database {database!r}")
    finally:
        ledger.tracebacks = sum(
            log.read_text(errors="replace").count("Traceback")
            for log in instance.glob("server-*.log")
        )
        if temporary:
            shutil.rmtree(instance, ignore_errors=True)
    return ledger


def fresh_name(server_url: str) -> str:
    """A URL for a new database of its own on the PostgreSQL server of ``server_url``."""
    name = f"palabre_crash_trials_{uuid.uuid4().hex[:8]}"
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _trials(env, url, addresses, ledger, trials, args, progress) -> None:
    prepare_database(env)
    command = [sys.executable, "-c", COOKIES, EDITION, GROUP, READER, *WRITERS]
    output = subprocess.run(
        command, cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=120
    )
    cookies = json.loads(output.stdout.splitlines()[-1])
    engine = create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        section_ids = [
            connection.execute(
                SECTION_ID, {"edition": EDITION, "group": GROUP, "key": a.rsplit("/", 1)[1]}
            ).scalar_one()
            for a in addresses
        ]
    server = ServerProcess(env)
    try:
        for _ in range(trials):
            server = trial(server, env, cookies, addresses, ledger, args)
            _storage(engine, section_ids, ledger)
            if progress:
                row = ledger.row()
                print(
                    f"  {ledger.database} trial {ledger.trials}: {row['acked']} acknowledged, "
                    f"{row['acked lost']} lost, {row['received lost']} received lost, "
                    f"{ledger.log_rows} rows in the log",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        server.stop()
        engine.dispose()


def table(ledgers: list[Ledger]) -> None:
    for ledger in ledgers:
        row = ledger.row()
        width = max(len(head) for head in row)
        print(f"\n{ledger.database}")
        print("-" * (width + 16))
        for head, value in row.items():
            if head != "database":
                print(f"{head:<{width}}  {value:>12}")
        for note in ledger.notes[:20]:
            print(f"  {note}")
        if len(ledger.notes) > 20:
            print(f"  … and {len(ledger.notes) - 20} more notes")
    print(
        "\nacked: distinct markers acknowledged {ok: true}; received: distinct markers in the "
        "readers' documents at the kill; acked/received lost: absent from a "
        "fresh client's document after some restart (still lost at end: after the last one; "
        "a later compaction may bring some back); compacted: trials after which a snapshot "
        "had changed; set aside: stored updates no load could apply; restart s: mean/max"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=100, help="per database")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--sections", default="q1", help=f"comma-separated keys of the {GROUP} paper"
    )
    parser.add_argument("--min-delay", type=float, default=0.2, help="seconds of typing")
    parser.add_argument("--max-delay", type=float, default=1.5, help="seconds of typing")
    parser.add_argument(
        "--max-updates", type=int, default=500, help="per writer and trial, at most"
    )
    parser.add_argument(
        "--pause", type=float, default=0.01, help="mean seconds between a writer's updates"
    )
    parser.add_argument("--postgres", default=POSTGRES, help="server for the PostgreSQL run")
    args = parser.parse_args()
    if args.trials < 1 or not 0 <= args.min_delay <= args.max_delay <= 60:
        parser.error("--trials ≥ 1, 0 ≤ --min-delay ≤ --max-delay ≤ 60")
    if make_url(args.postgres).host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("--postgres must be a local server")
    ledgers = []
    for database in args.databases.split(","):
        started = time.monotonic()
        url = fresh_name(args.postgres) if database == "postgresql" else None
        ledgers.append(
            run_database(
                database,
                trials=args.trials,
                seed=args.seed,
                sections=tuple(args.sections.split(",")),
                database_url=url,
                min_delay=args.min_delay,
                max_delay=args.max_delay,
                max_updates=args.max_updates,
                pause=args.pause,
                progress=True,
            )
        )
        print(f"{database}: {time.monotonic() - started:.0f} s", file=sys.stderr)
    table(ledgers)
    failed = [ledger.database for ledger in ledgers if ledger.failed()]
    print("\nresult: " + (f"FAILED ({', '.join(failed)})" if failed else "OK"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
