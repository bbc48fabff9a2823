"""What fits on a slide: :mod:`app.exports.textfit` applied to the deck's text frames.

Font sizes are fixed, never shrunk: a title that does not fit gets 4 pt smaller once, then
loses words; an item too tall for its frame loses words and ends with the visible marker
``CUT`` ("[…]", the item is then ``condensed``: its full text is in the speaker notes);
items that do not fit on a slide go to the next. ``frame_report`` re-measures a finished
deck with the same rules, so the tests can prove that nothing overflows.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import pptx
from pptx.enum.shapes import PP_PLACEHOLDER

from app.core.markdown import clean_text

from .mdtree import Run
from .ooxml import A_NS
from .pptx_package import theme_fonts
from .textfit import EMU_PER_PT, SAFETY, Metrics, Segment, metrics_for, paragraph_lines

__all__ = [
    "BODY_PT",
    "CUT",
    "HANG",
    "INSET_LR",
    "INSET_TB",
    "MARGIN_L",
    "MAX_ITEMS",
    "SECTION_TITLE_PT",
    "SPACE_BEFORE_PT",
    "TABLE_PT",
    "TITLE_PT",
    "Fitter",
    "Frame",
    "Item",
    "frame_report",
    "glue",
    "run_text",
    "shorten",
    "truncate_runs",
]

_A = f"{{{A_NS}}}"
_RUN_TAGS = (_A + "r", _A + "fld")

#: font sizes (pt) — fixed, never shrunk: text that does not fit moves to the next slide
TITLE_PT = 32
SECTION_TITLE_PT = 40
BODY_PT = (24, 20, 18)
SPACE_BEFORE_PT = (8, 4, 2)
MARGIN_L = (0, 457200, 857250)  # marL per level (EMU), text starts here
HANG = 342900  # bullet hanging indent
INSET_LR, INSET_TB = 91440, 45720
TABLE_PT = 16
MAX_ITEMS = 7
#: what ends a text the deck shortened (the full text is in the speaker notes)
CUT = "\u00a0[…]"


_GLUED = re.compile(r"(?<=\S) (?=[;:!?»])|(?<=«) ")


def glue(text: str) -> str:
    """French spacing kept together: the space before ; : ! ? » and after « becomes
    non-breaking, so a line never starts with the punctuation (harmless in English, which
    has no such spaces)."""
    return _GLUED.sub("\u00a0", text) if " " in text else text


def run_text(r: Run) -> str:
    """A run's text as a slide shows it (a footnote call is its number in brackets)."""
    if r.footnote is not None:
        return f"[{r.footnote}]"
    return glue(r.text)


@dataclass
class Item:
    """One paragraph of a slide body."""

    runs: list[Run]
    level: int = 0
    bullet: bool = True
    number: int | None = None  #: for an ordered list item: its number
    italic: bool = False
    lead: int = 0  #: how many leading runs are a lead-in, set in the group's colour
    condensed: bool = False  #: shortened on the slide (ends with CUT)
    full: list[Run] | None = None  #: the paragraph before condensing (to condense it again)

    def segments(self) -> list[Segment]:
        return [Segment(run_text(r), r.bold) for r in self.runs]


def truncate_runs(runs: list[Run], n_chars: int) -> list[Run]:
    """The first ``n_chars`` characters of ``runs`` (formatting kept)."""
    out: list[Run] = []
    left = n_chars
    for r in runs:
        t = run_text(r)
        if left <= 0:
            break
        if len(t) <= left:
            out.append(r)
            left -= len(t)
        else:
            out.append(Run(t[:left].rstrip(), r.bold, r.italic, r.code, r.strike, r.link))
            left = 0
    return out


