"""Palabre as an installable web app that opens offline (issue 14).

``install(app)``: hashed static names and caching headers (``assets``), the routes of the
service worker, the web app manifest and the offline page (``views``). The browser side is
``frontend/src/sw/sw.js`` (Workbox), ``frontend/src/pages/shell.js`` (every page) and
``frontend/src/offline/`` (the device's copies, logging in again in place).
"""

from __future__ import annotations

from flask import Flask

from app.pwa import assets, views


def install(app: Flask) -> None:
    assets.install(app)
    app.register_blueprint(views.bp)
