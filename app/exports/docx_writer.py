"""Word (.docx) writing on top of python-docx, with raw OOXML where python-docx has no API
(hyperlinks, footnotes, numbering, TOC field, language, bookmarks).

Only the table of contents is a field; hyperlinks are ``w:hyperlink`` elements (not
HYPERLINK fields) with http(s)/mailto targets only; every text is written as ``w:t`` so
text that looks like a field code stays text.
"""

from __future__ import annotations

import contextlib
import copy
import io
import re
from collections.abc import Callable
from dataclasses import dataclass

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import parse_xml
from docx.shared import Emu, Pt, RGBColor
from lxml import etree

from app.core.markdown import is_safe_link

from .labels import lang_tag, set_core_properties
from .mdtree import Block, Code, Heading, ListBlock, Para, Quote, Rule, Run, Table
from .validate import check_image, check_reference_docx

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_ALLOWED_FIELDS = {"PAGE", "NUMPAGES", "SECTIONPAGES", "TOC"}
_W = f"{{{W_NS}}}"
_R = f"{{{R_NS}}}"
_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_TAB_OR_NL = re.compile(r"[\t\n]")

# style name → (type, based on, extra pPr/rPr xml) used when a reference document lacks it
_CHAR, _PARA = WD_STYLE_TYPE.CHARACTER, WD_STYLE_TYPE.PARAGRAPH
_NEEDED_STYLES: dict[str, tuple] = {
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


def _w(tag: str) -> str:
    return _W + tag


def _sub(parent, tag: str, **attrs) -> etree._Element:
    el = etree.SubElement(parent, _W + tag)
    for k, v in attrs.items():
        el.set(_R + "id" if k == "rid" else _W + k, str(v))
    return el


class _Ctx:
    """Where runs go: the document body, a footnote (own relationships), a table cell."""

    __slots__ = ("allow_footnotes", "allow_images", "part")

    def __init__(self, part, *, allow_footnotes: bool = True, allow_images: bool = True):
        self.part = part
        self.allow_footnotes = allow_footnotes
        self.allow_images = allow_images


@dataclass
class TocEntry:
    level: int
    text: str
    bookmark: str


class DocxWriter:
    """Builds one Word document; call the ``add_*`` methods in order, then ``to_bytes``."""

    def __init__(
        self,
        *,
        language: str,
        reference: bytes | None = None,
        images: dict[str, bytes] | None = None,
        labels: dict[str, str],
    ) -> None:
        self.lang = lang_tag(language)
        self.labels = labels
        self.images = dict(images or {})
        if reference:
            check_reference_docx(reference)
            self.doc = docx.Document(io.BytesIO(reference))
            self._clear_reference()
        else:
            self.doc = docx.Document()
            self._a4()
        self.part = self.doc.part
        self.body = self.doc.element.body
        sec = self.doc.sections[0]
        try:
            self.text_width = int(sec.page_width - sec.left_margin - sec.right_margin)
        except TypeError:  # a reference document without page size
            self.text_width = 5760720
        self.sect_pr = self.body.find(_w("sectPr"))
        if self.sect_pr is not None:
            self.body.remove(self.sect_pr)
        self.style_ids = self._ensure_styles()
        self._numbering_setup()
        self._footnotes_el = None
        self._footnotes_part = None
        self._pending_notes: dict[int, list[Block]] = {}
        self._next_footnote_id = 1
        self._bookmark_id = 0
        self.toc: list[TocEntry] = []
        self._toc_anchor = None
        self._defaults_lang()
        self.body_ctx = _Ctx(self.part)

    # ----------------------------------------------------------------- setup
    def _a4(self) -> None:
        sec = self.doc.sections[0]
        sec.page_width, sec.page_height = Emu(7560310), Emu(10692130)
        for side in ("left_margin", "right_margin"):
            setattr(sec, side, Emu(900000))  # 2.5 cm
        sec.top_margin = sec.bottom_margin = Emu(900000)
        # python-docx's template ships a thumbnail of an empty page: drop it
        pkg = self.doc.part.package
        for rid, rel in list(pkg.rels.items()):
            if rel.reltype.endswith("/thumbnail"):
                pkg.rels.pop(rid)

    def _clear_reference(self) -> None:
        body = self.doc.element.body
        for child in list(body):
            if child.tag != _w("sectPr"):
                body.remove(child)
        pkg = self.doc.part.package
        for part in list(pkg.iter_parts()):
            _sanitize_part(part)
        for rid, rel in list(pkg.rels.items()):
            if rel.reltype.endswith("/thumbnail") or rel.is_external:
                pkg.rels.pop(rid)
        for rid, rel in list(self.doc.part.rels.items()):
            if rel.reltype in (RT.COMMENTS, RT.ENDNOTES) or rel.reltype.endswith(
                ("/commentsExtended", "/commentsIds", "/people", "/vbaProject")
            ):
                self.doc.part.rels.pop(rid)
        # existing footnote bodies belonged to the removed text
        try:
            fpart = self.doc.part.part_related_by(RT.FOOTNOTES)
        except KeyError:
            return
        for fn in list(fpart.element):
            if fn.get(_w("type")) in (None, "normal"):
                fpart.element.remove(fn)

    def _ensure_styles(self) -> dict[str, str]:
        styles = self.doc.styles
        ids: dict[str, str] = {}
        for name, (stype, based_on, size, bold, outline) in _NEEDED_STYLES.items():
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
                    _sub(ppr, "outlineLvl", val=outline)
                    style.paragraph_format.space_before = Pt(12)
                    style.paragraph_format.keep_with_next = True
                self._style_defaults(name, style)
            ids[name] = style.style_id
        return ids

    @staticmethod
    def _style_defaults(name: str, style) -> None:
        pf = getattr(style, "paragraph_format", None)
        if name == "Hyperlink":
            style.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)
            style.font.underline = True
        elif name == "Footnote Reference":
            style.font.superscript = True
        elif name in ("Inline Code", "Code Block"):
            style.font.name = "Courier New"
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

    def _defaults_lang(self) -> None:
        styles_el = self.doc.styles.element
        defaults = styles_el.find(_w("docDefaults"))
        if defaults is None:
            defaults = etree.Element(_w("docDefaults"))
            styles_el.insert(0, defaults)
        rpr_default = defaults.find(_w("rPrDefault"))
        if rpr_default is None:
            rpr_default = etree.Element(_w("rPrDefault"))
            defaults.insert(0, rpr_default)
        rpr = rpr_default.find(_w("rPr"))
        if rpr is None:
            rpr = _sub(rpr_default, "rPr")
        lang = rpr.find(_w("lang"))
        if lang is None:
            lang = _insert_in_order(rpr, "lang")
        lang.set(_w("val"), self.lang)
        # the document's styles may pin another language (en-US in most templates)
        for el in styles_el.iter(_w("lang")):
            if el is not lang and el.get(_w("val")):
                el.set(_w("val"), self.lang)

    # ---------------------------------------------------------------- numbering
    def _numbering_setup(self) -> None:
        numbering = self.doc.part.numbering_part.element
        self.numbering = numbering
        abstract_ids = [
            int(a.get(_w("abstractNumId"))) for a in numbering.findall(_w("abstractNum"))
        ]
        num_ids = [int(n.get(_w("numId"))) for n in numbering.findall(_w("num"))]
        self._next_abstract = max(abstract_ids, default=0) + 1
        self._next_num = max(num_ids, default=0) + 1
        self.bullet_abstract = self._add_abstract(ordered=False)
        self.number_abstract = self._add_abstract(ordered=True)
        self.bullet_num = self._add_num(self.bullet_abstract)

    def _add_abstract(self, *, ordered: bool) -> int:
        aid = self._next_abstract
        self._next_abstract += 1
        a = etree.Element(_w("abstractNum"))
        a.set(_w("abstractNumId"), str(aid))
        _sub(a, "multiLevelType", val="hybridMultilevel")
        bullets = ("•", "◦", "▪")
        formats = ("decimal", "lowerLetter", "lowerRoman")
        for lvl in range(9):
            el = _sub(a, "lvl", ilvl=lvl)
            _sub(el, "start", val=1)
            if ordered:
                _sub(el, "numFmt", val=formats[lvl % 3])
                _sub(el, "lvlText", val=f"%{lvl + 1}.")
            else:
                _sub(el, "numFmt", val="bullet")
                _sub(el, "lvlText", val=bullets[lvl % 3])
            _sub(el, "lvlJc", val="left")
            ppr = _sub(el, "pPr")
            _sub(ppr, "ind", left=360 * (lvl + 1) + 360, hanging=360)
        first_num = self.numbering.find(_w("num"))
        if first_num is not None:
            first_num.addprevious(a)
        else:
            self.numbering.append(a)
        return aid

    def _add_num(self, abstract: int, *, restart_level: int | None = None, start: int = 1) -> int:
        nid = self._next_num
        self._next_num += 1
        num = _sub(self.numbering, "num", numId=nid)
        _sub(num, "abstractNumId", val=abstract)
        if restart_level is not None:
            override = _sub(num, "lvlOverride", ilvl=restart_level)
            _sub(override, "startOverride", val=start)
        return nid

    # ----------------------------------------------------------------- elements
    def _p(self, style: str | None = None, *, num: tuple[int, int] | None = None, align=None):
        p = etree.Element(_w("p"))
        if style or num or align:
            ppr = _sub(p, "pPr")
            if style:
                _sub(ppr, "pStyle", val=self.style_ids.get(style, style))
            if num:
                numpr = _sub(ppr, "numPr")
                _sub(numpr, "ilvl", val=num[1])
                _sub(numpr, "numId", val=num[0])
            if align:
                _sub(ppr, "jc", val=align)
        return p

    def _r(self, parent, text: str, run: Run | None = None, *, style: str | None = None):
        r = _sub(parent, "r")
        rpr = _sub(r, "rPr")
        if style:
            _sub(rpr, "rStyle", val=self.style_ids.get(style, style))
        elif run is not None and run.code:
            _sub(rpr, "rStyle", val=self.style_ids["Inline Code"])
        if run is not None:
            if run.bold:
                _sub(rpr, "b")
            if run.italic:
                _sub(rpr, "i")
            if run.strike:
                _sub(rpr, "strike")
        _sub(rpr, "lang", val=self.lang)
        if _TAB_OR_NL.search(text):
            for k, piece in enumerate(re.split(r"(\t|\n)", text)):
                if piece == "\t":
                    _sub(r, "tab")
                elif piece == "\n":
                    _sub(r, "br")
                elif piece:
                    t = _sub(r, "t")
                    t.text = piece
                    t.set(_SPACE, "preserve")
                del k
        else:
            t = _sub(r, "t")
            t.text = text
            t.set(_SPACE, "preserve")
        return r

    def _hyperlink(self, parent, url: str, part):
        rid = part.relate_to(url, RT.HYPERLINK, is_external=True)
        h = _sub(parent, "hyperlink", rid=rid)
        h.set(_w("history"), "1")
        return h

    def runs(self, p, runs: list[Run], ctx: _Ctx) -> None:
        """Append the inline content ``runs`` to paragraph ``p``."""
        link_el = None
        link_url = None
        for run in runs:
            if run.footnote is not None:
                link_el = None
                if ctx.allow_footnotes and run.footnote in self._pending_notes:
                    self._footnote_ref(p, run.footnote)
                else:
                    self._r(p, f"[{run.footnote}]")
                continue
            if run.image is not None:
                link_el = None
                self._image(p, run.image[0], run.image[1], ctx)
                continue
            if run.br:
                _sub(_sub(p, "r"), "br")
                continue
            target = p
            if run.link and is_safe_link(run.link):
                if link_el is None or link_url != run.link:
                    link_el = self._hyperlink(p, run.link, ctx.part)
                    link_url = run.link
                target = link_el
                r = self._r(target, run.text, run)
                rpr = r[0]
                if rpr.find(_w("rStyle")) is None:
                    rstyle = etree.Element(_w("rStyle"))
                    rstyle.set(_w("val"), self.style_ids["Hyperlink"])
                    rpr.insert(0, rstyle)
                continue
            link_el = None
            self._r(target, run.text, run)

    # ----------------------------------------------------------------- images
    def _image(self, p, src: str, alt: str, ctx: _Ctx, max_width: int | None = None) -> None:
        data = self.images.get(src)
        if data is None or not ctx.allow_images:
            self._r(p, self.labels["image_missing"].format(alt=alt or src), Run(italic=True))
            return
        try:
            info = check_image(data)
        except Exception:
            self._r(p, self.labels["image_missing"].format(alt=alt or src), Run(italic=True))
            return
        max_w = max_width or self.text_width
        width = min(max_w, int(info.width * 914400 / 96))
        height = int(width * info.height / info.width)
        max_h = int(self.text_width * 1.1)
        if height > max_h:
            width, height = int(width * max_h / height), max_h
        inline = self.part.new_pic_inline(io.BytesIO(data), Emu(width), Emu(height))
        inline.docPr.set("descr", alt)
        inline.docPr.set("name", f"Image {inline.docPr.get('id')}")
        r = _sub(p, "r")
        _sub(r, "drawing").append(inline)

    # --------------------------------------------------------------- footnotes
    def set_footnotes(self, notes: dict[int, list[Block]]) -> None:
        self._pending_notes = notes

    def _footnotes_root(self):
        if self._footnotes_el is None:
            try:
                part = self.part.part_related_by(RT.FOOTNOTES)
            except KeyError:
                xml = (
                    f'<w:footnotes xmlns:w="{W_NS}" xmlns:r="{R_NS}">'
                    '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing '
                    'w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:separator/>'
                    "</w:r></w:p></w:footnote>"
                    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr>'
                    '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r>'
                    "<w:continuationSeparator/></w:r></w:p></w:footnote></w:footnotes>"
                )
                part = XmlPart(
                    PackURI("/word/footnotes.xml"), _FOOTNOTES_CT, parse_xml(xml), self.part.package
                )
                self.part.relate_to(part, RT.FOOTNOTES)
            self._footnotes_part = part
            self._footnotes_el = part.element
            ids = [int(f.get(_w("id"))) for f in part.element.findall(_w("footnote"))]
            self._next_footnote_id = max([0, *ids]) + 1
        return self._footnotes_el

    def _footnote_ref(self, p, number: int) -> None:
        root = self._footnotes_root()
        fid = self._next_footnote_id
        self._next_footnote_id += 1
        fn = _sub(root, "footnote", id=fid)
        ctx = _Ctx(self._footnotes_part, allow_footnotes=False, allow_images=False)
        blocks = self._pending_notes.get(number) or [Para([Run("")])]
        first = True
        for block in blocks:
            runs = _block_runs(block)
            fp = self._p("Footnote Text")
            if first:
                r = _sub(fp, "r")
                rpr = _sub(r, "rPr")
                _sub(rpr, "rStyle", val=self.style_ids["Footnote Reference"])
                _sub(r, "footnoteRef")
                self._r(fp, " ")
                first = False
            self.runs(fp, runs, ctx)
            fn.append(fp)
        r = _sub(p, "r")
        rpr = _sub(r, "rPr")
        _sub(rpr, "rStyle", val=self.style_ids["Footnote Reference"])
        _sub(rpr, "lang", val=self.lang)
        _sub(r, "footnoteReference", id=fid)

    # ----------------------------------------------------------------- blocks
    def add(self, el) -> None:
        self.body.append(el)

    def paragraph(self, runs: list[Run], style: str | None = None, *, align=None, ctx=None):
        p = self._p(style, align=align)
        self.runs(p, runs, ctx or self.body_ctx)
        self.add(p)
        return p

    def heading(self, level: int, runs: list[Run], *, toc: bool = True) -> None:
        level = max(1, min(level, 6))
        p = self._p(f"Heading {level}")
        if toc and level <= 2:
            self._bookmark_id += 1
            name = f"_Toc{self._bookmark_id:06d}"
            start = _sub(p, "bookmarkStart", id=self._bookmark_id, name=name)
            del start
            self.runs(p, runs, self.body_ctx)
            _sub(p, "bookmarkEnd", id=self._bookmark_id)
            self.toc.append(TocEntry(level, _runs_text(runs), name))
        else:
            self.runs(p, runs, self.body_ctx)
        self.add(p)

    def page_break(self) -> None:
        p = etree.Element(_w("p"))
        _sub(_sub(p, "r"), "br", type="page")
        self.add(p)

    def toc_placeholder(self) -> None:
        """Where the TOC goes; filled by ``finish_toc`` once every heading is known."""
        self.paragraph([Run(self.labels["toc"])], "TOC Heading")
        self._toc_anchor = etree.Element(_w("p"))
        self.add(self._toc_anchor)

    def finish_toc(self) -> None:
        if self._toc_anchor is None:
            return
        entries = self.toc or [TocEntry(1, "", "")]
        paras = []
        for k, entry in enumerate(entries):
            p = self._p(f"TOC {min(entry.level, 2)}")
            if k == 0:
                r = _sub(p, "r")
                _sub(r, "fldChar", fldCharType="begin", dirty="true")
                r = _sub(p, "r")
                instr = _sub(r, "instrText")
                instr.text = ' TOC \\o "1-3" \\h \\z \\u '
                instr.set(_SPACE, "preserve")
                _sub(_sub(p, "r"), "fldChar", fldCharType="separate")
            if entry.bookmark:
                h = _sub(p, "hyperlink", anchor=entry.bookmark, history="1")
                self._r(h, entry.text)
            paras.append(p)
        _sub(_sub(paras[-1], "r"), "fldChar", fldCharType="end")
        anchor = self._toc_anchor
        for p in paras:
            anchor.addprevious(p)
        anchor.getparent().remove(anchor)
        self._toc_anchor = None

    def blocks(
        self,
        blocks: list[Block],
        *,
        heading_offset: int = 1,
        list_depth: int = 0,
        quote: bool = False,
        container=None,
        ctx: _Ctx | None = None,
        cell_width: int | None = None,
    ) -> None:
        ctx = ctx or self.body_ctx
        append = container.append if container is not None else self.add
        base = "Quote" if quote else None
        for block in blocks:
            if isinstance(block, Heading):
                if container is not None:
                    p = self._p(base)
                    self.runs(
                        p,
                        [Run(r.text, bold=True) if not r.footnote else r for r in block.runs],
                        ctx,
                    )
                    append(p)
                else:
                    self.heading(block.level + heading_offset, block.runs, toc=False)
            elif isinstance(block, Para):
                if _is_lone_image(block.runs) and container is None:
                    src, alt = block.runs[0].image  # type: ignore[misc]
                    p = self._p(base, align="center")
                    self._image(p, src, alt, ctx, cell_width)
                    append(p)
                    if alt and src in self.images:
                        cap = self._p("Caption", align="center")
                        self._r(cap, alt)
                        append(cap)
                    continue
                p = self._p(base)
                self.runs(p, block.runs, ctx)
                append(p)
            elif isinstance(block, ListBlock):
                self._list(block, list_depth, append, ctx, quote)
            elif isinstance(block, Quote):
                self.blocks(
                    block.blocks,
                    heading_offset=heading_offset,
                    list_depth=list_depth,
                    quote=True,
                    container=container,
                    ctx=ctx,
                )
            elif isinstance(block, Code):
                p = self._p("Code Block")
                self._r(p, block.text)
                append(p)
            elif isinstance(block, Rule):
                p = self._p(base, align="center")
                self._r(p, "* * *")
                append(p)
            elif isinstance(block, Table):
                append(self._table(block, ctx, cell_width or self.text_width))
                if container is None:
                    append(self._p(None))  # Word glues consecutive tables otherwise

    def _list(self, block: ListBlock, depth: int, append, ctx: _Ctx, quote: bool) -> None:
        depth = min(depth, 8)
        if block.ordered:
            num = self._add_num(self.number_abstract, restart_level=depth, start=block.start)
            style = "List Number" if depth == 0 else f"List Number {min(depth + 1, 3)}"
        else:
            num = self.bullet_num
            style = "List Bullet" if depth == 0 else f"List Bullet {min(depth + 1, 3)}"
        cont = "List Continue" if depth == 0 else f"List Continue {min(depth + 1, 3)}"
        for item in block.items:
            numbered = False
            for sub in item or [Para([])]:
                if isinstance(sub, Para) and not numbered:
                    p = self._p(style, num=(num, depth))
                    self.runs(p, sub.runs, ctx)
                    append(p)
                    numbered = True
                elif isinstance(sub, ListBlock):
                    if not numbered:
                        p = self._p(style, num=(num, depth))
                        append(p)
                        numbered = True
                    self._list(sub, depth + 1, append, ctx, quote)
                elif isinstance(sub, Para | Heading):
                    p = self._p(cont)
                    self.runs(p, sub.runs, ctx)
                    append(p)
                else:
                    holder: list = []
                    self.blocks([sub], container=holder, ctx=ctx, quote=quote)
                    for el in holder:
                        append(el)
                    numbered = True

    def _table(self, table: Table, ctx: _Ctx, width: int):
        ncols = max(1, len(table.aligns))
        col = int(width / 635 / ncols)  # EMU → twips
        tbl = etree.Element(_w("tbl"))
        tblpr = _sub(tbl, "tblPr")
        _sub(tblpr, "tblStyle", val=self.style_ids.get("Table Grid", "TableGrid"))
        _sub(tblpr, "tblW", w=5000, type="pct")
        if "Table Grid" not in self.style_ids:
            borders = _sub(tblpr, "tblBorders")
            for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
                _sub(borders, side, val="single", sz=4, space=0, color="auto")
        _sub(
            tblpr,
            "tblLook",
            val="04A0",
            firstRow=1,
            lastRow=0,
            firstColumn=0,
            lastColumn=0,
            noHBand=0,
            noVBand=1,
        )
        grid = _sub(tbl, "tblGrid")
        for _ in range(ncols):
            _sub(grid, "gridCol", w=col)
        rows = ([table.header] if table.header else []) + table.rows
        for k, row in enumerate(rows):
            tr = _sub(tbl, "tr")
            header = k == 0 and bool(table.header)
            if header:
                _sub(_sub(tr, "trPr"), "tblHeader")
            for c in range(ncols):
                cell = row[c] if c < len(row) else []
                tc = _sub(tr, "tc")
                _sub(_sub(tc, "tcPr"), "tcW", w=col, type="dxa")
                align = {"center": "center", "right": "right"}.get(table.aligns[c])
                p = self._p(None, align=align)
                runs = [
                    Run(r.text, True, r.italic, r.code, r.strike, r.link)
                    if header and r.footnote is None and r.image is None
                    else r
                    for r in cell
                ]
                self.runs(p, runs, ctx)
                tc.append(p)
        return tbl

    def cell_blocks(self, tc, blocks: list[Block], width: int) -> None:
        holder: list = []
        self.blocks(blocks, container=holder, cell_width=width)
        if not holder:
            holder.append(self._p(None))
        for el in holder:
            tc.append(el)

    # ----------------------------------------------------------------- finish
    def properties(self, *, title: str, author: str, subject: str, keywords: str, created=None):
        set_core_properties(
            self.doc.core_properties,
            self.doc.part.package,
            lang=self.lang,
            title=title,
            author=author,
            subject=subject,
            keywords=keywords,
            created=created,
        )
        self.doc.core_properties.content_status = ""

    def to_bytes(self) -> bytes:
        self.finish_toc()
        if self.sect_pr is not None:
            self.body.append(self.sect_pr)
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