def shorten(item: Item) -> bool:
    """Drop the last word of an item (ending it with CUT); False when nothing is left."""
    text = "".join(run_text(r) for r in item.runs)
    if text.endswith(CUT):
        text = text[: -len(CUT)]
    text = text.rstrip(" …")
    words = text.split()
    if len(words) <= 3:
        return False
    keep = len(text) - len(text.split()[-1])
    runs = truncate_runs(item.runs, keep)
    while runs and not run_text(runs[-1]).strip():
        runs.pop()
    item.runs = [*runs, Run(CUT)]
    item.condensed = True
    return True


class Fitter:
    """Measures in the deck's theme fonts: the major for titles, the minor for bodies."""

    def __init__(self, title_font: str, body_font: str) -> None:
        self.m_title = metrics_for(title_font)
        self.m_body = metrics_for(body_font)

    def fit_title(self, text: str, room: tuple[int, int], size: float) -> tuple[str, float]:
        """The largest of (size, size-2, size-4) at which ``text`` fits, else truncated text.

        A size whose line count the renderers cannot disagree on is preferred (the count is
        the same with and without the measure's safety margin): what sits next to a title
        (the kicker above it) is placed by its count of lines."""
        text = glue(clean_text(text).strip())
        fitting = [s for s in (size, size - 2, size - 4) if self._title_fits(text, s, room)]
        for s in fitting:
            lines = self.title_lines(text, room[0], s)
            if lines == self.title_lines(text, int(room[0] * SAFETY), s):
                return text, s
        if fitting:
            return text, fitting[0]
        s = size - 4
        words = text.split()
        while len(words) > 1:
            words.pop()
            candidate = " ".join(words).rstrip(",;:—–-") + " …"
            if self._title_fits(candidate, s, room):
                return candidate, s
        return text[:20] + "…", s

    def title_lines(self, text: str, width: int, size: float) -> int:
        """How many lines a title of ``text`` takes at ``size`` in ``width`` (EMU)."""
        return paragraph_lines([Segment(text, True)], size, width, self.m_title)

    def fit_line(self, text: str, width: int, size: float, bold: bool = False) -> str:
        """``text`` on one line of ``width`` (EMU) at ``size``: words dropped, then "…"."""
        text = glue(clean_text(text).strip())
        if paragraph_lines([Segment(text, bold)], size, width, self.m_body) <= 1:
            return text
        words = text.split()
        while len(words) > 1:
            words.pop()
            candidate = " ".join(words).rstrip(",;:—–-·") + " …"
            if paragraph_lines([Segment(candidate, bold)], size, width, self.m_body) <= 1:
                return candidate
        return ""

    def fit_block(self, text: str, room: tuple[int, int], sizes: tuple[float, ...]) -> float:
        """The first of ``sizes`` at which ``text`` fits ``room`` with no word broken."""
        m = self.m_title
        longest = max((m.width(w, True) for w in text.split()), default=0.0)
        for size in sizes:
            if longest * size * EMU_PER_PT <= room[0] and self._title_fits(text, size, room):
                return size
        return sizes[-1]

    def _title_fits(self, text: str, size: float, room: tuple[int, int]) -> bool:
        lines = paragraph_lines([Segment(text, True)], size, room[0], self.m_title)
        return lines * self.m_title.line_height_pt(size) * EMU_PER_PT <= room[1]

    def item_height_pt(self, item: Item, width_emu: int, size: float | None = None) -> float:
        lvl = min(item.level, 2)
        size = size or BODY_PT[lvl]
        text_width = width_emu - MARGIN_L[lvl] - (HANG if item.bullet else 0)
        lines = paragraph_lines(item.segments(), size, text_width, self.m_body)
        return lines * self.m_body.line_height_pt(size) + SPACE_BEFORE_PT[lvl]

    def shorten_to(self, item: Item, width: int, height: int, size: float | None = None) -> float:
        """Drop words from the end of ``item`` until it fits ``height``; its height (EMU)."""
        h = self.item_height_pt(item, width, size) * EMU_PER_PT
        while h > height and shorten(item):
            h = self.item_height_pt(item, width, size) * EMU_PER_PT
        return h

    def pack(self, items: list[Item], room: tuple[int, int]) -> list[list[Item]]:
        """Split items into slides' worth: measured heights, at most MAX_ITEMS each."""
        width, height = room
        pages: list[list[Item]] = [[]]
        used = 0.0
        for item in items:
            h = self.shorten_to(item, width, height)
            if pages[-1] and (used + h > height or len(pages[-1]) >= MAX_ITEMS):
                pages.append([])
                used = 0.0
            pages[-1].append(item)
            used += h
        pages = [p for p in pages if p]
        if len(pages) > 1 and len(pages[-1]) == 1 and len(pages[-2]) >= 3:
            # no lone item on a "(suite)" slide: it takes the previous slide's last one along
            moved = [pages[-2][-1], *pages[-1]]
            need = sum(self.item_height_pt(i, width) * EMU_PER_PT for i in moved)
            if need <= height:
                pages[-2], pages[-1] = pages[-2][:-1], moved
        return pages


