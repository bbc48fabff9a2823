"""The frame of a Word document: its cover, headings, table of contents and page breaks.

The table of contents is the document's only field (Word refreshes it on opening, as it is
marked dirty); until then it shows our own entries, each a link to its heading's bookmark.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from app.core.markdown import clean_text

from .docx_inline import InlineWriter
from .docx_package import WordPackage
from .mdtree import Run
from .ooxml import XML_SPACE, hex_colour, insert_in_order, readable_on, w_sub, w_tag

__all__ = ["LOGO", "Outline", "TocEntry"]

#: the key of the edition's logo among a document's images
LOGO = "__logo__"


@dataclass
class TocEntry:
    level: int
    text: str
    bookmark: str


class Outline:
    """Headings (levels 1–2 bookmarked for the table of contents), cover and breaks."""

    def __init__(self, package: WordPackage, inline: InlineWriter, labels: dict) -> None:
        self.package = package
        self.inline = inline
        self.labels = labels
        self.toc: list[TocEntry] = []
        self._bookmark_id = 0
        self._toc_anchor = None

    def cover(
        self, *, logo, title: str, subtitle: str, lines: list[str], date_text: str, colour: str = ""
    ) -> None:
        """The title page: logo, title, subtitle, the non-empty ``lines``, the date. With a
        group's ``colour`` (hex): the title underlined in it, the subtitle set on a band of
        it, in black or white, whichever reads better."""
        inline = self.inline
        if logo:
            p = inline.p(None, align="center")
            inline.image(p, LOGO, "logo", inline.body, max_width=1800000)
            self.package.add(p)
        colour = hex_colour(colour) if colour else ""
        p = inline.paragraph([Run(clean_text(title))], "Title")
        if colour:
            _border(p, "bottom", colour, size=24, space=6)
            _ppr_child(p, "spacing").set(w_tag("before"), "1440" if logo else "2880")
        if subtitle:
            p = inline.paragraph([Run(clean_text(subtitle), bold=bool(colour))], "Subtitle")
            if colour:
                _band(p, colour)
        for line in lines:
            if line:
                inline.paragraph([Run(clean_text(line))])
        if date_text:
            inline.paragraph([Run(date_text, italic=True)])
        self.page_break()

    def heading(self, level: int, runs: list[Run], *, toc: bool = True) -> None:
        level = max(1, min(level, 6))
        p = self.inline.p(f"Heading {level}")
        if toc and level <= 2:
            self._bookmark_id += 1
            name = f"_Toc{self._bookmark_id:06d}"
            w_sub(p, "bookmarkStart", id=self._bookmark_id, name=name)
            self.inline.runs(p, runs, self.inline.body)
            w_sub(p, "bookmarkEnd", id=self._bookmark_id)
            self.toc.append(TocEntry(level, _runs_text(runs), name))
        else:
            self.inline.runs(p, runs, self.inline.body)
        self.package.add(p)

    def page_break(self) -> None:
        p = etree.Element(w_tag("p"))
        w_sub(w_sub(p, "r"), "br", type="page")
        self.package.add(p)

    def toc_placeholder(self) -> None:
        """Where the TOC goes; filled by ``finish_toc`` once every heading is known."""
        self.inline.paragraph([Run(self.labels["toc"])], "TOC Heading")
        self._toc_anchor = etree.Element(w_tag("p"))
        self.package.add(self._toc_anchor)

    def finish_toc(self) -> None:
        if self._toc_anchor is None:
            return
        entries = self.toc or [TocEntry(1, "", "")]
        paras = []
        for k, entry in enumerate(entries):
            p = self.inline.p(f"TOC {min(entry.level, 2)}")
            if k == 0:
                w_sub(w_sub(p, "r"), "fldChar", fldCharType="begin", dirty="true")
                instr = w_sub(w_sub(p, "r"), "instrText")
                instr.text = ' TOC \\o "1-3" \\h \\z \\u '
                instr.set(XML_SPACE, "preserve")
                w_sub(w_sub(p, "r"), "fldChar", fldCharType="separate")
            if entry.bookmark:
                h = w_sub(p, "hyperlink", anchor=entry.bookmark, history="1")
                self.inline.r(h, entry.text)
            paras.append(p)
        w_sub(w_sub(paras[-1], "r"), "fldChar", fldCharType="end")
        anchor = self._toc_anchor
        for p in paras:
            anchor.addprevious(p)
        anchor.getparent().remove(anchor)
        self._toc_anchor = None


#: the order of w:pPr's children (ECMA-376) that a cover paragraph may have
_PPR_ORDER = (
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "jc",
)
_RPR_BEFORE_COLOR = ("rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike")


def _ppr_child(p, tag: str):
    """``p``'s w:pPr child ``tag``, created in its schema position."""
    ppr = p.find(w_tag("pPr"))
    if ppr is None:
        ppr = etree.Element(w_tag("pPr"))
        p.insert(0, ppr)
    found = ppr.find(w_tag(tag))
    if found is not None:
        return found
    return insert_in_order(ppr, tag, _PPR_ORDER)


def _border(p, side: str, colour: str, *, size: int, space: int) -> None:
    bdr = _ppr_child(p, "pBdr")
    w_sub(bdr, side, val="single", sz=size, space=space, color=colour)


def _band(p, colour: str) -> None:
    """Shade ``p`` in ``colour`` (hex), padded by borders of the same colour, its text
    readable on it."""
    bdr = _ppr_child(p, "pBdr")
    for side in ("top", "left", "bottom", "right"):
        w_sub(
            bdr, side, val="single", sz=4, space=8 if side in ("top", "bottom") else 6, color=colour
        )
    shd = _ppr_child(p, "shd")
    shd.set(w_tag("val"), "clear")
    shd.set(w_tag("color"), "auto")
    shd.set(w_tag("fill"), colour)
    text = readable_on(colour)
    for rpr in p.iter(w_tag("rPr")):
        after = [c for c in rpr if etree.QName(c).localname not in _RPR_BEFORE_COLOR]
        el = etree.Element(w_tag("color"))
        el.set(w_tag("val"), text)
        if after:
            after[0].addprevious(el)
        else:
            rpr.append(el)


def _runs_text(runs: list[Run]) -> str:
    return "".join(r.text for r in runs if r.footnote is None and r.image is None).strip()
