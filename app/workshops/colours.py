"""Group colours: the palette new groups take in order, and the check of a colour typed in.

A group's colour is the background of its badge, under white text: every colour of the
palette reads at WCAG AA (at least 4.5:1 against #fff). A palette colour counts as taken
when a group has it or one close to it (a colour chosen by hand, the demo's own), so two
groups of an edition never look alike while the palette lasts.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from app.core.errors import BadInput

#: Used with ``fullmatch``: a ``$`` would let a trailing newline through.
COLOUR_RE = re.compile(r"#[0-9a-fA-F]{6}")

GROUP_PALETTE = (
    "#1f5f8b",  # blue
    "#a85d1c",  # ochre
    "#2e7d32",  # green
    "#6a1b9a",  # purple
    "#00796b",  # teal
    "#ad1457",  # raspberry
    "#546e7a",  # slate
    "#c62828",  # red
    "#3949ab",  # indigo
    "#6d4c41",  # brown
)

#: CIE76 difference under which two colours look alike side by side.
ALIKE = 20.0


def _lab(colour: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of #rrggbb."""

    def linear(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def difference(one: str, other: str) -> float:
    """How different two colours look (CIE76 ΔE)."""
    return sum((a - b) ** 2 for a, b in zip(_lab(one), _lab(other), strict=True)) ** 0.5


def next_colour(used: list[str]) -> str:
    """The colour a new group gets beside groups of ``used`` colours: the first of the
    palette none of them has (or looks like), or, once all are taken, the least taken."""
    valid = [colour for colour in used if COLOUR_RE.fullmatch(colour or "")]

    def taken(colour: str) -> int:
        return sum(difference(colour, other) < ALIKE for other in valid)

    return min(GROUP_PALETTE, key=lambda colour: (taken(colour), GROUP_PALETTE.index(colour)))


def check_colour(colour: str | None) -> str:
    """``colour`` as stored (lowercase), or a clear refusal."""
    colour = colour or ""
    if not COLOUR_RE.fullmatch(colour):
        raise BadInput(_("Write the colour as #rrggbb (six hexadecimal digits), e.g. #1f5f8b."))
    return colour.lower()
