"""Playwright driving Debian's Chromium, shared by every browser test."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.conftest import needs_service

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch_chromium(playwright):
    if not Path(CHROMIUM).exists():
        needs_service("Chromium", f"{CHROMIUM} is missing (make test installs it with apt as root)")
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def log_in_page(page, base_url: str, email: str, password: str = "palabre-demo") -> None:
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def wait_until(page, expression: str, timeout: float = 10.0) -> None:
    """Poll ``expression`` with evaluate (wait_for_function's in-page eval breaks the CSP)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(50)


def member_page(
    browser, base_url: str, email: str, path: str, *, width=1280, height=800, **context
):
    """A new context at that size, in French, logged in as ``email``, on ``path``; the
    page's script errors collect in ``page.errors``."""
    page = browser.new_context(
        locale="fr-FR", viewport={"width": width, "height": height}, **context
    ).new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    log_in_page(page, base_url, email)
    page.goto(base_url + path)
    return page
