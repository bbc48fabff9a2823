"""The Word package being written: an A4 document, or the edition's reference made safe.

A reference document brings its styles, headers and page set-up, nothing else: its text,
comments, macros, foreign fields (DDEAUTO, INCLUDEPICTURE…) and external links other than
http(s)/mailto are removed before anything is written into it.
"""

from __future__ import annotations

import io

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.shared import Emu
from lxml import etree

from .docx_styles import Numbering, ensure_styles, set_default_language
from .ooxml import (
    R_NS,
    drop_package_relationships,
    drop_unsafe_relationships,
    lang_tag,
    set_core_properties,
    w_tag,
)
from .validate import check_reference_docx

__all__ = ["WordPackage"]

_ALLOWED_FIELDS = {"PAGE", "NUMPAGES", "SECTIONPAGES", "TOC"}
_LINK_ATTRS = tuple(f"{{{R_NS}}}{a}" for a in ("id", "link", "embed"))


class WordPackage:
    """python-docx's Document with our styles, list numbering and language; the body is
    appended to, and the section properties go back last in ``to_bytes``."""

    def __init__(self, *, language: str, reference: bytes | None = None) -> None:
        self.lang = lang_tag(language)
        if reference:
            check_reference_docx(reference)
            self.doc = docx.Document(io.BytesIO(reference))
            _clear_reference(self.doc)
        else:
            self.doc = docx.Document()
            _a4(self.doc)
        self.part = self.doc.part
        self.body = self.doc.element.body
        sec = self.doc.sections[0]
        try:
            self.text_width = int(sec.page_width - sec.left_margin - sec.right_margin)
        except TypeError:  # a reference document without page size
            self.text_width = 5760720
        self.sect_pr = self.body.find(w_tag("sectPr"))
        if self.sect_pr is not None:
            self.body.remove(self.sect_pr)
        self.style_ids = ensure_styles(self.doc.styles)
        self.numbering = Numbering(self.part.numbering_part.element)
        set_default_language(self.doc.styles.element, self.lang)

    def style(self, name: str) -> str:
        """The style id of ``name`` (a reference's ids may differ from the names)."""
        return self.style_ids.get(name, name)

    def add(self, el) -> None:
        self.body.append(el)

    def properties(self, **properties) -> None:
        """Title, author, subject, keywords, created: see ``ooxml.set_core_properties``."""
        set_core_properties(self.doc, lang=self.lang, **properties)
        self.doc.core_properties.content_status = ""

    def to_bytes(self) -> bytes:
        if self.sect_pr is not None:
            self.body.append(self.sect_pr)
        out = io.BytesIO()
        self.doc.save(out)
        return out.getvalue()


def _a4(doc) -> None:
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Emu(7560310), Emu(10692130)
    for side in ("left_margin", "right_margin"):
        setattr(sec, side, Emu(900000))  # 2.5 cm
    sec.top_margin = sec.bottom_margin = Emu(900000)
    # python-docx's template ships a thumbnail of an empty page: drop it
    drop_package_relationships(doc.part.package, external=False)


def _clear_reference(doc) -> None:
    body = doc.element.body
    for child in list(body):
        if child.tag != w_tag("sectPr"):
            body.remove(child)
    pkg = doc.part.package
    for part in list(pkg.iter_parts()):
        _sanitize_part(part)
    drop_package_relationships(pkg, external=True)
    for rid, rel in list(doc.part.rels.items()):
        if rel.reltype in (RT.COMMENTS, RT.ENDNOTES) or rel.reltype.endswith(
            ("/commentsExtended", "/commentsIds", "/people", "/vbaProject")
        ):
            doc.part.rels.pop(rid)
    # existing footnote bodies belonged to the removed text
    try:
        fpart = doc.part.part_related_by(RT.FOOTNOTES)
    except KeyError:
        return
    for fn in list(fpart.element):
        if fn.get(w_tag("type")) in (None, "normal"):
            fpart.element.remove(fn)


def _sanitize_part(part) -> None:
    """Drop a reference part's unsafe external links, what points at them, and fields
    other than page numbers and the table of contents."""
    bad = drop_unsafe_relationships(part)
    element = getattr(part, "_element", None)
    if element is None or not isinstance(element, etree._Element):
        return
    if bad:
        for el in list(element.iter()):
            for attr in _LINK_ATTRS:
                if el.get(attr) in bad:
                    parent = el.getparent()
                    if parent is not None:
                        parent.remove(el)
                    break
    _strip_fields(element)


def _strip_fields(root) -> None:
    for fld in list(root.iter(w_tag("fldSimple"))):
        instr = (fld.get(w_tag("instr")) or "").split()
        if not instr or instr[0].upper() not in _ALLOWED_FIELDS:
            parent = fld.getparent()
            idx = parent.index(fld)
            for child in list(fld):
                parent.insert(idx, child)
                idx += 1
            parent.remove(fld)
    for instr in list(root.iter(w_tag("instrText"))):
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
    for r in para.findall(w_tag("r")):
        for fc in r.findall(w_tag("fldChar")):
            r.remove(fc)
