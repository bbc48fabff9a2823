"""Measure text the way a slide lays it out, with real font metrics.

PowerPoint applies "shrink text on overflow" only once someone edits the text, and
python-pptx's ``fit_text`` needs a font file and still overflows: the deck export
therefore decides itself what fits. Widths come from ``fonts/metrics.json`` (generated
from the TrueType files by ``fonts/build_metrics.py``); a font we have no metrics for is
measured with DejaVu Sans, wider than the usual presentation fonts, so the estimate errs
on the safe side.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["EMU_PER_PT", "SAFETY", "Metrics", "fits", "metrics_for", "paragraph_lines"]

EMU_PER_PT = 12700
_FALLBACK = "DejaVu Sans"
_UNKNOWN_WIDTH = 1100  # per mille of an em: CJK, emoji and other code points we lack
#: Extra width applied to every measure: renderers differ slightly (hinting, kerning off).
SAFETY = 1.03


@functools.cache
def _data() -> dict:
    path = Path(__file__).with_name("fonts") / "metrics.json"
    return json.loads(path.read_text(encoding="utf-8"))


class Metrics:
    def __init__(self, name: str) -> None:
        font = _data()["fonts"][name]
        self.name = name
        self._w = [self._expand(font["regular"]), self._expand(font["bold"])]
        self._cache: dict[tuple[str, bool], float] = {}  #: words recur: measure each once
        line = font["line"]
        # PowerPoint's single spacing is ~1.2 em; LibreOffice uses ascent + descent.
        self.line_factor = max(1.2, (line["ascent"] + line["descent"] + line["lineGap"]) / 1000)

    @staticmethod
    def _expand(ranges: list) -> dict[str, int]:
        table: dict[str, int] = {}
        for start, widths in ranges:
            for k, w in enumerate(widths):
                table[chr(start + k)] = w
        return table

    def width(self, text: str, bold: bool = False) -> float:
        """Width of ``text`` in em (1.0 = the font size)."""
        key = (text, bold)
        width = self._cache.get(key)
        if width is None:
            get = self._w[1 if bold else 0].get
            width = sum(get(c, _UNKNOWN_WIDTH) for c in text) / 1000 * SAFETY
            if len(self._cache) < 50_000:
                self._cache[key] = width
        return width

    def line_height_pt(self, size_pt: float) -> float:
        return size_pt * self.line_factor


@functools.cache
def metrics_for(font_name: str | None) -> Metrics:
    aliases = _data()["aliases"]
    name = aliases.get((font_name or "").strip().lower(), _FALLBACK)
    return Metrics(name)


_BREAK = re.compile(r"(\s+)")


@dataclass(frozen=True)
class Segment:
    text: str
    bold: bool = False


def paragraph_lines(segments: list[Segment], size_pt: float, width_emu: float, m: Metrics) -> int:
    """How many lines a paragraph takes when wrapped greedily at ``width_emu``.

    Breaks only at white space (non-breaking spaces stay glued, as in French typography);
    a word wider than the line is broken by characters, as PowerPoint does.
    """
    width_em = width_emu / EMU_PER_PT / size_pt
    if width_em <= 0:
        return 10**6
    # words with their boldness, keeping the spaces that separate them
    words: list[tuple[float, float]] = []  # (width of word, width of the space before it)
    pending_space = 0.0
    current = 0.0
    in_word = False
    for seg in segments:
        for piece in _BREAK.split(seg.text):
            if not piece:
                continue
            if piece.isspace():
                if "\n" in piece:
                    if in_word:
                        words.append((current, pending_space))
                    words.append((-1.0, 0.0))  # forced line break
                    current, pending_space, in_word = 0.0, 0.0, False
                    continue
                if in_word:
                    words.append((current, pending_space))
                    current, in_word = 0.0, False
                    pending_space = 0.0
                pending_space += m.width(piece, seg.bold)
            else:
                current += m.width(piece, seg.bold)
                in_word = True
    if in_word:
        words.append((current, pending_space))
    lines = 1
    used = 0.0
    for w, space in words:
        if w < 0:
            lines += 1
            used = 0.0
            continue
        if used == 0.0:
            if w > width_em:  # broken by characters over several lines
                extra = int(w // width_em)
                lines += extra
                used = w - extra * width_em
            else:
                used = w
        elif used + space + w <= width_em:
            used += space + w
        else:
            lines += 1
            if w > width_em:
                extra = int(w // width_em)
                lines += extra
                used = w - extra * width_em
            else:
                used = w
    return lines


def fits(height_pt: float, available_emu: float) -> bool:
    return height_pt * EMU_PER_PT <= available_emu
