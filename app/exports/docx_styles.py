"""The styles and list numbering a Word document needs, added where a reference lacks them.

A reference document (the edition's own .docx) keeps its look: a style it defines is used
as it is; only the ones it lacks are created, with our defaults. The document language is
set on the defaults and on every style that pins another one (en-US in most templates).
"""

from __future__ import annotations

import contextlib

from docx.enum.style import WD_STYLE_TYPE
from docx.shared import Emu, Pt, RGBColor
from lxml import etree

from .ooxml import CODE_FONT, insert_in_order, w_sub, w_tag

__all__ = ["NEEDED_STYLES", "Numbering", "ensure_styles", "list_style", "set_default_language"]

# style name → (type, based on, size in pt, bold, outline level) used when a reference lacks it
_CHAR, _PARA = WD_STYLE_TYPE.CHARACTER, WD_STYLE_TYPE.PARAGRAPH
NEEDED_STYLES: dict[str, tuple] = {
    "Title": (_PARA, "Normal", 26, True, None),
    "Subtitle": (_PARA, "Normal", 15, False, None),
    "Heading 1": (_PARA, "Normal", 16, True, 0),
    "Heading 2": (_PARA, "Normal", 13, True, 1),
    "Heading 3": (_PARA, "Normal", 12, True, 2),
    "Heading 4": (_PARA, "Normal", 11, True, 3),
    "Heading 5": (_PARA, "Normal", 11, True, 4),
    "Heading 6": (_PARA, "Normal", 11, True, 5),
    "List Bullet": (_PARA, "Normal", None, False, None),
    "List Bullet 2": (_PARA, "Normal", None, False, None),
    "List Bullet 3": (_PARA, "Normal", None, False, None),
    "List Number": (_PARA, "Normal", None, False, None),
    "List Number 2": (_PARA, "Normal", None, False, None),
    "List Number 3": (_PARA, "Normal", None, False, None),
    "List Continue": (_PARA, "Normal", None, False, None),
    "List Continue 2": (_PARA, "Normal", None, False, None),
    "List Continue 3": (_PARA, "Normal", None, False, None),
    "Quote": (_PARA, "Normal", None, False, None),
    "Caption": (_PARA, "Normal", 9, True, None),
    "TOC Heading": (_PARA, "Heading 1", None, False, None),
    "TOC 1": (_PARA, "Normal", None, False, None),
    "TOC 2": (_PARA, "Normal", None, False, None),
    "Footnote Text": (_PARA, "Normal", 10, False, None),
    "Footnote Reference": (_CHAR, None, None, False, None),
    "Hyperlink": (_CHAR, None, None, False, None),
    "Bibliography": (_PARA, "Normal", None, False, None),
    "Code Block": (_PARA, "Normal", 9, False, None),
    "Inline Code": (_CHAR, None, None, False, None),
}

# the order CT_RPr's children must keep (ECMA-376), to insert w:lang where Word expects it
_RPR_ORDER = (
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike",
    "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish", "webHidden",
    "color", "spacing", "w", "kern", "position", "sz", "szCs", "highlight", "u", "effect",
    "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang",
)  # fmt: skip


def list_style(kind: str, depth: int) -> str:
    """``list_style("Bullet", 0)`` → "List Bullet"; deeper levels share "List Bullet 3"."""
    return f"List {kind}" if depth == 0 else f"List {kind} {min(depth + 1, 3)}"


def ensure_styles(styles) -> dict[str, str]:
    """Every style of NEEDED_STYLES, created if missing; name → style id."""
    ids: dict[str, str] = {}
    for name, (stype, based_on, size, bold, outline) in NEEDED_STYLES.items():
        try:
            style = styles[name]
        except KeyError:
            style = styles.add_style(name, stype)
            if based_on:
                with contextlib.suppress(KeyError):
                    style.base_style = styles[based_on]
            if size:
                style.font.size = Pt(size)
            if bold:
                style.font.bold = True
            if outline is not None:
                ppr = style.element.get_or_add_pPr()
                w_sub(ppr, "outlineLvl", val=outline)
                style.paragraph_format.space_before = Pt(12)
                style.paragraph_format.keep_with_next = True
            _style_defaults(name, style)
        ids[name] = style.style_id
    return ids


