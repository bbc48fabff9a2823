"""Dashboard benchmark: the facilitators' dashboard of a full edition.

    .venv/bin/python -m benchmarks.dashboard [--edits 10000] [--runs 9] [--keep DIR]

Builds an edition of 6 groups × 10 members (60 participants), 5 questions (7 sections
per paper, 42 in all), then writes ``--edits`` real Yjs updates through the live
editor's own wire protocol (Socket.IO ``/collab``: ``join`` then ``sync`` update
messages made by pycrdt, one client per member, the groups writing in parallel), so they
go through the collaboration persistence and its authorship exactly as in a school.
Some groups have one member who writes most of the text, so the balance figures vary.

Then it times the dashboard on the server: the HTML fragment the page re-fetches
(``GET /editions/<slug>/dashboard/fragment``, through the Flask test client, no network),
median of ``--runs``, cold (the per-process section cache emptied before each run: every
section's text and authorship recomputed) and warm (nothing edited between runs).
Target: cold median under 300 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

WORDS = (  # noqa: SIM905 - a sentence is easier to read than a list of words
    "coupure internet accès liberté expression gouvernement opérateurs société civile "
    "économie examens sécurité droits humains résilience infrastructure point échange "
    "MLIX connectivité citoyens médias information désinformation régulation transparence "
    "proportionnalité légalité légitimité enjeux conséquences actions initiatives"
).split()


def build_edition(app, members_per_group: int):
    from app.accounts import services as accounts
    from app.extensions import db
    from app.workshops import services

    organizer = accounts.create_user("orga@bench.palabre", "Organisatrice", "bench-password-1")
    facilitator = accounts.create_user("facil@bench.palabre", "Facilitateur", "bench-password-1")
    edition = services.create_edition(slug="bench", title="Banc d'essai", creator=organizer)
    for n in range(1, 6):
        services.add_question(edition, f"Question {n} : enjeux des coupures ?")
    kinds = (
        "government",
        "private_sector",
        "civil_society",
        "technical_community",
        "academia",
        "intergovernmental",
    )
    members: dict[str, list] = {}
    for index, kind in enumerate(kinds, start=1):
        group = services.add_group(edition, name=f"Groupe {index}", kind=kind)
        members[group.slug] = []
        for m in range(members_per_group):
            user = accounts.create_user(
                f"g{index}m{m}@bench.palabre", f"Membre {index}.{m}", "bench-password-1"
            )
            services.set_membership(edition, user, "participant", group)
            members[group.slug].append(user.get_id())  # ids: the writers run in threads
    services.set_membership(edition, facilitator, "facilitator")
    edition.current_phase = next(p for p in edition.phases if p.key == "redaction")
    db.session.commit()
    sections = {g.slug: [s.key for s in g.paper.sections] for g in edition.groups}
    return edition, facilitator, members, sections


def _cookie(app, user_id: str) -> str:
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


class Writer:
    """One member's editor: a Socket.IO client and one pycrdt document per section."""

    def __init__(self, app, base_url: str, user_id: str, slug: str, group: str) -> None:
        from tests.socket_support import OrderedClient

        self.sio = OrderedClient(reconnection=False, websocket_extra_options={"origin": base_url})
        self.sio.connect(
            base_url,
            headers={"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={_cookie(app, user_id)}"},
            namespaces=["/collab"],
            transports=["websocket"],
            wait_timeout=10,
        )
        self.prefix = f"{slug}/{group}/"
        self.docs: dict = {}

    def doc(self, key: str):
        from pycrdt import Doc, Text, create_sync_message

        if key not in self.docs:
            section = self.prefix + key
            ack = self.sio.call("join", {"section": section}, namespace="/collab", timeout=10)
            if not ack or not ack.get("ok") or ack.get("readonly"):
                raise RuntimeError(f"join {section}: {ack}")
            doc = Doc()
            doc["markdown"] = Text()
            self.sio.call(
                "sync",
                {"section": section, "data": create_sync_message(doc)},
                namespace="/collab",
                timeout=10,
            )
            self.docs[key] = doc
        return self.docs[key]

    def write(self, key: str, text: str) -> None:
        from pycrdt import create_update_message

        doc = self.doc(key)
        markdown = doc["markdown"]
        before = doc.get_state()
        markdown.insert(len(markdown), text)  # UTF-8 offsets: the end is len()
        update = doc.get_update(before)
        ack = self.sio.call(
            "sync",
            {"section": self.prefix + key, "data": create_update_message(update)},
            namespace="/collab",
            timeout=10,
        )
        if isinstance(ack, dict) and ack.get("ok") is False:
            raise RuntimeError(f"update refused: {ack}")

    def close(self) -> None:
        self.sio.close()


