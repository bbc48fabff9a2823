"""How long the debate of one question takes to show with 500 arguments.

    .venv/bin/python -m benchmarks.debate_render

Builds a question with 500 arguments (claims with nested replies, marks, citations), then
prints the server time of the threaded view and of the map page (median of 7 requests),
and the time to first contentful paint of each in Chromium. Target: under 1 s each.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time

import flask_migrate
from playwright.sync_api import sync_playwright

from app import create_app
from app.config import TestConfig
from app.core.transactions import commit
from app.deliberation.arguments import add_argument
from app.server import serve_in_thread
from app.workshops.demo import load_demo
from tests.browser_support import launch_chromium, log_in_page
from tests.conftest import log_in

ARGUMENTS = 500
RUNS = 7
THREAD = "/editions/malisig-2023/debate/q1"
# page -> (who looks, URL): a participant, and a facilitator who also gets the moderation.
PAGES = {
    "threaded view": ("prive1@demo.palabre", THREAD),
    "  (facilitator)": ("facilitateur@demo.palabre", THREAD),
    "map": ("prive1@demo.palabre", THREAD + "/map"),
}
# First contentful paint, from navigation start; waits for the entry if it is not there yet.
FIRST_PAINT = """() => new Promise((resolve) => {
  new PerformanceObserver((list) => {
    const entry = list.getEntries().find((e) => e.name === "first-contentful-paint");
    if (entry) resolve(entry.startTime);
  }).observe({ type: "paint", buffered: true });
  setTimeout(() => resolve(NaN), 5000);
})"""


def build(edition) -> None:
    rng = random.Random(3)
    participants = [u for e, u in edition.users.items() if "@demo" in e and u is not None]
    question = edition.questions[0]
    made = []
    for n in range(ARGUMENTS):
        author = rng.choice(participants)
        if n % 10 == 0 or not made:
            argument = add_argument(
                edition,
                author,
                question=question,
                kind="claim",
                text=f"Thèse n° {n} : les coupures d'Internet **coûtent** cher à l'économie.",
            )
        else:
            parent = rng.choice(made[-30:])
            kind = rng.choice(["support", "oppose", "question"])
            if parent.kind in ("support", "oppose") and rng.random() < 0.3:
                kind = "rebut"
            argument = add_argument(
                edition,
                author,
                question=None,
                kind=kind,
                parent=parent,
                text=f"Réponse n° {n} : un argument _raisonné_, avec une [source](https://example.org/{n}).",
            )
        made.append(argument)
    commit()


def main() -> None:
    from app.accounts.services import find_user
    from app.workshops.demo import ACCOUNTS

    instance = tempfile.mkdtemp(prefix="palabre-debate-")
    app = create_app(TestConfig(f"sqlite:///{instance}/debate.sqlite3", instance))
    with app.app_context():
        flask_migrate.upgrade()  # the users' schema
        edition = load_demo()
        commit()
        edition.users = {a.email: find_user(a.email) for a in ACCOUNTS if a.role == "participant"}
        build(edition)
        server_times = {}
        for name, (email, url) in PAGES.items():
            client = app.test_client()
            log_in(client, find_user(email))
            times = []
            for _ in range(RUNS):
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
                assert response.status_code == 200, response.status_code
            server_times[name] = (statistics.median(times), len(response.data))
    server, base_url = serve_in_thread(app)
    paints = {}
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            for name, (email, url) in PAGES.items():
                page = browser.new_page()
                log_in_page(page, base_url, email)
                samples = []
                for _ in range(3):
                    page.goto(base_url + url, wait_until="load")
                    samples.append(page.evaluate(FIRST_PAINT))
                paints[name] = statistics.median(samples)
                page.close()
            browser.close()
    finally:
        server.shutdown()
    print(f"debate of one question with {ARGUMENTS} arguments (target: each under 1 s)")
    print(f"{'page':<15} {'server (median)':>16} {'HTML':>10} {'first paint':>12}")
    for name, (seconds, size) in server_times.items():
        print(
            f"{name:<15} {seconds * 1000:>13.0f} ms {size / 1024:>7.0f} KB {paints[name]:>9.0f} ms"
        )


if __name__ == "__main__":
    main()
