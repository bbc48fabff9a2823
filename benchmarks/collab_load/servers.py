"""The servers under load: Palabre (built-in server or gunicorn, one process or several over
Redis) on a fresh instance, and the peer, @hocuspocus/server 3.4.4."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from tests.collaboration.serverproc import GUNICORN, ServerProcess, environment, free_port

EDITION = "malisig-2023"
PEER_DIR = Path.home() / ".cache" / "palabre-bench" / "hocuspocus"
PEER_PACKAGES = ("@hocuspocus/server@3.4.4", "@hocuspocus/extension-sqlite@3.4.4")
ROOT = Path(__file__).parents[2]

# Run with the server's environment, argv[1] = {"group slug": members wanted}: the demo,
# members up to that many participants per group (one password hash for all: Argon2 for a
# thousand accounts would take minutes), then the session cookies a logged-in browser of
# each participant sends, as JSON.
PREPARE = """
import json, sys
import flask_migrate
from app import create_app
from app.accounts.models import User
from app.accounts.services import create_user
from app.config import Config
from app.extensions import db
from app.workshops import services
from app.workshops.demo import DEMO_PASSWORD, load_demo
from app.workshops.models import Role
wanted, app, cookies = json.loads(sys.argv[1]), create_app(Config()), {}
with app.app_context():
    flask_migrate.upgrade()  # the users' schema, as ``make run`` builds it
    edition = load_demo()
    shared = create_user("bench-0@bench.palabre", "Bench 0", DEMO_PASSWORD).password_hash
    for slug, count in wanted.items():
        group = services.get_group(edition, slug)
        for n in range(len(services.members(edition, group)), count):
            user = User(email=f"bench-{slug}-{n}@bench.palabre", name=f"Bench {n}",
                        password_hash=shared)
            db.session.add(user)
            db.session.flush()
            services.set_membership(edition, user, Role.PARTICIPANT, group)
    db.session.commit()
    for slug in wanted:
        for member in services.members(edition, services.get_group(edition, slug)):
            if member.role == Role.PARTICIPANT:
                client = app.test_client()
                with client.session_transaction() as session:
                    session["_user_id"], session["_fresh"] = member.user.get_id(), True
                cookies.setdefault(slug, []).append(client.get_cookie("palabre_session").value)
print(json.dumps(cookies))
"""


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


def descendants(pid: int) -> list[int]:
    """A process and its children, recursively (gunicorn's workers)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            children = (task / "children").read_text().split()
            todo.extend(int(child) for child in children)
    return found


@contextmanager
def palabre(args, wanted: dict[str, int]):
    """Yields (ports, pids, cookies by group slug)."""
    extra = {}
    if args.database_url:
        extra["DATABASE_URL"] = fresh_database(args.database_url)
    if args.processes > 1:
        extra["REDIS_URL"] = args.redis_url
        redis_flush(args.redis_url)
    env = environment(Path(tempfile.mkdtemp(prefix="palabre-collab-load-")), **extra)
    prepare = [sys.executable, "-c", PREPARE, json.dumps(wanted)]
    output = subprocess.run(prepare, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    cookies = json.loads(output.stdout.splitlines()[-1])
    if args.palabre_server == "gunicorn":
        workers = {"WEB_CONCURRENCY": str(args.processes), "GUNICORN_CONNECTIONS": "4000"}
        servers = [ServerProcess({**env, **workers}, command=GUNICORN)]
    else:
        servers = [ServerProcess(env) for _ in range(args.processes)]
    try:
        pids = [pid for s in servers for pid in descendants(s.process.pid)]
        yield [s.port for s in servers], pids, cookies
    finally:
        for server in servers:
            server.stop()


def redis_flush(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


@contextmanager
def hocuspocus(name: str):
    """Yields (ports, pids); ``hocuspocus``: its default store debounce (2 s, at most 10 s),
    ``hocuspocus-every``: stores on every update (debounce 0)."""
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
    debounce = "0" if name == "hocuspocus-every" else "default"
    command = ["node", "server.js", str(port), database, debounce]
    process = subprocess.Popen(command, cwd=PEER_DIR, stdout=subprocess.PIPE, text=True)
    try:
        if (line := process.stdout.readline().strip()) != "ready":
            raise RuntimeError(f"Hocuspocus did not start: {line}")
        yield [port], [process.pid]
    finally:
        process.terminate()
        process.wait(timeout=10)


def cpu_seconds(pids: list[int] | None) -> float:
    """User + system time of these processes, or of the whole machine (None)."""
    if pids is None:
        busy = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
        return sum(int(busy[i]) for i in (0, 1, 2, 5, 6, 7)) / os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pids: list[int]) -> float:
    """Sum of the processes' peak resident memory."""
    total = 0
    for pid in pids:
        try:
            total += int(re.search(r"VmHWM:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())[1])
        except FileNotFoundError:
            continue
    return total / 1024