def write_edits(app, base_url, slug, members, sections, edits: int, seed: int = 7) -> float:
    rng = random.Random(seed)
    groups = list(members)
    per_group = {
        g: edits // len(groups) + (1 if i < edits % len(groups) else 0)
        for i, g in enumerate(groups)
    }
    errors: list[BaseException] = []

    def run(group: str, count: int, rng: random.Random) -> None:
        try:
            writers = [Writer(app, base_url, u, slug, group) for u in members[group]]
            # Odd groups: one member writes half of the edits (an unbalanced group).
            weights = [
                len(writers) if (i == 0 and groups.index(group) % 2) else 1
                for i in range(len(writers))
            ]
            for n in range(count):
                writer = rng.choices(writers, weights)[0]
                key = rng.choice(sections[group])
                words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 8)))
                writer.write(key, ("\n\n" if n % 12 == 0 else " ") + words)
            for writer in writers:
                writer.close()
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [
        threading.Thread(target=run, args=(g, per_group[g], random.Random(rng.random())))
        for g in groups
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started


def time_dashboard(app, facilitator_id: int, slug: str, runs: int, *, cold: bool) -> list[float]:
    from flask import g

    from app.accounts.models import User
    from app.extensions import db
    from app.facilitation import dashboard

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = db.session.get(User, facilitator_id).get_id()
        session["_fresh"] = True
    timings = []
    for _ in range(runs):
        if cold:
            dashboard._cache.clear()
        db.session.remove()
        started = time.perf_counter()
        response = client.get(f"/editions/{slug}/dashboard/fragment")
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        g.__dict__.clear()
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.dashboard")
    parser.add_argument("--edits", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=10, help="members per group (6 groups)")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--keep", type=Path, help="keep the database in this folder")
    args = parser.parse_args(argv)

    import flask_migrate

    from app import create_app
    from app.config import TestConfig
    from app.extensions import db
    from app.server import serve_in_thread

    folder = args.keep or Path(tempfile.mkdtemp(prefix="palabre-bench-dashboard-"))
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "bench.sqlite3"
    database.unlink(missing_ok=True)
    config = TestConfig(f"sqlite:///{database}", str(folder))
    app = create_app(config)
    app.config["LOCK_TIMER"] = False
    with app.app_context():
        flask_migrate.upgrade()  # the users' schema
        edition, facilitator, members, sections = build_edition(app, args.members)
        slug = edition.slug
        n_sections = sum(len(v) for v in sections.values())
        print(
            f"edition: {len(members)} groups, {sum(map(len, members.values()))} members, "
            f"{n_sections} sections"
        )

        if args.edits:  # --edits 0 times the dashboard's own share (no text at all)
            server, base_url = serve_in_thread(app)
            try:
                seconds = write_edits(app, base_url, slug, members, sections, args.edits)
            finally:
                server.shutdown()
                server.server_close()
            print(
                f"wrote {args.edits} Yjs updates through /collab in {seconds:.1f} s "
                f"({args.edits / seconds:.0f}/s)"
            )

        from app.facilitation import dashboard
        from app.workshops.services import get_edition

        facilitator_id = facilitator.id
        db.session.remove()
        board = dashboard.build(get_edition(slug))
        words = sum(b.words for b in board.groups)
        print(
            f"text: {words} words; per group top share / Gini: "
            + ", ".join(f"{b.top_share:.0%}/{b.gini:.2f}" for b in board.groups)
        )
        if words == 0 and args.edits:
            print("the live editor returned no text: its persistence is missing", file=sys.stderr)
            return 1

        cold = time_dashboard(app, facilitator_id, slug, args.runs, cold=True)
        warm = time_dashboard(app, facilitator_id, slug, args.runs, cold=False)
        for label, timings in (("cold (every section re-read)", cold), ("warm (cache)", warm)):
            print(
                f"dashboard fragment, {label}: median {statistics.median(timings):.1f} ms, "
                f"min {min(timings):.1f}, max {max(timings):.1f}"
            )
        verdict = "OK" if statistics.median(cold) < 300 else "OVER"
        print(f"target: cold median < 300 ms → {verdict}")
        db.session.remove()
    return 0


if __name__ == "__main__":
    sys.exit(main())
