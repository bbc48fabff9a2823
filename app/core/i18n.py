"""Language choice: French first, English second.

Order: the language the person picked (kept in the session), then the browser's
``Accept-Language``, then French.
"""

from __future__ import annotations

from flask import current_app, has_request_context, request, session


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages, default="fr") or "fr"
