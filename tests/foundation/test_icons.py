"""Icons come from one bundled sprite of Lucide icons (frontend/icons.txt →
static/dist/icons.svg), holding exactly those the templates and scripts draw; the
interface writes no emoji."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markupsafe import Markup

from app.core.templating import Icons

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "app/templates"
SCRIPTS = ROOT / "frontend/src"
SPRITE = ROOT / "static/dist/icons.svg"

# icon('name') or icon("name", label) in a template; "#i-name" in a script's <use href>.
TEMPLATE_ICON = re.compile(r"""\bicon\(\s*['"]([a-z0-9-]+)['"]""")
SCRIPT_ICON = re.compile(r"""#i-([a-z0-9-]+)""")
# Emoji and the pictographic symbols the interface used to draw with.
EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f]")


def _used() -> set[str]:
    names = set()
    for path in TEMPLATES.rglob("*.html"):
        names |= set(TEMPLATE_ICON.findall(path.read_text(encoding="utf-8")))
    for path in SCRIPTS.rglob("*.js"):
        names |= set(SCRIPT_ICON.findall(path.read_text(encoding="utf-8")))
    return names


def _listed() -> set[str]:
    lines = (ROOT / "frontend/icons.txt").read_text(encoding="utf-8").splitlines()
    return {line.split("#")[0].strip() for line in lines} - {""}


def _sprite_symbols() -> list[str]:
    return re.findall(r'<symbol id="i-([a-z0-9-]+)"', SPRITE.read_text(encoding="utf-8"))


def test_the_sprite_holds_exactly_the_icons_the_templates_and_scripts_use():
    assert sorted(_sprite_symbols()) == sorted(_used())


def test_icons_txt_lists_exactly_the_icons_in_use():
    assert _listed() == _used()


def test_the_sprite_keeps_lucide_s_stroke_and_its_licence_once():
    sprite = SPRITE.read_text(encoding="utf-8")
    assert sprite.count("@license lucide-static") == 1
    symbols = re.findall(r"<symbol [^>]*>", sprite)
    assert symbols and all(
        'viewBox="0 0 24 24"' in s and 'stroke="currentColor"' in s and 'fill="none"' in s
        for s in symbols
    )


def test_no_template_or_script_writes_an_emoji():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder, pattern in ((TEMPLATES, "*.html"), (SCRIPTS, "*.js"))
        for path in folder.rglob(pattern)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if EMOJI.search(line)
    ]
    assert found == []


def test_an_icon_beside_a_text_is_hidden_from_screen_readers():
    drawn = Icons(str(ROOT / "static")).icon("lock")
    assert isinstance(drawn, Markup)
    assert drawn == (
        '<svg class="icon icon-lock" aria-hidden="true" focusable="false">'
        '<use href="#i-lock"/></svg>'
    )


def test_an_icon_standing_alone_is_named_by_its_label():
    drawn = Icons(str(ROOT / "static")).icon("x", 'Fermer "ceci"')
    assert 'role="img" aria-label="Fermer &#34;ceci&#34;"' in drawn


def test_an_icon_missing_from_the_sprite_is_refused():
    with pytest.raises(ValueError, match=r"frontend/icons\.txt"):
        Icons(str(ROOT / "static")).icon("no-such-icon")
