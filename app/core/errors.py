"""Errors a service may raise, each with a stable code and a message fit for the user.

HTTP views turn them into error pages (``register_error_pages``); socket events into an
``error`` event and a ``{ok: false, error, message}`` acknowledgement (``app.core.sockets``).
"""

from __future__ import annotations

import functools

from flask import Flask, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException


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


def register_error_pages(app: Flask) -> None:
    def render(status: int, code: str, message: str):
        if _wants_json():
            return jsonify(ok=False, error=code, message=message), status
        return render_template("errors/error.html", status=status, message=message), status

    @app.errorhandler(PalabreError)
    def palabre_error(error: PalabreError):
        return render(error.status, error.code, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
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
