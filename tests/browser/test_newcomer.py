import re

import pytest
from playwright.sync_api import expect

from tests.browser_support import log_in_page

pytestmark = pytest.mark.browser


def test_a_newcomer_logs_in_switches_language_and_opens_their_group(live_server, demo, browser):
    page = browser.new_page(locale="fr-FR", viewport={"width": 360, "height": 740})
    log_in_page(page, live_server.base_url, "gouvernement1@demo.palabre")
    expect(page.locator("h1")).to_have_text("Mes éditions")
    page.click("text=English")
    expect(page.locator("h1")).to_have_text("My editions")
    page.click("text=MaliSIG 2023 — Masterclass")
    page.click("text=Our group and our paper")
    page.wait_for_url(re.compile(r"/groups/gouvernement$"))
    assert page.locator("[data-section-key]").count() == 7
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_wrong_password_shows_an_error_in_the_browser(live_server, demo, browser):
    page = browser.new_page(locale="fr-FR")
    page.goto(f"{live_server.base_url}/login")
    page.fill("input[name=email]", "gouvernement1@demo.palabre")
    page.fill("input[name=password]", "pas le bon")
    page.click("main button[type=submit]")
    assert "E-mail ou mot de passe incorrect" in page.locator(".flash-error").inner_text()
