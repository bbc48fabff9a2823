"""Inline content in Word: paragraphs and runs, hyperlinks, pictures and footnotes.

Every text is written as ``w:t`` (text that looks like a field code stays text); a
hyperlink is a ``w:hyperlink`` element, never a HYPERLINK field, with an http(s)/mailto
target only. A footnote's body is written where it is first called, in footnotes.xml.
"""

from __future__ import annotations

import io
import re

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import parse_xml
from docx.shared import Emu
from lxml import etree

from app.core.markdown import is_safe_link

from .docx_package import WordPackage
from .mdtree import Block, Code, Heading, ListBlock, Para, Quote, Run, Table
from .ooxml import R_NS, W_NS, XML_SPACE, w_sub, w_tag
from .validate import check_image

__all__ = ["InlineWriter", "Where"]

_FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_FOOTNOTES_XML = (
    f'<w:footnotes xmlns:w="{W_NS}" xmlns:r="{R_NS}">'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing '
    'w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:separator/>'
    "</w:r></w:p></w:footnote>"
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr>'
    '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:r>'
    "<w:continuationSeparator/></w:r></w:p></w:footnote></w:footnotes>"
)
_TAB_OR_NL = re.compile(r"[\t\n]")


class Where:
    """Where runs go: the body, a footnote (own relationships, no notes or pictures in it)."""

    __slots__ = ("allow_footnotes", "allow_images", "part")

    def __init__(self, part, *, allow_footnotes: bool = True, allow_images: bool = True):
        self.part = part
        self.allow_footnotes = allow_footnotes
        self.allow_images = allow_images


