"""Every page, for every role of the demo, on a phone (360 px) and a laptop (1280 px):
no horizontal overflow, no emoji in a control, no serious or critical axe-core violation.

The pages are the GET routes of ``app.url_map`` that answer a page (HTML); the others are
in ``NOT_PAGES`` with the reason they are not visited, and a test fails when a route is in
neither list, so a new page is not forgotten. Each role opens the pages it may open
(``PAGES``' audiences, the access matrix's profiles); each visit leaves a full-page
screenshot in ``tests/output/<role>-<page>-<width>.png``.

One server, with the demo loaded once, serves the whole module (its visits only read); one
browser; one context (logged in once) per role and width.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app import create_app
from app.accounts.services import find_user
from app.config import TestConfig
from app.deliberation.models import Argument, Source
from app.extensions import db
from app.server import serve_in_thread
from app.workshops import services
from app.workshops.demo import load_demo
from tests.browser_support import launch_chromium, log_in_page
from tests.conftest import needs_service

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules/axe-core/axe.min.js"
OUTPUT = ROOT / "tests/output"
AXE_URL = "/__tests__/axe.min.js"  # answered by the browser context (same origin: the CSP holds)

WIDTHS = {360: 740, 1280: 800}  # width → height of the viewport

# role → (demo account, its group)
ROLES = {
    "organizer": ("organisateur@demo.palabre", None),
    "facilitator": ("facilitateur@demo.palabre", None),
    "government": ("gouvernement1@demo.palabre", "gouvernement"),
    "private": ("prive1@demo.palabre", "secteur-prive"),
    "civil": ("societe1@demo.palabre", "societe-civile"),
    "observer": ("public@demo.palabre", None),
    "anonymous": (None, None),
}
ORGANIZER = ("organizer",)
STAFF = ("organizer", "facilitator")
PARTICIPANTS = ("government", "private", "civil")
MEMBERS = (*STAFF, *PARTICIPANTS, "observer")


@dataclass(frozen=True)
class Page:
    endpoint: str
    path: str  # formatted with the site's values (slug, group, ids)
    audience: tuple[str, ...]
    status: int = 200
    opens: str | None = None  # a control clicked first, to check what it shows too


E = "/editions/{slug}"
PAGES = {
    "login": Page("accounts.login", "/login", ("anonymous",)),
    "signup": Page("accounts.invitation", "/invitation/{token}", ("anonymous",)),
    "join": Page("accounts.invitation", "/invitation/{token}", ("observer",)),
    "invitation-invalid": Page(
        "accounts.invitation", "/invitation/not-a-token", ("anonymous",), 404
    ),
    "offline": Page("pwa.offline", "/offline", ("anonymous",)),
    "not-found": Page("workshops.edition", "/editions/no-such-edition", ("observer",), 404),
    "forbidden": Page("facilitation.control", f"{E}/facilitation", ("observer",), 403),
    "home": Page("workshops.home", "/", MEMBERS),
    "new-edition": Page("workshops.new_edition", "/editions/new", ORGANIZER),
    "edition": Page("workshops.edition", E, MEMBERS),
    "group": Page("workshops.group", f"{E}/groups/{{group}}", MEMBERS),
    "paper": Page("collaboration.paper", f"{E}/groups/{{group}}/paper", (*STAFF, *PARTICIPANTS)),
    # The first section opened: its toolbar, editor and preview.
    "paper-section": Page(
        "collaboration.paper",
        f"{E}/groups/{{group}}/paper",
        (*STAFF, *PARTICIPANTS),
        opens=".paper-section .open",
    ),
    "question": Page("deliberation.question", f"{E}/debate/q1", MEMBERS),
    "map": Page("deliberation.map_view", f"{E}/debate/q1/map", MEMBERS),
    "history": Page("deliberation.history", f"{E}/arguments/{{argument}}/history", MEMBERS),
    "edit-argument": Page(
        "deliberation.edit", f"{E}/arguments/{{own_argument}}/edit", ("government",)
    ),
    "moderate": Page("deliberation.moderate", f"{E}/arguments/{{argument}}/moderate", STAFF),
    "moderation": Page("deliberation.moderation", f"{E}/moderation", STAFF),
    "library": Page("deliberation.library", f"{E}/library", MEMBERS),
    "source": Page("deliberation.source", f"{E}/library/{{source}}", MEMBERS),
    "announcements": Page("facilitation.announcements", f"{E}/announcements", MEMBERS),
    "inbox": Page("inbox.page", f"{E}/inbox", MEMBERS),
    "deliverables": Page("exports.index", f"{E}/deliverables", STAFF),
    "dashboard": Page("facilitation.dashboard", f"{E}/dashboard", STAFF),
    "control": Page("facilitation.control", f"{E}/facilitation", STAFF),
    "audit": Page("facilitation.audit", f"{E}/audit", STAFF),
    "members": Page("facilitation.members", f"{E}/members", ORGANIZER),
    "manage": Page("workshops.manage", f"{E}/manage", ORGANIZER),
    "groups": Page("workshops.groups", f"{E}/manage/groups", ORGANIZER),
    "questions": Page("workshops.questions", f"{E}/manage/questions", ORGANIZER),
    "invitations": Page("workshops.invitations", f"{E}/manage/invitations", ORGANIZER),
    "assets": Page("workshops.assets", f"{E}/manage/assets", ORGANIZER),
    "set-aside": Page("collaboration.set_aside", f"{E}/manage/set-aside", ORGANIZER),
}

# GET routes not visited, and why.
NOT_PAGES = {
    "static": "files (CSS, scripts, images)",
    "pwa.service_worker": "a script",
    "pwa.manifest": "JSON",
    "workshops.upload": "an uploaded file",
    "deliberation.index": "redirects to the first question (the 'question' page)",
    "deliberation.thread_fragment": "a fragment of the question page, visited with it",
    "deliberation.argument_fragment": "a fragment of the question page, visited with it",
    "deliberation.map_fragment": "the SVG the map page shows, visited with it",
    "facilitation.dashboard_fragment": "a fragment of the dashboard, visited with it",
    "facilitation.audit_csv": "a CSV file",
    "collaboration.authorship": "a fragment of the paper page (JSON/HTML on demand)",
    "collaboration.checkpoints": "JSON for the paper page's history",
    "collaboration.checkpoint": "JSON for the paper page's history",
    "exports.everything": "a ZIP file",
    "exports.group_file": "a Word or PowerPoint file",
    "exports.review_copy": "a Word file (the review copy)",
    "exports.synthesis_file": "a Word file",
    "review.section_review": "JSON for the paper page's review panel",
    "review.edition_feedback": "JSON for the staff's feedback",
    "review.inbox": "JSON for the notifications",
    "review.unread": "JSON for the notifications",
}
# Pages no route reaches on a healthy server: errors/unavailable.html (the database out of
# reach) is rendered by app.core.errors when the database fails, not by a URL.

# Emoji and pictographic symbols (the interface draws icons from its sprite instead).
EMOJI = r"[\p{Extended_Pictographic}\u{2600}-\u{27BF}\u{2B00}-\u{2BFF}\u{FE0F}]"

CHECKS = """
(emoji) => {
  const width = window.innerWidth;
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += `#${el.id}`;
    if (typeof el.className === "string" && el.className.trim())
      name += "." + el.className.trim().split(/\\s+/).join(".");
    return name;
  };
  const clipped = (el) => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const scrollWidth = document.documentElement.scrollWidth;
  let wide = [];
  if (scrollWidth > width) {
    wide = [...document.body.querySelectorAll("*")]
      .map((el) => [el, el.getBoundingClientRect()])
      .filter(([el, r]) => r.right > width + 0.5 && r.width > 0 && !clipped(el))
      .sort((a, b) => b[1].right - a[1].right || b[1].width - a[1].width)
      .slice(0, 3)
      .map(([el, r]) => `${describe(el)} (${Math.round(r.width)} px wide, `
        + `ends at ${Math.round(r.right)} px)`);
  }
  const pattern = new RegExp(emoji, "u");
  const glyphs = [...document.querySelectorAll("button, a, label, summary, [role=button]")]
    .map((el) => [el, `${el.textContent} ${el.getAttribute("aria-label") || ""}`])
    .filter(([, text]) => pattern.test(text))
    .map(([el, text]) => `${describe(el)}: ${text.trim().slice(0, 60)}`);
  return { width, scrollWidth, wide, glyphs };
}
"""

AXE_RUN = """
async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations
    .filter((v) => v.impact === "critical" || v.impact === "serious")
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 4).map((n) => ({
        target: n.target.join(" "), summary: n.failureSummary,
      })),
      count: v.nodes.length,
    }));
}
"""


def _visits():
    for role in ROLES:
        for width in WIDTHS:
            for name, page in PAGES.items():
                if role in page.audience:
                    yield pytest.param(role, name, width, id=f"{role}-{name}-{width}")


# --- the server, the browser and the contexts ------------------------------------------


@pytest.fixture(scope="module")
def site(sqlite_template, tmp_path_factory):
    """The demo on its own database, served for the whole module."""
    requests = logging.getLogger("werkzeug")  # a line per request: noise in a failure
    level = requests.level
    requests.setLevel(logging.WARNING)
    folder = tmp_path_factory.mktemp("every-page")
    path = folder / "palabre.sqlite3"
    shutil.copyfile(sqlite_template, path)
    app = create_app(TestConfig(f"sqlite:///{path}", str(folder)))
    with app.app_context():
        edition = load_demo()
        _invitation, token = services.create_invitation(
            edition, role="participant", group=services.get_group(edition, "gouvernement")
        )
        author = find_user(ROLES["government"][0])
        own = db.session.scalar(
            select(Argument.id).where(Argument.author_id == author.id).order_by(Argument.id)
        )
        values = {
            "slug": edition.slug,
            "token": token,
            "argument": db.session.scalar(select(Argument.id).order_by(Argument.id)),
            "own_argument": own,
            "source": db.session.scalar(select(Source.id).order_by(Source.id)),
        }
        db.session.commit()
        server, base_url = serve_in_thread(app)
        yield SimpleNamespace(app=app, base_url=base_url, values=values)
        server.shutdown()
        server.server_close()
        db.session.remove()
        db.engine.dispose()
    requests.setLevel(level)


@dataclass
class Browsing:
    """One context per (role, width), logged in once; the tests run in that order, so one
    is open at a time."""

    browser: object
    base_url: str
    current: tuple | None = None
    context: object = None
    contexts: dict = field(default_factory=dict)

    def context_for(self, role: str, width: int):
        if self.current == (role, width):
            return self.context
        if self.context is not None:
            self.context.close()
        context = self.browser.new_context(
            locale="fr-FR",
            viewport={"width": width, "height": WIDTHS[width]},
            service_workers="block",
        )
        context.route(f"{self.base_url}{AXE_URL}", lambda route: route.fulfill(path=AXE))
        email = ROLES[role][0]
        if email:
            page = context.new_page()
            log_in_page(page, self.base_url, email)
            page.close()
        self.current, self.context = (role, width), context
        return context


@pytest.fixture(scope="module")
def browsing(site):
    from playwright.sync_api import sync_playwright

    if not AXE.exists():
        needs_service("node_modules", "axe-core is missing: run `npm ci` (make test does it)")
    OUTPUT.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        state = Browsing(chromium, site.base_url)
        yield state
        if state.context is not None:
            state.context.close()
        chromium.close()


# --- the tests -------------------------------------------------------------------------


def test_every_get_route_is_visited_or_said_why_not(app):
    routes = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    visited = {page.endpoint for page in PAGES.values()}
    assert routes - visited - set(NOT_PAGES) == set(), "add the new page to PAGES or NOT_PAGES"
    assert set(NOT_PAGES) <= routes, "NOT_PAGES names a route that no longer exists"


@pytest.mark.parametrize(("role", "name", "width"), list(_visits()))
def test_the_page_fits_has_no_emoji_and_no_serious_axe_violation(site, browsing, role, name, width):
    spec = PAGES[name]
    values = {**site.values, "group": ROLES[role][1] or "gouvernement"}
    url = site.base_url + spec.path.format(**values)
    page = browsing.context_for(role, width).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        response = page.goto(url, wait_until="load")
        assert response is not None and response.status == spec.status, (
            f"{role} opening {name} ({url}): HTTP {response and response.status}, "
            f"expected {spec.status}"
        )
        page.wait_for_timeout(150)  # the page's scripts fill what they fill at load
        if spec.opens:
            page.locator(spec.opens).first.click()
            page.wait_for_timeout(300)
        page.screenshot(path=str(OUTPUT / f"{role}-{name}-{width}.png"), full_page=True)
        found = page.evaluate(CHECKS, EMOJI)
        page.add_script_tag(url=site.base_url + AXE_URL)
        violations = page.evaluate(AXE_RUN)
    finally:
        page.close()
    problems = []
    if found["scrollWidth"] > found["width"]:
        problems.append(
            f"the page is {found['scrollWidth']} px wide in a {found['width']} px window; "
            f"widest: {'; '.join(found['wide']) or '(not found)'}"
        )
    if found["glyphs"]:
        problems.append(f"emoji in controls: {found['glyphs']}")
    for v in violations:
        nodes = "; ".join(f"{n['target']}: {n['summary']}" for n in v["nodes"])
        problems.append(f"axe {v['impact']} {v['id']} ({v['help']}), {v['count']} nodes: {nodes}")
    if errors:
        problems.append(f"script errors: {errors}")
    assert not problems, f"{role} / {name} / {width} px:\n- " + "\n- ".join(
        json.dumps(p, ensure_ascii=False)[1:-1] if "\n" in p else p for p in problems
    )
