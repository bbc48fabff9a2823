"""Palabre without a network, in Chromium, against the server process ``make run`` starts
(gevent): the paper reopens offline with the device's text and syncs once back; an edit
made while the session ended reaches the server once, after a login in place; the badge
tells a silent drop within 10 s and reconnects within 2 s of the browser going online;
logging out deletes the device's copies; read copies and the offline page."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.browser_support import log_in_page
from tests.offline.conftest import DEBATE, INTRO, MEMBER, PAPER, PASSWORD, wait_for_async

pytestmark = pytest.mark.browser

OFFLINE_BADGE = "Hors ligne — vos modifications sont conservées sur cet appareil"
ENDED_BADGE = (
    "Votre session a pris fin — reconnectez-vous ; vos modifications sont conservées sur cet "
    "appareil"
)


def test_the_paper_reopens_offline_with_the_local_text_and_syncs_once_online(members, server_text):
    member = members()
    member.open_paper()
    member.open_intro()
    member.type(" En ligne d'abord.")
    member.wait_sent()

    member.context.set_offline(True)
    member.page.reload()  # served by the service worker: no network
    page = member.page
    page.wait_for_selector(INTRO)
    assert page.evaluate("() => document.documentElement.dataset.offlineKind") == "editor"
    assert page.evaluate("() => Boolean(document.documentElement.dataset.offlineCopy)")
    member.wait_status("offline")
    assert page.inner_text("#connection-badge") == OFFLINE_BADGE
    page.evaluate("() => window.palabreEditor.loaded.then(() => true)")
    assert "En ligne d'abord." in member.text()

    member.open_intro()
    member.type(" Hors-ligne-R2 ajouté sans réseau.")
    page.wait_for_selector("#waiting-count:not([hidden])")
    assert member.waiting() > 0
    assert "en attente" in page.inner_text("#waiting-count") or "waiting" in page.inner_text(
        "#waiting-count"
    )
    assert "Hors-ligne-R2" not in server_text()

    member.context.set_offline(False)
    member.wait_sent()
    assert server_text().count("Hors-ligne-R2 ajouté sans réseau.") == 1
    assert member.text().count("Hors-ligne-R2") == 1
    assert member.errors == []


def _log_out_everywhere_from_another_device(browser, site) -> None:
    """The member logs out on another device: every session of theirs ends."""
    elsewhere = browser.new_context(locale="fr-FR")
    other = elsewhere.new_page()
    log_in_page(other, site.url, MEMBER)
    other.click("form[data-logout] button")
    other.wait_for_url(f"{site.url}/login")
    elsewhere.close()


def test_an_edit_made_while_the_session_ended_reaches_the_server_once_after_login_in_place(
    members, browser, site, server_text
):
    member = members()
    member.open_paper()
    member.open_intro()
    member.context.set_offline(True)
    member.wait_status("offline")
    member.type(" Échouée-7Q pendant la coupure.")

    # Meanwhile, on another device, the member logs out: every session ends.
    _log_out_everywhere_from_another_device(browser, site)

    member.context.set_offline(False)
    started = time.monotonic()
    member.wait_status("ended", timeout=5000)
    assert time.monotonic() - started < 3
    page = member.page
    assert page.inner_text("#connection-badge") == ENDED_BADGE
    dialog = page.locator("#login-dialog")
    dialog.wait_for(state="visible", timeout=5000)
    assert member.waiting() > 0
    assert "Échouée-7Q" not in server_text()

    page.fill("#login-dialog-password", PASSWORD)
    page.click("#login-dialog button[type=submit]")
    dialog.wait_for(state="hidden", timeout=10000)
    member.wait_sent()
    assert server_text().count("Échouée-7Q pendant la coupure.") == 1
    # The page goes on working with the new session: a new edit, sent once too.
    member.type(" Puis-8R.")
    member.wait_sent()
    text = server_text()
    assert text.count("Échouée-7Q") == 1 and text.count("Puis-8R.") == 1
    assert member.errors == []


def test_the_badge_leaves_connected_within_10_seconds_of_a_silent_drop(members, site):
    member = members()
    member.open_paper()
    os.kill(site.process.pid, signal.SIGSTOP)  # the link passes no byte, nothing closes
    try:
        started = time.monotonic()
        member.page.wait_for_selector(
            '#connection-badge:not([data-status="connected"])', timeout=12000
        )
        noticed = time.monotonic() - started
    finally:
        os.kill(site.process.pid, signal.SIGCONT)
    assert noticed < 10, f"the badge said Connecté for {noticed:.1f} s"
    member.wait_status("connected", timeout=15000)


def test_the_page_reconnects_within_2_seconds_of_going_online(members):
    member = members()
    member.open_paper()
    member.context.set_offline(True)
    member.wait_status("offline")
    # Wait until the next attempt is more than 2 s away: only the `online` event can then
    # bring the link back within 2 s.
    delay = member.page.evaluate(
        """() => new Promise((resolve) => {
          const link = window.palabreEditor.connection.link;
          const seen = (event) => {
            if (event.detail.delay < 2000) return;
            link.removeEventListener("retry", seen);
            resolve(event.detail.delay);
          };
          link.addEventListener("retry", seen);
        })"""
    )
    started = time.monotonic()
    member.context.set_offline(False)
    member.wait_status("connected", timeout=10000)
    elapsed = time.monotonic() - started
    assert elapsed < 2, f"connected {elapsed:.2f} s after going online"
    assert elapsed * 1000 < delay


def test_logging_out_warns_of_waiting_changes_then_deletes_the_devices_copies(members, server_text):
    member = members()
    member.open_paper()
    member.open_intro()
    page = member.page
    uid = member.user_id()
    copies = """(uid) => indexedDB.databases().then((dbs) =>
        dbs.map((db) => db.name).filter((name) => name.startsWith(`palabre:${uid}:`)))"""
    assert len(page.evaluate(copies, uid)) == 7  # every section of the paper

    member.context.set_offline(True)
    member.wait_status("offline")
    member.type(" Attente-5K avant de partir.")
    page.click("form[data-logout] button")
    warning = page.locator("dialog.logout-dialog")
    warning.wait_for(state="visible")
    waiting = member.waiting()
    assert waiting > 0 and str(waiting) in warning.inner_text()  # "27 modifications …"
    warning.locator("button").last.click()  # cancel
    warning.wait_for(state="detached")

    member.context.set_offline(False)
    member.wait_sent()
    page.click("form[data-logout] button")
    page.wait_for_url(f"{member.base}/login")
    assert page.evaluate(copies, uid) == []
    assert (
        page.evaluate(
            """async () => (await caches.keys()).includes("palabre-pages")
          ? (await (await caches.open("palabre-pages")).keys()).length : 0"""
        )
        == 0
    )
    assert (
        page.evaluate(
            "() => Object.keys(localStorage).filter((k) => k.startsWith('palabre:outbox:'))"
        )
        == []
    )
    assert server_text().count("Attente-5K avant de partir.") == 1
    # Logged out for real: the paper asks for a login again.
    page.goto(member.base + PAPER)
    assert "/login" in page.url


def test_pages_seen_are_readable_offline_as_copies_and_others_answer_the_offline_page(
    members,
):
    member = members()
    member.open_paper()
    page = member.page
    page.goto(member.base + DEBATE)
    member.wait_kept(DEBATE)
    member.context.set_offline(True)

    page.goto(member.base + DEBATE)
    banner = page.locator('#shell-banner [data-key="offline-copy"]')
    banner.wait_for()
    assert page.evaluate("() => document.documentElement.dataset.offlineKind") == "page"
    assert page.locator("#thread-root").count() == 1

    page.goto(member.base + "/editions/malisig-2023/library")  # never opened: not kept
    page.wait_for_selector("body.offline-page")
    assert page.inner_text("h1")
    page.wait_for_selector("#offline-kept a")
    kept = page.eval_on_selector_all("#offline-kept a", "(links) => links.map((a) => a.pathname)")
    assert PAPER in kept and DEBATE in kept


def test_another_member_on_the_device_gets_none_of_the_first_ones_copies(
    members, browser, site, server_text
):
    first = members()
    first.open_paper()
    first.open_intro()
    page = first.page
    first_id = first.user_id()
    first.context.set_offline(True)
    first.wait_status("offline")
    first.type(" Brouillon-9T du premier membre.")
    # The first member's session ends elsewhere; the phone passes to a second member.
    _log_out_everywhere_from_another_device(browser, site)
    first.context.set_offline(False)
    first.wait_status("ended", timeout=5000)
    page.keyboard.press("Escape")  # "later": the dialog closes, the draft stays

    log_in_page(page, site.url, "gouvernement2@demo.palabre")
    page.goto(site.url + PAPER)
    page.wait_for_selector('#connection-badge[data-status="connected"]')
    names = page.evaluate("() => indexedDB.databases().then((dbs) => dbs.map((db) => db.name))")
    mine = [n for n in names if n.startswith(f"palabre:{first_id}:")]
    assert mine == [f"palabre:{first_id}:malisig-2023/gouvernement/introduction"]  # waiting
    # The worker drops the first member's pages once it hears who is logged in now.
    wait_for_async(
        page,
        """async (uid) => {
          const cache = await caches.open("palabre-pages");
          for (const request of await cache.keys()) {
            if ((await cache.match(request)).headers.get("X-Palabre-User") === uid) return false;
          }
          return true;
        }""",
        first_id,
    )
    text = page.evaluate(
        "(name) => window.palabreEditor.sections.get(name).session.text.toString()",
        "malisig-2023/gouvernement/introduction",
    )
    assert "Brouillon-9T" not in text and "Brouillon-9T" not in server_text()
