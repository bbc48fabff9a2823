"""The installable web app: the service worker, the web app manifest, the offline page.

``/sw.js`` is served from the site's root so that its scope is the whole site (and says so,
``Service-Worker-Allowed: /``), never from a cache (``no-cache``: browsers check it for a new
version at every visit anyway, bypassing their HTTP cache). Its precache list is the build's
(``static/dist/sw.js``); the server adds its own revision, a digest of the offline page's
template, of the translations and of the assets, so that any change to what the offline
page shows installs a new worker.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _

from app.pwa.assets import assets

bp = Blueprint("pwa", __name__)

PLACEHOLDER = b"__PALABRE_SERVER_REVISION__"
THEME_COLOUR = "#2e7d32"  # --accent in static/css/palabre.css
BACKGROUND_COLOUR = "#fbf8f1"  # --paper


def _revision() -> str:
    app = current_app._get_current_object()
    kept = app.extensions.get("palabre.sw_revision")
    if kept is None:
        digest = hashlib.sha256(assets(app).digest.encode())
        root = Path(app.root_path)
        files = [root / "templates/pwa/offline.html"]
        files += sorted((root / "translations").glob("*/LC_MESSAGES/messages.mo"))
        for path in files:
            if path.exists():
                digest.update(path.read_bytes())
        kept = app.extensions["palabre.sw_revision"] = digest.hexdigest()[:16]
    return kept


@bp.route("/sw.js")
def service_worker():
    path = Path(current_app.static_folder) / "dist" / "sw.js"
    try:
        body = path.read_bytes()
    except FileNotFoundError:
        abort(404)
    response = Response(body.replace(PLACEHOLDER, _revision().encode()), mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/manifest.webmanifest")
def manifest():
    def static(name: str) -> str:
        return url_for("static", filename=name)

    response = jsonify(
        {
            "id": "/",
            "name": "Palabre",
            "short_name": "Palabre",
            "description": _("Position papers written together, and the debate, even offline."),
            "lang": str(get_locale() or "fr"),
            "dir": "ltr",
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "orientation": "any",
            "background_color": BACKGROUND_COLOUR,
            "theme_color": THEME_COLOUR,
            "icons": [
                {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
                {
                    "src": static("img/icon-maskable-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
                {"src": static("img/palabre.svg"), "sizes": "any", "type": "image/svg+xml"},
            ],
        }
    )
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/offline")
def offline():
    """What the service worker shows for a page that needs the server (it keeps one per
    language, ``?lang=fr|en``). Nothing here belongs to anyone: it is kept for every member."""
    languages = current_app.config["LANGUAGES"]
    lang = request.args.get("lang")
    if lang not in languages:
        lang = current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(lang):
        return render_template("pwa/offline.html", lang=lang)
