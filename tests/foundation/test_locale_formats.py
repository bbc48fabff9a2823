"""The school's time zone setting, sizes and dates as each language writes them, and
English screens without the French space before ":", ";", "?" or "!"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from flask_babel import force_locale

from app.config import TestConfig
from app.core import i18n

ROOT = Path(__file__).resolve().parents[2]
FRENCH_SPACING = re.compile(r"[ \u00a0\u202f][:;?!]|« | »")


def test_an_unknown_time_zone_stops_the_start(monkeypatch, tmp_path):
    monkeypatch.setenv("PALABRE_TIMEZONE", "Africa/Tombouctou")
    with pytest.raises(ValueError, match="PALABRE_TIMEZONE"):
        TestConfig("sqlite://", str(tmp_path))


def test_the_time_zone_is_babels(monkeypatch, tmp_path):
    monkeypatch.setenv("PALABRE_TIMEZONE", "Africa/Dakar")
    assert TestConfig("sqlite://", str(tmp_path)).BABEL_DEFAULT_TIMEZONE == "Africa/Dakar"


@pytest.mark.parametrize(
    ("locale", "size", "shown"),
    [("fr", 12_345, "12,3\u202fko"), ("en", 12_345, "12.3 kB"), ("fr", 850, "850\u202fo")],
)
def test_a_file_size_is_written_in_the_language(app, locale, size, shown):
    with app.test_request_context(), force_locale(locale):
        assert i18n.file_size(size) == shown


@pytest.mark.parametrize(
    ("locale", "order"), [("fr", ("day", "month", "year")), ("en", ("month", "day", "year"))]
)
def test_the_date_fields_follow_the_language(app, locale, order):
    with app.test_request_context(), force_locale(locale):
        assert i18n.date_order() == order
        assert len(i18n.month_names()) == 12


def _msgids() -> list[tuple[str, str]]:
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = []
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT / "app"),
        method_map=[("**.py", "python"), ("templates/**.html", "jinja2")],
        keywords=keywords,
    ):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found.append((f"{filename}:{lineno}", text))
    return found


def test_no_english_message_has_the_french_space_before_punctuation():
    wrong = [(where, text) for where, text in _msgids() if FRENCH_SPACING.search(text)]
    assert wrong == []


def test_no_template_puts_a_french_colon_after_a_message():
    """``{{ _('Phase') }} :`` shows "Phase :" in English: the colon belongs in the message
    ("Phase:", translated "Phase :")."""
    wrong = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in (ROOT / "app" / "templates").rglob("*.html")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\}\}[ \u00a0\u202f]+[:;?!](\s|<|$)", line)
    ]
    assert wrong == []
