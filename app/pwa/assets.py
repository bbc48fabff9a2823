"""Static files with hashed names, what each response may be cached for, and which pages
a member may read offline.

``frontend/build.mjs`` writes every bundle, style sheet and image under a name carrying a
hash of its bytes (``static/dist/assets.json`` maps the logical names templates use to
them) and a Brotli and a gzip copy beside each text file. Here:

- ``url_for('static', filename='css/palabre.css')`` gives the hashed file's URL (so every
  template, every area's included, links hashed files without knowing it); a style sheet or
  image edited since the last build is served from its source instead (its copy would be
  stale), and a warning says to run ``npm run build``;
- a hashed file is sent ``Cache-Control: public, max-age=31536000, immutable`` (a phone
  never asks for it again), precompressed when the browser accepts it; any other static
  file ``no-cache`` (Flask's default: revalidated);
- pages (HTML) are ``no-cache`` (``private`` too for a logged-in member): always fresh;
- the pages a member may read offline carry ``X-Palabre-Offline`` (``editor`` for the paper,
  ``page`` for a read copy) and ``X-Palabre-User``: the service worker keeps those, for
  that member only (``frontend/src/sw/sw.js``).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from flask import Flask, Response, current_app, g, request, url_for

log = logging.getLogger(__name__)

IMMUTABLE = "public, max-age=31536000, immutable"

#: Endpoints whose pages the service worker keeps for reading offline, and how they are
#: used there: ``editor`` (the paper: editable offline, the device's copy of each section)
#: or ``page`` (shown as last seen, marked as a copy).
OFFLINE_PAGES = {
    "collaboration.paper": "editor",
    "workshops.home": "page",
    "workshops.edition": "page",
    "workshops.group": "page",
    "deliberation.index": "page",
    "deliberation.question": "page",
    "facilitation.announcements": "page",
}

#: Precompressed copies, best first.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))


@dataclass(frozen=True)
class Assets:
    names: dict[str, str]  # logical name -> hashed file, both relative to static/
    immutable: frozenset[str]  # every hashed file
    digest: str  # of assets.json: changes with any asset
    preload: dict[str, dict] = field(default_factory=dict)  # entry -> {imports, lazy}

    def preloads(self, entry: str, *lazy: str) -> list[str]:
        """The files (relative to static/) the page of ``entry`` may ``modulepreload``, in
        the order the names say: ``"."`` is the entry and what it imports before it runs,
        any other name a module it imports later (e.g. ``"codemirror"``); each file once."""
        found = self.preload.get(entry)
        if found is None or entry not in self.names:
            return []
        ordered: list[str] = []
        for name in lazy or (".",):
            if name == ".":
                ordered += [self.names[entry], *found["imports"]]
            else:
                ordered += found["lazy"].get(name, [])
        return list(dict.fromkeys(ordered))


def load_assets(static_folder: Path) -> Assets:
    """Read ``dist/assets.json``; a source changed since the build keeps its own name."""
    path = static_folder / "dist" / "assets.json"
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        log.warning("%s is missing: run `npm run build`; static files keep their names", path)
        return Assets({}, frozenset(), "")
    manifest = json.loads(raw)
    names = dict(manifest["assets"])
    for logical, digest in manifest.get("sources", {}).items():
        source = static_folder / logical
        if not source.exists() or hashlib.sha256(source.read_bytes()).hexdigest() != digest:
            log.warning("static/%s changed since the last `npm run build`: served as is", logical)
            names.pop(logical, None)
    return Assets(
        names,
        frozenset(manifest.get("files", ())),
        hashlib.sha256(raw).hexdigest(),
        manifest.get("preload", {}),
    )


def assets(app: Flask | None = None) -> Assets:
    app = app or current_app._get_current_object()
    return app.extensions["palabre.assets"]


@lru_cache(maxsize=256)
def _read(path: Path) -> bytes:
    return path.read_bytes()


def _from_memory(app: Flask, response: Response, filename: str) -> None:
    """Answer a hashed file from memory: its Brotli or gzip copy when the browser takes it,
    else the file itself. The file Flask opened is closed here: left to the server, it
    stays open when the browser goes away mid-answer (Werkzeug's threaded server skips
    closing it then), and the file's bytes never change anyway."""
    accepted = request.accept_encodings
    base = Path(app.static_folder) / filename
    body, chosen = None, None
    for encoding, suffix in ENCODINGS:
        copy = base.with_name(base.name + suffix)
        if accepted[encoding] and copy.exists():
            body, chosen = _read(copy), encoding
            break
    if hasattr(response.response, "close"):
        response.response.close()
    response.direct_passthrough = False
    response.set_data(body if body is not None else _read(base))
    if chosen:
        response.headers["Content-Encoding"] = chosen
        response.set_etag(f"{base.name}.{chosen}")
    response.vary.add("Accept-Encoding")


def install(app: Flask) -> None:
    app.extensions["palabre.assets"] = load_assets(Path(app.static_folder))

    def module_preloads(entry: str, *lazy: str) -> list[str]:
        return [url_for("static", filename=name) for name in assets(app).preloads(entry, *lazy)]

    app.jinja_env.globals["module_preloads"] = module_preloads

    @app.url_defaults
    def hashed_static_names(endpoint: str, values: dict) -> None:
        if endpoint == "static":
            hashed = assets(app).names.get(values.get("filename"))
            if hashed is not None:
                values["filename"] = hashed

    @app.after_request
    def caching(response: Response) -> Response:
        if request.endpoint == "static":
            filename = (request.view_args or {}).get("filename", "")
            if filename in assets(app).immutable and response.status_code in (200, 304):
                response.headers["Cache-Control"] = IMMUTABLE
                # Never revalidated nor downloaded as a file: every byte counts on 3G.
                for header in ("Content-Disposition", "Last-Modified", "Accept-Ranges"):
                    response.headers.pop(header, None)
                if response.status_code == 200 and request.method == "GET":
                    _from_memory(app, response, filename)
            return response
        if response.mimetype != "text/html" or "Cache-Control" in response.headers:
            return response
        # The user the request loaded, if it did (asking now could reach for a database
        # that is out of reach: the page being answered may say so).
        user = g.get("_login_user")
        member = user is not None and user.is_authenticated
        response.headers["Cache-Control"] = "no-cache, private" if member else "no-cache"
        kind = OFFLINE_PAGES.get(request.endpoint or "")
        if kind and member and response.status_code == 200 and request.method == "GET":
            response.headers["X-Palabre-Offline"] = kind
            response.headers["X-Palabre-User"] = str(user.id)
        return response