def _style_defaults(name: str, style) -> None:
    pf = getattr(style, "paragraph_format", None)
    if name == "Hyperlink":
        style.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)
        style.font.underline = True
    elif name == "Footnote Reference":
        style.font.superscript = True
    elif name in ("Inline Code", "Code Block"):
        style.font.name = CODE_FONT
    elif name == "Quote" and pf is not None:
        style.font.italic = True
        pf.left_indent = Emu(457200)
        pf.right_indent = Emu(457200)
    elif name == "TOC 2" and pf is not None:
        pf.left_indent = Emu(228600)
    elif name == "Bibliography" and pf is not None:
        pf.left_indent = Emu(457200)
        pf.first_line_indent = Emu(-457200)
    elif name.startswith("List ") and pf is not None:
        digit = name[-1]
        depth = int(digit) if digit.isdigit() else 1
        pf.left_indent = Emu(457200 * depth)
        if not name.startswith("List Continue"):
            pf.first_line_indent = Emu(-228600)
    if pf is not None and name == "Footnote Text":
        pf.space_after = Pt(0)


def set_default_language(styles_el, lang: str) -> None:
    """``lang`` on the document defaults, and on every style that names a language."""
    defaults = styles_el.find(w_tag("docDefaults"))
    if defaults is None:
        defaults = etree.Element(w_tag("docDefaults"))
        styles_el.insert(0, defaults)
    rpr_default = defaults.find(w_tag("rPrDefault"))
    if rpr_default is None:
        rpr_default = etree.Element(w_tag("rPrDefault"))
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(w_tag("rPr"))
    if rpr is None:
        rpr = w_sub(rpr_default, "rPr")
    el = rpr.find(w_tag("lang"))
    if el is None:
        el = insert_in_order(rpr, "lang", _RPR_ORDER)
    el.set(w_tag("val"), lang)
    for other in styles_el.iter(w_tag("lang")):
        if other is not el and other.get(w_tag("val")):
            other.set(w_tag("val"), lang)

    rpr.append(el)
    return el


class Numbering:
    """Our two list definitions (bullets, numbers) in numbering.xml, after the reference's
    own; each ordered list gets a ``w:num`` of its own so that it starts at its number."""

    def __init__(self, element) -> None:
        self.element = element
        abstract_ids = [
            int(a.get(w_tag("abstractNumId"))) for a in element.findall(w_tag("abstractNum"))
        ]
        num_ids = [int(n.get(w_tag("numId"))) for n in element.findall(w_tag("num"))]
        self._next_abstract = max(abstract_ids, default=0) + 1
        self._next_num = max(num_ids, default=0) + 1
        bullet_abstract = self._add_abstract(ordered=False)
        self._number_abstract = self._add_abstract(ordered=True)
        #: the one w:num every bulleted list shares
        self.bullets = self._add_num(bullet_abstract)

    def ordered(self, level: int, start: int) -> int:
        """A new numbered list whose ``level`` restarts at ``start``; its w:numId."""
        return self._add_num(self._number_abstract, restart_level=level, start=start)

    def _add_abstract(self, *, ordered: bool) -> int:
        aid = self._next_abstract
        self._next_abstract += 1
        a = etree.Element(w_tag("abstractNum"))
        a.set(w_tag("abstractNumId"), str(aid))
        w_sub(a, "multiLevelType", val="hybridMultilevel")
        bullets = ("•", "◦", "▪")
        formats = ("decimal", "lowerLetter", "lowerRoman")
        for lvl in range(9):
            el = w_sub(a, "lvl", ilvl=lvl)
            w_sub(el, "start", val=1)
            if ordered:
                w_sub(el, "numFmt", val=formats[lvl % 3])
                w_sub(el, "lvlText", val=f"%{lvl + 1}.")
            else:
                w_sub(el, "numFmt", val="bullet")
                w_sub(el, "lvlText", val=bullets[lvl % 3])
            w_sub(el, "lvlJc", val="left")
            ppr = w_sub(el, "pPr")
            w_sub(ppr, "ind", left=360 * (lvl + 1) + 360, hanging=360)
        first_num = self.element.find(w_tag("num"))
        if first_num is not None:
            first_num.addprevious(a)
        else:
            self.element.append(a)
        return aid

    def _add_num(self, abstract: int, *, restart_level: int | None = None, start: int = 1) -> int:
        nid = self._next_num
        self._next_num += 1
        num = w_sub(self.element, "num", numId=nid)
        w_sub(num, "abstractNumId", val=abstract)
        if restart_level is not None:
            override = w_sub(num, "lvlOverride", ilvl=restart_level)
            w_sub(override, "startOverride", val=start)
        return nid