# ---------------------------------------------------------------------- read-back
@dataclass
class Frame:
    """What frame_report returns for every text frame: its need versus its room."""

    slide: int
    name: str
    needed_emu: int
    available_emu: int
    texts: list[str] = field(default_factory=list)

    @property
    def overflows(self) -> bool:
        return self.needed_emu > self.available_emu


def frame_report(data: bytes) -> list[Frame]:
    """Re-measure every text frame of a deck (this module's metric): need vs room."""
    prs = pptx.Presentation(io.BytesIO(data))
    major, minor = theme_fonts(prs)
    frames: list[Frame] = []
    for n, slide in enumerate(prs.slides, 1):
        for shape in slide.shapes:
            if not shape.has_text_frame or not shape.text_frame.text.strip():
                continue
            is_title = shape.is_placeholder and shape.placeholder_format.type in (
                PP_PLACEHOLDER.TITLE,
                PP_PLACEHOLDER.CENTER_TITLE,
            )
            m = metrics_for(major if is_title else minor)
            frames.append(_measure_frame(n, shape, m))
    return frames


def _measure_frame(n: int, shape, m: Metrics) -> Frame:
    tf = shape.text_frame
    bp = tf._txBody.bodyPr
    l_ins = int(bp.get("lIns", INSET_LR))
    r_ins = int(bp.get("rIns", INSET_LR))
    t_ins = int(bp.get("tIns", INSET_TB))
    b_ins = int(bp.get("bIns", INSET_TB))
    width = int(shape.width) - l_ins - r_ins
    need = 0.0
    texts = []
    for p in tf.paragraphs:
        ppr = p._p.pPr
        mar_l = int(ppr.get("marL", 0)) if ppr is not None else 0
        indent = int(ppr.get("indent", 0)) if ppr is not None else 0
        runs = [el for el in p._p if el.tag in _RUN_TAGS]  # a:r and a:fld (slide numbers)
        sizes, segs = [], []
        for el in runs:
            rpr = el.find(_A + "rPr")
            if rpr is not None and rpr.get("sz"):
                sizes.append(int(rpr.get("sz")) / 100)
            bold = rpr is not None and rpr.get("b") in ("1", "true")
            segs.append(Segment(el.findtext(_A + "t") or "", bold))
        size = max(sizes) if sizes else 18.0
        avail = width - mar_l - max(indent, 0)
        lines = paragraph_lines(segs, size, avail, m) if runs else 1
        before = 0.0
        if ppr is not None:
            spc = ppr.find(_A + "spcBef")
            if spc is not None and spc.find(_A + "spcPts") is not None:
                before = int(spc.find(_A + "spcPts").get("val")) / 100
        need += lines * m.line_height_pt(size) + before
        texts.append(p.text)
    return Frame(n, shape.name, int(need * EMU_PER_PT), int(shape.height) - t_ins - b_ins, texts)
