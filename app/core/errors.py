"""Errors a service may raise, each with a stable code and a message fit for the user.

HTTP views turn them into error pages (``register_error_pages``); socket events into an
``error`` event and a ``{ok: false, error, message}`` acknowledgement (``app.core.sockets``).
A database out of reach (``database_unavailable``) is answered 503 with ``Retry-After``,
whether a view's query or the request's commit met it.
"""

from __future__ import annotations

import contextlib
import functools
import logging

from flask import Flask, Response, current_app, g, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)
# Seconds a client is told to wait before trying again when the database is unreachable.
RETRY_AFTER_SECONDS = 5
DATABASE_UNAVAILABLE = _l(
    "The database is temporarily unavailable. Your changes in the editor are kept on your "
    "device; try again in a moment."
)


class PalabreError(Exception):
    code = "error"
    status = 400
    default_message = _l("Something went wrong.")

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = str(message) if message is not None else str(self.default_message)
        if code:
            self.code = code


class BadInput(PalabreError):
    code = "bad_input"
    status = 400
    default_message = _l("This input is not valid.")


class Forbidden(PalabreError):
    code = "forbidden"
    status = 403
    default_message = _l("You are not allowed to do this.")


class NotFound(PalabreError):
    code = "not_found"
    status = 404
    default_message = _l("This page does not exist.")


class Conflict(PalabreError):
    code = "conflict"
    status = 409
    default_message = _l("This action conflicts with the current state.")


class Unavailable(PalabreError):
    code = "unavailable"
    status = 503
    default_message = _l("The service is temporarily unavailable; nothing was lost, try again.")


def json_api(view):
    """Mark a view as a JSON endpoint: its errors are JSON too, whatever the client accepts."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        g.json_errors = True
        return view(*args, **kwargs)

    return wrapper


def _wants_json() -> bool:
    if g.get("json_errors") or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def database_unavailable(error: BaseException) -> bool:
    """Is ``error`` the database being out of reach (down, restarting, connection cut, no
    free connection in the pool), rather than a bug in a statement?"""
    if isinstance(error, PoolTimeout):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if type(error.orig).__module__ == "sqlite3":
        # SQLite reports "no such table" as an OperationalError too: only busy is transient.
        return "locked" in str(error.orig) or "busy" in str(error.orig)
    return isinstance(error, OperationalError | InterfaceError)


def _first_line(error: BaseException) -> str:
    reason = str(getattr(error, "orig", None) or error).strip()
    return reason.splitlines()[0][:200] if reason else type(error).__name__


def database_unavailable_response(error: BaseException) -> Response:
    """The answer to a request the database could not serve: 503, ``Retry-After``, a page
    in the app's layout (it needs no database: the visitor is shown as logged out) or a
    self-contained one if even that fails, JSON for a JSON client. Rolls the session back
    and logs one line (no traceback: every request fails the same way during an outage)."""
    from app.extensions import db

    with contextlib.suppress(Exception):  # a connection already gone: nothing to undo
        db.session.rollback()
    log.warning(
        "database unavailable for %s %s: %s", request.method, request.path, _first_line(error)
    )
    message = str(DATABASE_UNAVAILABLE)
    if _wants_json():
        response = jsonify(ok=False, error="unavailable", message=message)
    else:
        response = Response(_unavailable_page(message), mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _unavailable_page(message: str) -> str:
    # The layout asks ``current_user``, whose loading reads the database: anonymous here.
    g._login_user = current_app.login_manager.anonymous_user()
    try:
        return render_template("errors/unavailable.html", message=message)
    except Exception:
        log.warning("the unavailable page could not be rendered; sent the bare one")
    title = escape(str(_l("Temporarily unavailable")))
    lang = escape(str(get_locale() or "fr"))
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title} · Palabre</title></head>"
        f"<body><main><h1>{title}</h1><p>{escape(message)}</p></main></body></html>"
    )


def register_error_pages(app: Flask) -> None:
    def render(status: int, code: str, message: str):
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else {}
        if _wants_json():
            return jsonify(ok=False, error=code, message=message), status, headers
        page = render_template("errors/error.html", status=status, message=message)
        return page, status, headers

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def database_error(error: Exception):
        if not database_unavailable(error):
            raise error  # a faulty statement: a 500 and its traceback, as any bug
        return database_unavailable_response(error)

    @app.errorhandler(PalabreError)
    def palabre_error(error: PalabreError):
        return render(error.status, error.code, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        original = getattr(error, "original_exception", None)
        if original is not None and database_unavailable(original):
            return database_unavailable_response(original)  # raised outside the view
        messages = {
            400: _l("This request is not valid."),
            403: _l("You are not allowed to see this page."),
            404: _l("This page does not exist."),
            405: _l("This action is not possible here."),
            413: _l("This file is too large."),
            429: _l("Too many attempts. Wait a minute and try again."),
        }
        status = error.code or 500
        message = messages.get(status, error.description or "")
        return render(status, error.name.lower().replace(" ", "_"), str(message))