# ---------------------------------------------------------------------- helpers
_ORDER = (
    "rStyle",
    "rFonts",
    "b",
    "bCs",
    "i",
    "iCs",
    "caps",
    "smallCaps",
    "strike",
    "dstrike",
    "outline",
    "shadow",
    "emboss",
    "imprint",
    "noProof",
    "snapToGrid",
    "vanish",
    "webHidden",
    "color",
    "spacing",
    "w",
    "kern",
    "position",
    "sz",
    "szCs",
    "highlight",
    "u",
    "effect",
    "bdr",
    "shd",
    "fitText",
    "vertAlign",
    "rtl",
    "cs",
    "em",
    "lang",
)


def _insert_in_order(rpr, tag: str):
    el = etree.Element(_w(tag))
    rank = _ORDER.index(tag)
    for k, child in enumerate(rpr):
        local = etree.QName(child).localname
        if local in _ORDER and _ORDER.index(local) > rank:
            rpr.insert(k, el)
            return el
    rpr.append(el)
    return el


def _runs_text(runs: list[Run]) -> str:
    return "".join(r.text for r in runs if r.footnote is None and r.image is None).strip()


def _block_runs(block: Block) -> list[Run]:
    if isinstance(block, Para | Heading):
        return block.runs
    if isinstance(block, Quote):
        out: list[Run] = []
        for b in block.blocks:
            out.extend(_block_runs(b))
        return out
    if isinstance(block, ListBlock):
        out = []
        for item in block.items:
            for b in item:
                if out:
                    out.append(Run(" ; "))
                out.extend(_block_runs(b))
        return out
    if isinstance(block, Code):
        return [Run(block.text, code=True)]
    if isinstance(block, Table):
        out = []
        for row in ([block.header] if block.header else []) + block.rows:
            out.extend([*[x for c in row for x in ([*c, Run(" | ")])], Run(" ")])
        return out
    return []


