"""The argument map in Chromium, on a phone, a laptop and a projector: it stays inside its
box at 360 px and reads there, its text is plain, it pans and zooms by buttons, keys and
two fingers, Tab walks it in thread order, and the projector mode takes the whole screen.
Screenshots of the demo's map are kept in tests/output/map/."""

from pathlib import Path

import pytest

from tests.browser_support import member_page

pytestmark = pytest.mark.browser
Q1 = "/editions/malisig-2023/debate/q1"
OUTPUT = Path(__file__).resolve().parents[1] / "output" / "map"
READER = "prive1@demo.palabre"


def _map(browser, base_url, width=1280, height=800, path=Q1 + "/map", **context):
    page = member_page(browser, base_url, READER, path, width=width, height=height, **context)
    page.wait_for_selector("svg.argument-map[data-show]")
    return page


def _scale(page) -> float:
    return float(page.get_attribute(".map-viewport", "data-scale"))


def _transform(page) -> str:
    return page.get_attribute("svg.argument-map .map-view", "transform")


def test_at_360_px_nothing_overflows_and_the_legend_wraps(live_server, demo, browser):
    page = _map(browser, live_server.base_url, width=360, height=740)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    legend = page.locator(".map-legend").bounding_box()
    assert legend["width"] >= 300 and legend["x"] + legend["width"] <= 360
    rows = page.evaluate(
        "() => new Set([...document.querySelectorAll('.map-legend li, .map-legend .badge')]"
        ".map(e => Math.round(e.getBoundingClientRect().top))).size"
    )
    assert rows >= 3
    right = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('.map-legend *')]"
        ".map(e => e.getBoundingClientRect().right))"
    )
    assert right <= 360


def test_at_360_px_the_map_fits_the_width_readably_and_zooms_in(live_server, demo, browser):
    page = _map(browser, live_server.base_url, width=360, height=740)
    assert page.get_attribute("svg.argument-map", "data-show") == "narrow"
    box = page.locator(".map-viewport").bounding_box()
    drawn = page.locator("svg .map-view").bounding_box()
    assert box["x"] <= drawn["x"] and drawn["x"] + drawn["width"] <= box["x"] + box["width"]
    assert drawn["width"] >= 0.85 * box["width"]
    assert _scale(page) * 14 >= 12  # the nodes' 14 px text is at least 12 px on screen
    page.click(".map-tools [data-action=in]")
    assert _scale(page) * 14 > 14


def test_node_text_is_plain_text_without_markdown(live_server, demo, browser, claim):
    page = _map(browser, live_server.base_url)
    text = page.inner_text(f".map-node[data-argument='{claim.id}'] .map-text")
    assert "légale" in text and "*" not in text


def test_zoom_buttons_change_the_transform(live_server, demo, browser):
    page = _map(browser, live_server.base_url)
    before, scale = _transform(page), _scale(page)
    page.click(".map-tools [data-action=in]")
    assert _transform(page) != before and _scale(page) > scale
    page.click(".map-tools [data-action=out]")
    page.click(".map-tools [data-action=out]")
    assert _scale(page) < scale
    page.click(".map-tools [data-action=fit]")
    assert _scale(page) == pytest.approx(scale, abs=0.002)


def test_keys_zoom_and_pan_the_map(live_server, demo, browser):
    page = _map(browser, live_server.base_url, width=1000, height=700)
    page.focus(".map-viewport")
    scale = _scale(page)
    page.keyboard.press("+")
    assert _scale(page) > scale
    page.keyboard.press("+")
    before = _transform(page)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    assert _transform(page) != before
    page.keyboard.press("-")
    page.keyboard.press("-")
    page.keyboard.press("-")
    assert _scale(page) < scale


def test_ctrl_wheel_zooms_at_the_pointer_and_a_plain_wheel_pans(live_server, demo, browser):
    page = _map(browser, live_server.base_url, width=1000, height=700)
    box = _box_in_view(page)
    page.mouse.move(box["x"] + 200, box["y"] + 150)
    scale = _scale(page)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -200)
    page.keyboard.up("Control")
    page.wait_for_function(
        f"() => Number(document.querySelector('.map-viewport').dataset.scale) > {scale}"
    )
    before = _transform(page)
    page.mouse.wheel(0, 120)
    page.wait_for_function(
        f"() => document.querySelector('svg .map-view').getAttribute('transform') !== '{before}'"
    )
    assert _scale(page) > scale


def test_tab_walks_the_nodes_in_thread_order_and_enter_opens_one(live_server, demo, browser):
    page = _map(browser, live_server.base_url)
    threads = page.context.new_page()
    threads.goto(live_server.base_url + Q1)
    order = threads.eval_on_selector_all(
        "li.argument[data-argument]", "els => els.map(e => e.dataset.argument)"
    )
    page.focus(".map-viewport")
    walked = []
    for _ in order:
        page.keyboard.press("Tab")
        walked.append(page.evaluate("() => document.activeElement.dataset.argument"))
    assert walked == order
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{Q1}#a{walked[-1]}")


