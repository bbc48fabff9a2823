"""What the server tells browsers and caches: hashed static files kept a year, pages always
fresh, the service worker at the root, the web app manifest, the offline page, and which
pages a member may read offline."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from io import BytesIO
from pathlib import Path

import brotli
import pytest
from PIL import Image

from app.pwa.assets import IMMUTABLE, OFFLINE_PAGES, load_assets
from tests.offline.conftest import PAPER

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "static"
LINKED = re.compile(r'(?:href|src)="(/static/[^"]+)"')


@pytest.fixture
def member(demo, client_for):
    return client_for(demo.users["gouvernement1@demo.palabre"])


def _linked(html: str) -> list[str]:
    return sorted(set(LINKED.findall(html)))


def _get(client, url: str, **kwargs):
    """The response, read and closed (a static file's stays open otherwise)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def test_every_file_a_page_links_has_a_hashed_name_and_is_kept_a_year(member):
    page = member.get(PAPER)
    assert page.status_code == 200
    files = _linked(page.get_data(as_text=True))
    assert any(f.endswith(".css") for f in files) and any(f.endswith(".js") for f in files)
    manifest = json.loads((STATIC / "dist/assets.json").read_text())
    for url in files:
        assert url.removeprefix("/static/") in manifest["files"], url
        assert re.search(r"-[A-Z2-7]{8}\.(js|css|svg|png)$", url), url
        response = _get(member, url, headers={"Accept-Encoding": "identity"})
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == IMMUTABLE
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Set-Cookie" not in response.headers, url
        if url.endswith((".js", ".css")):
            # A document's policy applies to its scripts: theirs would only cost bytes.
            assert "Content-Security-Policy" not in response.headers
    # Every module the paper needs is named in <link rel="modulepreload"> (the page's code
    # and the editor in one file), but the preview's, which comes later.
    preloaded = re.findall(r'<link rel="modulepreload" href="([^"]+)"', page.get_data(as_text=True))
    assert any("/page-" in url for url in preloaded)
    assert not any("/markdown-" in url for url in preloaded)


def test_hashed_files_are_sent_precompressed_with_the_same_bytes(member):
    html = member.get(PAPER).get_data(as_text=True)
    preloaded = re.findall(r'modulepreload" href="([^"]+)"', html)
    sizes = {
        u: len(_get(member, u, headers={"Accept-Encoding": "identity"}).data) for u in preloaded
    }
    url = max(sizes, key=sizes.get)  # the editor's code (CodeMirror, Yjs), shared with review's
    identity = _get(member, url, headers={"Accept-Encoding": "identity"}).data
    for encoding, decode in (("br", brotli.decompress), ("gzip", gzip.decompress)):
        response = _get(member, url, headers={"Accept-Encoding": encoding})
        assert response.headers["Content-Encoding"] == encoding
        assert "Accept-Encoding" in response.headers["Vary"]
        assert decode(response.data) == identity
    assert len(identity) > 100_000


def test_pages_are_never_cached_by_http_and_say_who_may_read_them_offline(member, client):
    paper = member.get(PAPER)
    assert paper.headers["Cache-Control"] == "no-cache, private"
    assert paper.headers["X-Palabre-Offline"] == "editor"
    assert paper.headers["X-Palabre-User"].isdigit()
    debate = member.get("/editions/malisig-2023/debate/q1")
    assert debate.headers["X-Palabre-Offline"] == "page"
    library = member.get("/editions/malisig-2023/library")
    assert library.status_code == 200 and "X-Palabre-Offline" not in library.headers
    login = client.get("/login")
    assert login.headers["Cache-Control"] == "no-cache"
    assert "X-Palabre-Offline" not in login.headers
    assert set(OFFLINE_PAGES) <= {rule.endpoint for rule in member.application.url_map.iter_rules()}


def test_a_static_file_is_served_unhashed_when_it_changed_since_the_build(tmp_path, caplog):
    static = tmp_path / "static"
    shutil.copytree(STATIC / "dist", static / "dist")
    shutil.copytree(STATIC / "css", static / "css")
    shutil.copytree(STATIC / "img", static / "img")
    assert "css/palabre.css" in load_assets(static).names
    (static / "css/palabre.css").write_text("body { color: red; }\n")
    assets = load_assets(static)
    assert "css/palabre.css" not in assets.names  # its source, fresh, not the stale copy
    assert "css/editor.css" in assets.names
    assert "npm run build" in caplog.text


def test_the_service_worker_is_served_from_the_root_never_cached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    assert "__PALABRE_SERVER_REVISION__" not in body
    # It precaches every hashed file and the offline page in both languages.
    manifest = json.loads((STATIC / "dist/assets.json").read_text())
    for name in manifest["files"]:
        assert f"/static/{name}" in body, name
    assert "/offline?lang=" in body
    csp = client.get("/login").headers["Content-Security-Policy"]
    assert "worker-src 'self'" in csp and "manifest-src 'self'" in csp


def test_the_web_app_manifest_makes_palabre_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json()
    assert manifest["name"] == "Palabre" and manifest["short_name"] == "Palabre"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["lang"] == "fr"
    sizes = {}
    for icon in manifest["icons"]:
        image = _get(client, icon["src"])
        assert image.status_code == 200, icon["src"]
        if icon["type"] == "image/png":
            width, height = Image.open(BytesIO(image.data)).size
            assert icon["sizes"] == f"{width}x{height}"
            sizes[icon.get("purpose", "any")] = width
    assert sizes.get("any") == 512 and sizes.get("maskable") == 512  # Chromium asks for both
    assert '<link rel="manifest" href="/manifest.webmanifest">' in client.get("/login").get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("lang", "title"), [("fr", '<html lang="fr">'), ("en", '<html lang="en">')]
)
def test_the_offline_page_belongs_to_no_one(client, member, lang, title):
    for browser in (client, member):
        response = _get(browser, f"/offline?lang={lang}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert title in html
        assert "csrf" not in html and "palabre-user" not in html and "logout" not in html
        assert "X-Palabre-Offline" not in response.headers
        assert all(url.removeprefix("/static/").startswith("dist/") for url in _linked(html))
