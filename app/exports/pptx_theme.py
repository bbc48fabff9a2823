"""The designed default look of a deck: colours drawn from the group's, type, geometry.

Colours. Body text is ink on white (14.8:1), secondary text slate (6.5:1). Text set on the
group's colour is black or white, whichever contrasts more (at least 4.5:1 whatever the
colour). The group's colour used as text on white (kickers, lead-ins, bullets, numbers) is
darkened just enough to reach 4.5:1: a pale yellow group still gets readable accents.

Type. Arial throughout: PowerPoint has it everywhere, and LibreOffice's Liberation Sans has
the same metrics, so what :mod:`.pptx_fit` measured fits in both. Titles bold, 30 pt;
bodies 24/20/18 pt; the chrome (kicker, footer, slide number) 12–14 pt.

Geometry (EMU, 16:9). Content slides: a kicker naming the section, the title above a short
rule in the group's colour, the body, and a footer strip with the group, the edition and the
slide number. The same boxes are written into the default template's layouts, so a slide a
user adds in PowerPoint looks like ours.
"""

from __future__ import annotations

from dataclasses import dataclass

from .ooxml import hex_colour, ink_on, mix, readable_on

__all__ = [
    "BODY_BOX",
    "CLOSE_TITLE_BOX",
    "FONT",
    "FOOTER_PT",
    "FOOTER_Y",
    "INK",
    "KICKER_PT",
    "MARGIN",
    "MUTED",
    "PANEL_W",
    "RULE",
    "SECTION_TITLE_BOX",
    "SUBTITLE_BOX",
    "TITLE_BOX",
    "TITLE_SLIDE_BOX",
    "Palette",
    "palette",
]

IN = 914400
W, H = 12192000, 6858000
FONT = "Arial"

INK = "1F2933"  #: body text
MUTED = "52606D"  #: secondary text (footer, attribution, notes marker)

KICKER_PT = 14
FOOTER_PT = 12

MARGIN = int(0.6 * IN)
#: content slides: title (anchored at its bottom, above the rule), rule, body
TITLE_BOX = (MARGIN, int(0.62 * IN), W - 2 * MARGIN, int(1.12 * IN))
RULE = (MARGIN + 91440, int(1.84 * IN), int(0.9 * IN), int(0.06 * IN))
BODY_BOX = (MARGIN, int(2.02 * IN), W - 2 * MARGIN, int(4.66 * IN))
FOOTER_Y, FOOTER_H = int(6.92 * IN), int(0.36 * IN)
#: divider slides: the question, large, on the group's colour
SECTION_TITLE_BOX = (int(0.9 * IN), int(2.2 * IN), int(8.7 * IN), int(3.9 * IN))
#: title slide: the group's panel on the left, the edition on the right
PANEL_W = int(5.0 * IN)
TITLE_SLIDE_BOX = (
    PANEL_W + int(0.6 * IN),
    int(1.6 * IN),
    W - PANEL_W - int(0.6 * IN) - MARGIN,
    int(2.0 * IN),
)
SUBTITLE_BOX = (PANEL_W + int(0.6 * IN), int(3.85 * IN), TITLE_SLIDE_BOX[2], int(2.75 * IN))
CLOSE_TITLE_BOX = (int(0.9 * IN), int(2.0 * IN), W - int(1.8 * IN), int(1.7 * IN))


@dataclass(frozen=True)
class Palette:
    accent: str  #: the group's colour (fills)
    on_accent: str  #: text on the group's colour
    accent_ink: str  #: the group's colour as text on white
    tint: str  #: a pale wash of it (table bands, quote card)
    ghost: str  #: decoration on the group's colour (the divider's large number)
    ink: str = INK
    muted: str = MUTED
    paper: str = "FFFFFF"


def palette(colour: str) -> Palette:
    accent = hex_colour(colour)
    on = readable_on(accent)
    return Palette(
        accent=accent,
        on_accent=on,
        accent_ink=ink_on(accent),
        tint=mix(accent, "FFFFFF", 0.88),
        ghost=mix(accent, on, 0.22),
    )