class InlineWriter:
    """Builds ``w:p`` and ``w:r`` elements for a WordPackage."""

    def __init__(self, package: WordPackage, *, images: dict[str, bytes], labels: dict) -> None:
        self.package = package
        self.labels = labels
        self.images = dict(images or {})
        self.body = Where(package.part)
        self._pending_notes: dict[int, list[Block]] = {}
        self._footnotes_el = None
        self._footnotes_part = None
        self._next_footnote_id = 1

    # ----------------------------------------------------------------- elements
    def p(self, style: str | None = None, *, num: tuple[int, int] | None = None, align=None):
        """An empty paragraph: its style, its list (numId, level), its alignment."""
        p = etree.Element(w_tag("p"))
        if style or num or align:
            ppr = w_sub(p, "pPr")
            if style:
                w_sub(ppr, "pStyle", val=self.package.style(style))
            if num:
                numpr = w_sub(ppr, "numPr")
                w_sub(numpr, "ilvl", val=num[1])
                w_sub(numpr, "numId", val=num[0])
            if align:
                w_sub(ppr, "jc", val=align)
        return p

    def r(self, parent, text: str, run: Run | None = None, *, style: str | None = None):
        """A run of ``text`` in ``parent`` with the formatting of ``run``."""
        r = w_sub(parent, "r")
        rpr = w_sub(r, "rPr")
        if style:
            w_sub(rpr, "rStyle", val=self.package.style(style))
        elif run is not None and run.code:
            w_sub(rpr, "rStyle", val=self.package.style_ids["Inline Code"])
        if run is not None:
            if run.bold:
                w_sub(rpr, "b")
            if run.italic:
                w_sub(rpr, "i")
            if run.strike:
                w_sub(rpr, "strike")
        w_sub(rpr, "lang", val=self.package.lang)
        if not _TAB_OR_NL.search(text):
            t = w_sub(r, "t")
            t.text = text
            t.set(XML_SPACE, "preserve")
            return r
        for piece in re.split(r"(\t|\n)", text):
            if piece == "\t":
                w_sub(r, "tab")
            elif piece == "\n":
                w_sub(r, "br")
            elif piece:
                t = w_sub(r, "t")
                t.text = piece
                t.set(XML_SPACE, "preserve")
        return r

    def paragraph(self, runs: list[Run], style: str | None = None, *, align=None, where=None):
        """A paragraph of ``runs`` appended to the body."""
        p = self.p(style, align=align)
        self.runs(p, runs, where or self.body)
        self.package.add(p)
        return p

    def runs(self, p, runs: list[Run], where: Where) -> None:
        """Append the inline content ``runs`` to paragraph ``p``."""
        link_el = None
        link_url = None
        for run in runs:
            if run.footnote is not None:
                link_el = None
                if where.allow_footnotes and run.footnote in self._pending_notes:
                    self._footnote_ref(p, run.footnote)
                else:
                    self.r(p, f"[{run.footnote}]")
                continue
            if run.image is not None:
                link_el = None
                self.image(p, run.image[0], run.image[1], where)
                continue
            if run.br:
                w_sub(w_sub(p, "r"), "br")
                continue
            if run.link and is_safe_link(run.link):
                if link_el is None or link_url != run.link:
                    link_el = self._hyperlink(p, run.link, where.part)
                    link_url = run.link
                rpr = self.r(link_el, run.text, run)[0]
                if rpr.find(w_tag("rStyle")) is None:
                    rstyle = etree.Element(w_tag("rStyle"))
                    rstyle.set(w_tag("val"), self.package.style_ids["Hyperlink"])
                    rpr.insert(0, rstyle)
                continue
            link_el = None
            self.r(p, run.text, run)

    def _hyperlink(self, parent, url: str, part):
        rid = part.relate_to(url, RT.HYPERLINK, is_external=True)
        h = w_sub(parent, "hyperlink", rid=rid)
        h.set(w_tag("history"), "1")
        return h

    # ----------------------------------------------------------------- images
    def image(self, p, src: str, alt: str, where: Where, max_width: int | None = None) -> None:
        """The picture ``src`` at most the text's width, or a note that it is missing."""
        data = self.images.get(src)
        if data is None or not where.allow_images:
            self.r(p, self.labels["image_missing"].format(alt=alt or src), Run(italic=True))
            return
        try:
            info = check_image(data)
        except Exception:
            self.r(p, self.labels["image_missing"].format(alt=alt or src), Run(italic=True))
            return
        text_width = self.package.text_width
        width = min(max_width or text_width, int(info.width * 914400 / 96))
        height = int(width * info.height / info.width)
        max_h = int(text_width * 1.1)
        if height > max_h:
            width, height = int(width * max_h / height), max_h
        inline = self.package.part.new_pic_inline(io.BytesIO(data), Emu(width), Emu(height))
        inline.docPr.set("descr", alt)
        inline.docPr.set("name", f"Image {inline.docPr.get('id')}")
        w_sub(w_sub(p, "r"), "drawing").append(inline)

    # --------------------------------------------------------------- footnotes
    def set_footnotes(self, notes: dict[int, list[Block]]) -> None:
        """The bodies of the footnotes the runs will call, by number."""
        self._pending_notes = notes

    def _footnotes_root(self):
        if self._footnotes_el is None:
            main = self.package.part
            try:
                part = main.part_related_by(RT.FOOTNOTES)
            except KeyError:
                part = XmlPart(
                    PackURI("/word/footnotes.xml"),
                    _FOOTNOTES_CT,
                    parse_xml(_FOOTNOTES_XML),
                    main.package,
                )
                main.relate_to(part, RT.FOOTNOTES)
            self._footnotes_part = part
            self._footnotes_el = part.element
            ids = [int(f.get(w_tag("id"))) for f in part.element.findall(w_tag("footnote"))]
            self._next_footnote_id = max([0, *ids]) + 1
        return self._footnotes_el

    def _footnote_ref(self, p, number: int) -> None:
        root = self._footnotes_root()
        fid = self._next_footnote_id
        self._next_footnote_id += 1
        fn = w_sub(root, "footnote", id=fid)
        where = Where(self._footnotes_part, allow_footnotes=False, allow_images=False)
        blocks = self._pending_notes.get(number) or [Para([Run("")])]
        for k, block in enumerate(blocks):
            fp = self.p("Footnote Text")
            if k == 0:
                r = w_sub(fp, "r")
                w_sub(w_sub(r, "rPr"), "rStyle", val=self.package.style_ids["Footnote Reference"])
                w_sub(r, "footnoteRef")
                self.r(fp, " ")
            self.runs(fp, _block_runs(block), where)
            fn.append(fp)
        r = w_sub(p, "r")
        rpr = w_sub(r, "rPr")
        w_sub(rpr, "rStyle", val=self.package.style_ids["Footnote Reference"])
        w_sub(rpr, "lang", val=self.package.lang)
        w_sub(r, "footnoteReference", id=fid)


def _block_runs(block: Block) -> list[Run]:
    """A block flattened into one paragraph's runs (a footnote holds paragraphs only)."""
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
