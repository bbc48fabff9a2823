"""Bytes kept for a section after a long editing session, against its Yjs state size.

    .venv/bin/python -m benchmarks.storage [--edits 20000]

Replays a long trace of keystroke-sized edits (typing, deleting, correcting, French text)
through the live editor's persistence, as one writer would over a day, then prints what
the database holds for the section (snapshot + remaining log) next to the size of the
section's Yjs-encoded state. Target: ≤ 2× after compaction.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time

import flask_migrate
from pycrdt import Doc, Text

from app import create_app
from app.collaboration import live_editor, services, store
from app.collaboration.services import paper_of
from app.config import TestConfig
from app.core.transactions import commit
from app.workshops.demo import load_demo

WORDS = [
    "les",
    "coupures",
    "d'Internet",
    "privent",
    "la",
    "population",
    "de",
    "l'accès",
    "à",
    "l'information,",
    "freinent",
    "l'économie",
    "numérique",
    "et",
    "fragilisent",
    "la",
    "confiance",
    "entre",
    "l'État",
    "et",
    "les",
    "citoyens",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edits", type=int, default=20_000)
    args = parser.parse_args()
    instance = tempfile.mkdtemp(prefix="palabre-storage-")
    app = create_app(TestConfig(f"sqlite:///{instance}/storage.sqlite3", instance))
    rng = random.Random(7)
    with app.app_context():
        flask_migrate.upgrade()  # the users' schema
        edition = load_demo()
        commit()
        section = paper_of(edition.groups[0]).sections[1]
        writer = Doc()
        text = writer.get("markdown", type=Text)
        # What a browser sends: the update of each transaction (Yjs' "update" event).
        sent: list[bytes] = []
        subscription = writer.observe(lambda event: sent.append(event.update))
        started = time.perf_counter()
        for _ in range(args.edits):
            current = str(text)
            if current and rng.random() < 0.2:
                start = rng.randrange(len(current))
                end = min(len(current), start + rng.randint(1, 4))
                del text[len(current[:start].encode()) : len(current[:end].encode())]
            else:
                at = rng.randrange(len(current) + 1) if rng.random() < 0.3 else len(current)
                text.insert(len(current[:at].encode()), rng.choice(WORDS)[:3] + " ")
            services.accept_update(section, sent.pop(), None)
            commit()
        elapsed = time.perf_counter() - started
        writer.unobserve(subscription)
        state = live_editor.documents().get(section.id).state()
        stored = store.stored_bytes(section.id)
        updates, _size = store.log_size(section.id)
    print(f"edits replayed           {args.edits:>10,}  ({args.edits / elapsed:,.0f} commits/s)")
    print(f"text length              {len(str(text)):>10,} characters")
    print(f"Yjs state (get_update)   {len(state):>10,} bytes")
    print(f"stored (snapshot + log)  {stored:>10,} bytes  ({updates} updates not yet compacted)")
    print(f"ratio                    {stored / len(state):>10.2f}×  (target ≤ 2×)")


if __name__ == "__main__":
    main()
