"""The README's screenshots, in French, on the demo, at 1280 × 800 and 360 × 780:

    .venv/bin/python -m tests.browser.screenshots [docs/screenshots]

paper (the Government group's paper, question 1's section open in the editor, a second
member's selection and name in it), debate (question 1's threads, the full page), map
(question 1's argument map; map-projector-1280: its projector mode), dashboard (the
facilitator's, the full page, the two Government members online), and deck-title,
deck-divider, deck-content: slides of the Government group's deck as exported, rendered by
LibreOffice at 1280 px (skipped when ``soffice`` or ``pdftoppm`` is missing). The welcome
announcement is closed first: it would cover the top of every page.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import flask_migrate
from playwright.sync_api import sync_playwright

from app import create_app
from app.config import BASE_DIR, TestConfig
from app.extensions import db
from app.server import serve_in_thread
from app.workshops.demo import load_demo
from tests.browser_support import launch_chromium, log_in_page

EDITION = "/editions/malisig-2023"
PAPER = f"{EDITION}/groups/gouvernement/paper"
DEBATE = f"{EDITION}/debate/q1"
MAP = f"{EDITION}/debate/q1/map"
DASHBOARD = f"{EDITION}/dashboard"
DECK = f"{EDITION}/groups/gouvernement/deliverable.pptx"
SECTION = '.paper-section[data-key="q1"]'
WRITER = "gouvernement1@demo.palabre"
SECOND = "gouvernement2@demo.palabre"
FACILITATOR = "facilitateur@demo.palabre"
ORGANIZER = "organisateur@demo.palabre"
VIEWPORTS = {1280: 800, 360: 780}  # width → height
# Slides of the deck kept (1-based): the cover, the first question's divider, and question 2's
# first content slide (bold lead-ins, paragraphs condensed).
SLIDES = {"deck-title": 1, "deck-divider": 4, "deck-content": 10}


def shoot(page, folder: Path, name: str, *, full_page: bool = False) -> None:
    time.sleep(0.4)  # transitions, fonts
    path = folder / f"{name}-{page.viewport_size['width']}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(path)


def scroll_to(page, selector: str) -> None:
    """``selector`` at the top of the viewport, just under the sticky top bar."""
    page.evaluate(
        """(selector) => {
          const bar = document.querySelector("header.topbar");
          const top = document.querySelector(selector).getBoundingClientRect().top;
          const under = bar && getComputedStyle(bar).position === "sticky" ? bar.offsetHeight : 0;
          window.scrollTo(0, top + window.scrollY - under - 12);
        }""",
        selector,
    )


def dismiss_announcements(page, base: str, email: str, done: set[str]) -> None:
    """Close the welcome announcement, once per member (the server then keeps it read)."""
    if email in done:
        return
    done.add(email)
    page.goto(base + EDITION)
    page.wait_for_selector(".live-close", timeout=30000)
    for button in page.query_selector_all(".live-close"):
        button.click()


def member(browser, base: str, email: str, width: int, dismissed: set[str] | None = None):
    context = browser.new_context(
        locale="fr-FR", viewport={"width": width, "height": VIEWPORTS[width]}
    )
    page = context.new_page()
    log_in_page(page, base, email)
    if dismissed is not None:
        dismiss_announcements(page, base, email, dismissed)
    return page


def open_section(page, base: str) -> None:
    page.goto(base + PAPER)
    page.wait_for_selector('#connection-badge[data-status="connected"]', timeout=60000)
    page.click(f"{SECTION} .open")
    page.wait_for_selector(f"{SECTION} .cm-content[contenteditable=true]")


def take(browser, base: str, out: Path, width: int, dismissed: set[str]) -> None:
    writer = member(browser, base, WRITER, width, dismissed)
    second = member(browser, base, SECOND, width, dismissed)
    open_section(writer, base)
    open_section(second, base)
    # The second member selects a few words; the writer sees them, and his name on hover.
    second.click(f"{SECTION} .cm-line >> nth=2")
    second.keyboard.press("End")
    for _ in range(3):
        second.keyboard.press("Control+Shift+ArrowLeft")
    writer.wait_for_selector(f"{SECTION} .cm-ySelection", state="attached")
    writer.click(f"{SECTION} .cm-line >> nth=0")
    scroll_to(writer, SECTION)
    writer.hover(f"{SECTION} .cm-ySelectionCaret")
    shoot(writer, out, "paper")

    writer.goto(base + DEBATE)
    writer.wait_for_selector(".thread .argument")
    shoot(writer, out, "debate", full_page=True)
    writer.goto(base + MAP)
    writer.wait_for_selector("#map-viewport svg")
    shoot(writer, out, "map")
    if width >= 1000:
        writer.goto(base + MAP + "?projector=1")
        writer.wait_for_selector("body.map-projector")
        shoot(writer, out, "map-projector")
    open_section(writer, base)  # online, writing, for the dashboard

    facilitator = member(browser, base, FACILITATOR, width, dismissed)
    facilitator.goto(base + DASHBOARD)
    facilitator.wait_for_selector(".online-count")
    shoot(facilitator, out, "dashboard", full_page=True)
    for page in (writer, second, facilitator):
        page.context.close()


def deck(browser, base: str, out: Path, work: Path) -> None:
    """The deck's slides, through LibreOffice, as the README shows them (1280 px wide)."""
    if not (shutil.which("soffice") and shutil.which("pdftoppm")):
        print("deck slides skipped: soffice or pdftoppm missing", file=sys.stderr)
        return
    organizer = member(browser, base, ORGANIZER, 1280)
    response = organizer.request.get(base + DECK)
    assert response.ok, response.status
    pptx = work / "deck.pptx"
    pptx.write_bytes(response.body())
    organizer.context.close()
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{work}/lo", "--headless", "--convert-to",
         "pdf", "--outdir", str(work), str(pptx)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    for name, number in SLIDES.items():
        prefix = work / name
        subprocess.run(
            ["pdftoppm", "-png", "-singlefile", "-f", str(number), "-l", str(number),
             "-scale-to-x", "1280", "-scale-to-y", "-1", str(work / "deck.pdf"), str(prefix)],
            check=True, timeout=120,
        )  # fmt: skip
        shutil.copyfile(prefix.with_suffix(".png"), out / f"{name}.png")
        print(out / f"{name}.png")


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else BASE_DIR / "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="palabre-shots-"))
    app = create_app(TestConfig(f"sqlite:///{work}/shots.sqlite3", str(work)))
    with app.app_context():
        flask_migrate.upgrade()
        load_demo()
        db.session.commit()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server, base = serve_in_thread(app)
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            dismissed: set[str] = set()
            for width in VIEWPORTS:
                take(browser, base, out, width, dismissed)
            deck(browser, base, out, work)
            browser.close()
    finally:
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
