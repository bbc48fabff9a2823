"""Language choice: French first, English second; and how the language writes a date.

Order: the language the person picked (kept in the session), then the browser's
``Accept-Language``, then French. Dates, times and numbers on screen go through
Flask-Babel (``|datetimeformat``, ``|decimalformat``, ``|percentformat``…), in the
school's time zone (``PALABRE_TIMEZONE``); the forms ask for a date in the language's
order of day, month and year (``date_order``), the month by its name (``month_names``).
"""

from __future__ import annotations

from babel.dates import get_timezone_location
from babel.units import format_unit
from flask import current_app, has_request_context, request, session
from flask_babel import get_locale, get_timezone


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages, default="fr") or "fr"


# --- dates as people of the language write them ------------------------------------------


def date_order() -> tuple[str, str, str]:
    """The order of day, month and year in the language's short dates: ("day", "month",
    "year") in French, ("month", "day", "year") in English (Babel's CLDR patterns)."""
    pattern = get_locale().date_formats["short"].pattern
    found = {part: pattern.find(letter) for part, letter in _DATE_LETTERS.items()}
    if min(found.values()) < 0:
        return ("day", "month", "year")
    return tuple(sorted(found, key=found.get))  # type: ignore[return-value]


def month_names() -> list[tuple[int, str]]:
    """(1, "janvier") … (12, "décembre"): the months named in the page's language."""
    names = get_locale().months["stand-alone"]["wide"]
    return [(number, names[number]) for number in range(1, 13)]


def time_zone_name() -> str:
    """The school's time zone as the language names it ("heure : Mali", "Mali Time")."""
    return get_timezone_location(get_timezone(), locale=get_locale())


def file_size(size: int | float | None) -> str:
    """A number of bytes as the language writes it: "12,3 ko", "12.3 kB", "850 B"."""
    size = float(size or 0)
    for unit, scale in (("digital-megabyte", 1e6), ("digital-kilobyte", 1e3)):
        if size >= scale:
            return format_unit(
                size / scale, unit, length="short", format="#,##0.#", locale=get_locale()
            )
    return format_unit(size, "digital-byte", length="short", format="#,##0", locale=get_locale())


_DATE_LETTERS = {"day": "d", "month": "M", "year": "y"}