def _is_lone_image(runs: list[Run]) -> bool:
    real = [r for r in runs if not (r.image is None and not r.text.strip() and r.footnote is None)]
    return len(real) == 1 and real[0].image is not None


def _sanitize_part(part) -> None:
    """In a reference document: drop external relationships that are not http(s)/mailto
    (attachedTemplate, linked images…) and fields other than page numbers."""
    rels = getattr(part, "rels", None)
    bad: set[str] = set()
    if rels is not None:
        for rid, rel in list(rels.items()):
            if rel.is_external and not is_safe_link(rel.target_ref):
                bad.add(rid)
                rels.pop(rid)
    element = getattr(part, "_element", None)
    if element is None or not isinstance(element, etree._Element):
        return
    if bad:
        for el in list(element.iter()):
            for attr in (_R + "id", _R + "link", _R + "embed"):
                if el.get(attr) in bad:
                    parent = el.getparent()
                    if parent is not None:
                        parent.remove(el)
                    break
    _strip_fields(element)


def _strip_fields(root) -> None:
    for fld in list(root.iter(_w("fldSimple"))):
        instr = (fld.get(_w("instr")) or "").split()
        if not instr or instr[0].upper() not in _ALLOWED_FIELDS:
            parent = fld.getparent()
            idx = parent.index(fld)
            for child in list(fld):
                parent.insert(idx, child)
                idx += 1
            parent.remove(fld)
    for instr in list(root.iter(_w("instrText"))):
        words = (instr.text or "").split()
        if words and words[0].upper() in _ALLOWED_FIELDS:
            continue
        instr.text = ""
        _unwrap_complex_field(instr)


def _unwrap_complex_field(instr) -> None:
    """Remove the begin/separate/end fldChar of the field holding ``instr`` (keep result)."""
    run = instr.getparent()
    para = run.getparent() if run is not None else None
    if para is None:
        return
    run.remove(instr)
    for r in para.findall(_w("r")):
        for fc in r.findall(_w("fldChar")):
            r.remove(fc)


def copy_element(el):
    return copy.deepcopy(el)


Builder = Callable[[DocxWriter], None]
