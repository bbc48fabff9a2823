"""The invitations page in Chromium: the new link's QR code fits a phone and a laptop."""

from pathlib import Path

import pytest

from tests.browser_support import log_in_page

pytestmark = pytest.mark.browser
OUTPUT = Path(__file__).resolve().parents[1] / "output"


@pytest.mark.parametrize("width", [360, 1280])
def test_the_new_link_and_its_qr_code_fit_the_screen(app, live_server, demo, browser, width):
    app.config["PUBLIC_URL"] = "http://192.168.1.20:5000"
    page = browser.new_page(locale="fr-FR", viewport={"width": width, "height": 900})
    log_in_page(page, live_server.base_url, "organisateur@demo.palabre")
    page.goto(f"{live_server.base_url}/editions/malisig-2023/manage/invitations")
    page.select_option("select[name=role]", "participant")
    page.select_option("select[name=group]", "societe-civile")
    page.fill("input[name=max_uses]", "30")
    page.click("form.card button[type=submit]")
    qr = page.locator(".invitation-qr svg.qr")
    qr.wait_for()
    box = qr.bounding_box()
    assert 160 <= box["width"] <= 260 and box["width"] == pytest.approx(box["height"], abs=1)
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    link = page.locator(".invitation-link .copyable").input_value()
    assert link.startswith("http://192.168.1.20:5000/invitation/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"invitations-{width}.png"), full_page=True)