def test_a_focused_node_out_of_view_is_brought_into_view(live_server, demo, browser):
    page = _map(browser, live_server.base_url, width=360, height=640)
    for _ in range(3):
        page.click(".map-tools [data-action=in]")
    last = page.eval_on_selector_all(".map-node", "els => els.at(-1).dataset.argument")
    page.focus(f".map-node[data-argument='{last}']")
    box = page.locator(".map-viewport").bounding_box()
    card = page.locator(f".map-node[data-argument='{last}'] .map-card")
    top = card.bounding_box()["y"]
    assert box["y"] <= top < box["y"] + box["height"]


def _box_in_view(page) -> dict:
    page.evaluate("() => document.querySelector('.map-viewport').scrollIntoView()")
    return page.locator(".map-viewport").bounding_box()


def _touch(cdp, kind, points):
    cdp.send(
        "Input.dispatchTouchEvent",
        {"type": kind, "touchPoints": [{"x": x, "y": y, "id": i} for i, (x, y) in points]},
    )


def test_a_two_finger_pinch_zooms(live_server, demo, browser):
    page = _map(browser, live_server.base_url, width=390, height=800, has_touch=True)
    box = _box_in_view(page)
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    scale = _scale(page)
    cdp = page.context.new_cdp_session(page)
    _touch(cdp, "touchStart", [(0, (cx - 30, cy)), (1, (cx + 30, cy))])
    for step in range(1, 7):
        _touch(cdp, "touchMove", [(0, (cx - 30 - 10 * step, cy)), (1, (cx + 30 + 10 * step, cy))])
    _touch(cdp, "touchEnd", [])
    assert _scale(page) == pytest.approx(scale * 3, rel=0.05)
    assert page.url.endswith("/map")  # no node was opened


def test_one_finger_pans_without_opening_a_node(live_server, demo, browser):
    page = _map(browser, live_server.base_url, width=390, height=800, has_touch=True)
    page.click(".map-tools [data-action=in]")
    page.click(".map-tools [data-action=in]")
    box = _box_in_view(page)
    x, y = box["x"] + 200, box["y"] + 200
    before = _transform(page)
    cdp = page.context.new_cdp_session(page)
    _touch(cdp, "touchStart", [(0, (x, y))])
    for step in range(1, 6):
        _touch(cdp, "touchMove", [(0, (x - 15 * step, y - 20 * step))])
    _touch(cdp, "touchEnd", [])
    page.wait_for_timeout(200)
    assert _transform(page) != before
    assert page.url.endswith("/map")


def test_projector_mode_hides_the_header_and_enlarges_the_text(live_server, demo, browser):
    page = _map(browser, live_server.base_url, width=1920, height=1080)
    card = ".map-node .map-card >> nth=0"
    height = page.locator(card).bounding_box()["height"]
    question = page.evaluate(
        "() => parseFloat(getComputedStyle(document.querySelector('.question-text')).fontSize)"
    )
    page.click(".map-tools [data-action=projector]")
    assert not page.is_visible("header.topbar")
    assert not page.is_visible(".question-tabs")
    assert page.locator(card).bounding_box()["height"] > height * 1.2
    assert (
        page.evaluate(
            "() => parseFloat(getComputedStyle(document.querySelector('.question-text')).fontSize)"
        )
        > question * 1.5
    )
    assert "projector=1" in page.url
    assert page.errors == []


def test_projector_mode_opens_from_the_address_and_escape_leaves(live_server, demo, browser):
    page = _map(browser, live_server.base_url, 1920, 1080, path=Q1 + "/map?projector=1")
    assert not page.is_visible("header.topbar")
    assert page.get_attribute(".map-tools [data-action=projector]", "aria-pressed") == "true"
    page.keyboard.press("Escape")
    assert page.is_visible("header.topbar")
    assert "projector" not in page.url


def test_the_map_names_itself_and_links_its_text_version(live_server, demo, browser):
    page = _map(browser, live_server.base_url, width=360, height=740)
    assert page.get_attribute(".map-viewport", "aria-label")
    described = page.get_attribute(".map-viewport", "aria-describedby")
    assert page.is_visible(f"#{described}")
    assert page.get_attribute("svg.argument-map", "aria-labelledby") == "map-title"
    assert page.text_content("svg.argument-map desc").strip()
    link = page.locator(".map-text-version")
    assert link.is_visible() and link.get_attribute("href").endswith(Q1)


def test_screenshots_of_the_demo_map(live_server, demo, browser):
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for name, width, height, path in (
        ("phone-360", 360, 740, Q1 + "/map"),
        ("laptop-1280", 1280, 800, Q1 + "/map"),
        ("projector-1920", 1920, 1080, Q1 + "/map?projector=1"),
    ):
        page = _map(browser, live_server.base_url, width=width, height=height, path=path)
        page.wait_for_timeout(300)
        page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=name == "phone-360")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        assert page.errors == []
        page.context.close()
