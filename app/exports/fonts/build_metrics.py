"""Regenerate ``metrics.json``: advance widths of the fonts the decks are measured with.

    .venv/bin/python -m app.exports.fonts.build_metrics

Needs Debian's fonts-liberation2, fonts-crosextra-carlito and fonts-dejavu-core (only to
regenerate: the JSON is committed, the exports never read a font file). Liberation Sans
is metric-compatible with Arial and Carlito with Calibri, so the widths hold in
PowerPoint (Arial/Calibri) and in LibreOffice (which substitutes Liberation/Carlito).
"""

from __future__ import annotations

import json
from pathlib import Path

from fontTools.ttLib import TTFont

FONTS = {
    # name: (regular file, bold file, aliases)
    "Liberation Sans": (
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
        ["Arial", "Helvetica", "Arimo", "Liberation Sans"],
    ),
    "Carlito": (
        "/usr/share/fonts/truetype/crosextra/Carlito-Regular.ttf",
        "/usr/share/fonts/truetype/crosextra/Carlito-Bold.ttf",
        ["Calibri", "Carlito", "Calibri Light"],
    ),
    "DejaVu Sans": (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        ["DejaVu Sans", "Verdana"],
    ),
}
MAX_CODEPOINT = 0x2FFF  # Latin, Greek, Cyrillic, punctuation, arrows, symbols


def widths(path: str) -> tuple[dict, dict]:
    font = TTFont(path)
    upm = font["head"].unitsPerEm
    hmtx = font["hmtx"]
    cmap = font.getBestCmap()
    table = {}
    for cp, glyph in sorted(cmap.items()):
        if cp <= MAX_CODEPOINT:
            table[cp] = round(hmtx[glyph][0] * 1000 / upm)
    hhea = font["hhea"]
    os2 = font["OS/2"]
    line = {
        "ascent": round(hhea.ascent * 1000 / upm),
        "descent": round(-hhea.descent * 1000 / upm),
        "lineGap": round(hhea.lineGap * 1000 / upm),
        "winAscent": round(os2.usWinAscent * 1000 / upm),
        "winDescent": round(os2.usWinDescent * 1000 / upm),
    }
    return table, line


def ranges(table: dict[int, int]) -> list:
    """{cp: w} → [[start, [w, w, …]], …] over runs of consecutive code points."""
    out: list = []
    for cp, w in table.items():
        if out and out[-1][0] + len(out[-1][1]) == cp:
            out[-1][1].append(w)
        else:
            out.append([cp, [w]])
    return out


def main() -> None:
    data: dict = {"units_per_em": 1000, "fonts": {}, "aliases": {}}
    for name, (regular, bold, aliases) in FONTS.items():
        reg, line = widths(regular)
        bol, _ = widths(bold)
        data["fonts"][name] = {"regular": ranges(reg), "bold": ranges(bol), "line": line}
        for alias in aliases:
            data["aliases"][alias.lower()] = name
    target = Path(__file__).with_name("metrics.json")
    target.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {target} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
