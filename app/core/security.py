"""Security headers on every response, and the per-request CSP nonce.

Scripts come only from our own origin (no inline script). Styles too, except the
``<style>`` elements CodeMirror injects, which carry the per-request nonce
(``EditorView.cspNonce``); remote cursors need inline ``style`` attributes, which cannot
run code, so ``style-src-attr`` allows them. The service worker (``/sw.js``) and the web
app manifest come from our own origin too (``worker-src``, ``manifest-src``); the worker,
served with this same policy, fetches only from it (``connect-src``).
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            f"style-src 'self' 'nonce-{nonce}'",
            "style-src-attr 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self'",
            "connect-src 'self'",
            "worker-src 'self'",
            "manifest-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ]
    )


#: Static files a browser never renders as a document: the policy of the page that loads
#: them applies, their own (CSP, framing, opener) would be ignored. On 3G the ~700 bytes of
#: headers each such file carried cost more than most of them weigh compressed.
NOT_DOCUMENTS = {"text/javascript", "application/javascript", "text/css", "image/png"}


def install_security_headers(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def add_headers(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        if request.endpoint == "static" and response.mimetype in NOT_DOCUMENTS:
            return response
        response.headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response
