"""Bytes a first visit to the editor page transfers, measured in Chromium.

    .venv/bin/python -m benchmarks.page_weight

Logs in as a demo participant, then opens the group's paper page with an empty cache and
adds up every response of that visit (HTML, CSS, JS): their uncompressed size, their size
at gzip -6, and the bytes Palabre really sent (it compresses with Flask-Compress: deflate
or Brotli, as the browser accepts). Target: ≤ 250 KB.
"""

from __future__ import annotations

import gzip
import tempfile

import flask_migrate
from playwright.sync_api import sync_playwright

from app import create_app
from app.config import TestConfig
from app.extensions import db
from app.server import serve_in_thread
from app.workshops.demo import load_demo
from tests.browser_support import launch_chromium, log_in_page

PAPER = "/editions/malisig-2023/groups/gouvernement/paper"


def measure() -> list[tuple[str, int, int, int]]:
    instance = tempfile.mkdtemp(prefix="palabre-weight-")
    app = create_app(TestConfig(f"sqlite:///{instance}/weight.sqlite3", instance))
    with app.app_context():
        flask_migrate.upgrade()  # the users' schema
        load_demo()
        db.session.commit()
    server, base_url = serve_in_thread(app)
    rows = []
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            context = browser.new_context()
            page = context.new_page()
            log_in_page(page, base_url, "gouvernement1@demo.palabre")
            # A new context with the same session: logged in, nothing cached.
            fresh = browser.new_context(storage_state=context.storage_state()).new_page()
            responses = []
            fresh.on("response", lambda response: responses.append(response))
            fresh.goto(base_url + PAPER, wait_until="networkidle")
            for response in responses:
                if response.request.resource_type not in ("document", "stylesheet", "script"):
                    continue
                body = response.body()
                url = response.url.replace(base_url, "")
                sent = response.request.sizes()["responseBodySize"]
                rows.append((url, len(body), len(gzip.compress(body, 6)), sent))
            browser.close()
    finally:
        server.shutdown()
    return rows


def main() -> None:
    rows = measure()
    width = max(len(row[0]) for row in rows)
    print(f"{'resource':<{width}}  {'bytes':>9}  {'gzip -6':>9}  {'sent':>9}")
    for url, raw, packed, sent in rows:
        print(f"{url:<{width}}  {raw:>9,}  {packed:>9,}  {sent:>9,}")
    totals = [sum(row[i] for row in rows) for i in (1, 2, 3)]
    print(f"{'total':<{width}}  {totals[0]:>9,}  {totals[1]:>9,}  {totals[2]:>9,}")
    print(
        f"first visit to the editor page: {totals[2] / 1024:.0f} KB sent by Palabre "
        f"(compressed by the server), {totals[1] / 1024:.0f} KB at gzip -6; target ≤ 250 KB"
    )


if __name__ == "__main__":
    main()
