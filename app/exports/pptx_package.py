"""The PowerPoint package being written: the edition's template made safe, or a 16:9 default.

A template brings its masters, layouts and theme, nothing else: its sample slides, its
external links other than http(s)/mailto and its ``ppaction://`` jumps are removed. The
theme's first accent becomes the group's colour; its fonts are the ones text is measured in.
Slides and notes are written as parts directly: python-pptx clones every placeholder of a
layout through XPath for each new slide, the bulk of a big deck's time.
"""

from __future__ import annotations

import functools
import io
from xml.sax.saxutils import escape

import pptx
from lxml import etree
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.opc.constants import CONTENT_TYPE as CT
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.packuri import PackURI
from pptx.oxml import parse_xml
from pptx.parts.slide import NotesSlidePart, SlidePart
from pptx.util import Emu

from app.core.markdown import clean_text

from .ooxml import (
    A_NS,
    P_NS,
    R_ID,
    R_NS,
    drop_package_relationships,
    drop_unsafe_relationships,
    hex_colour,
    lang_tag,
    set_core_properties,
)
from .validate import check_pptx_template

__all__ = ["NSDECL", "SLIDE_H", "SLIDE_W", "DeckPackage", "theme_fonts"]

_A = f"{{{A_NS}}}"
NSDECL = f'xmlns:a="{A_NS}" xmlns:p="{P_NS}" xmlns:r="{R_NS}"'
SLIDE_W, SLIDE_H = 12192000, 6858000  # 13.333 in × 7.5 in

_SLIDE_XML = (
    f'<p:sld {NSDECL}><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/>'
    "<p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/></p:spTree></p:cSld>"
    "<p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sld>"
)
_NOTES_XML = (
    f'<p:notes xmlns:a="{A_NS}" xmlns:r="{R_NS}" xmlns:p="{P_NS}"><p:cSld><p:spTree>'
    '<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>'
    '<p:sp><p:nvSpPr><p:cNvPr id="2" name="Slide Image Placeholder 1"/><p:cNvSpPr>'
    '<a:spLocks noGrp="1" noRot="1" noChangeAspect="1"/></p:cNvSpPr><p:nvPr>'
    '<p:ph type="sldImg"/></p:nvPr></p:nvSpPr><p:spPr/></p:sp>'
    '<p:sp><p:nvSpPr><p:cNvPr id="3" name="Notes Placeholder 2"/><p:cNvSpPr>'
    '<a:spLocks noGrp="1"/></p:cNvSpPr><p:nvPr><p:ph type="body" idx="1"/></p:nvPr>'
    "</p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/><a:lstStyle/>{paras}</p:txBody></p:sp>"
    "</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:notes>"
)


def theme_fonts(prs) -> tuple[str, str]:
    """The theme's (major, minor) Latin typefaces: titles' and bodies' fonts."""
    root = etree.fromstring(prs.slide_master.part.part_related_by(RT.THEME).blob)
    names = []
    for tag in ("majorFont", "minorFont"):
        el = next(root.iter(_A + tag), None)
        latin = el.find(_A + "latin") if el is not None else None
        names.append(latin.get("typeface") if latin is not None else "")
    return names[0], names[1]


class DeckPackage:
    """python-pptx's Presentation with the group's accent, its layouts picked, and parts
    written directly for slides and notes."""

    def __init__(self, *, language: str, accent: str, template: bytes | None) -> None:
        self.lang = lang_tag(language)
        self.accent = hex_colour(accent)
        if template:
            check_pptx_template(template)
            self.prs = pptx.Presentation(io.BytesIO(template))
            _clear_template(self.prs)
        else:
            self.prs = pptx.Presentation(io.BytesIO(_default_template()))
        self.width = int(self.prs.slide_width)
        self.height = int(self.prs.slide_height)
        _fast_partnames(self.prs.part.package)
        self._set_theme_accent()
        self.title_font, self.body_font = theme_fonts(self.prs)
        ph = PP_PLACEHOLDER
        self.l_title = _layout(
            self.prs,
            want={ph.CENTER_TITLE},
            name_hint=("Title Slide", "Diapositive de titre"),
            fallback=0,
        )
        self.l_content = _layout(
            self.prs,
            want={ph.TITLE, ph.OBJECT},
            name_hint=("Title and Content", "Titre et contenu"),
            fallback=1,
        )
        self.l_section = _layout(
            self.prs, want=set(), name_hint=("Section Header", "En-tête de section"), fallback=2
        )
        self.l_title_only = _layout(
            self.prs, want={ph.TITLE}, name_hint=("Title Only", "Titre seul"), fallback=5
        )

    def _set_theme_accent(self) -> None:
        theme = self.prs.slide_master.part.part_related_by(RT.THEME)
        root = etree.fromstring(theme.blob)
        for accent in root.iter(_A + "accent1"):
            for child in list(accent):
                accent.remove(child)
            etree.SubElement(accent, _A + "srgbClr").set("val", self.accent)
        theme._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    def new_slide(self, layout):
        """An empty slide on ``layout``, appended to the deck."""
        package = self.prs.part.package
        part = SlidePart(
            package.next_partname("/ppt/slides/slide%d.xml"),
            CT.PML_SLIDE,
            package,
            parse_xml(_SLIDE_XML),
        )
        part.relate_to(layout.part, RT.SLIDE_LAYOUT)
        rid = self.prs.part.relate_to(part, RT.SLIDE)
        self.prs.slides._sldIdLst.add_sldId(rid)
        return part.slide

    def notes(self, slide, text: str) -> None:
        """Speaker notes of ``slide``, one paragraph a line (none when ``text`` is blank)."""
        text = clean_text(text).strip()
        if not text:
            return
        package = self.prs.part.package
        paras = "".join(
            f'<a:p><a:r><a:rPr lang="{self.lang}" dirty="0"/><a:t>{escape(line)}</a:t></a:r></a:p>'
            if line
            else f'<a:p><a:endParaRPr lang="{self.lang}"/></a:p>'
            for line in text.split("\n")
        )
        part = NotesSlidePart(
            package.next_partname("/ppt/notesSlides/notesSlide%d.xml"),
            CT.PML_NOTES_SLIDE,
            package,
            parse_xml(_NOTES_XML.replace("{paras}", paras)),
        )
        part.relate_to(self.prs.part.notes_master_part, RT.NOTES_MASTER)
        part.relate_to(slide.part, RT.SLIDE)
        slide.part.relate_to(part, RT.NOTES_SLIDE)

    def properties(self, **properties) -> None:
        """Title, author, subject, keywords, created: see ``ooxml.set_core_properties``."""
        set_core_properties(self.prs, lang=self.lang, **properties)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.prs.save(out)
        return out.getvalue()


@functools.cache
def _default_template() -> bytes:
    """python-pptx's default template made 16:9 (layouts stretched), Arial theme fonts."""
    prs = pptx.Presentation()
    ratio = SLIDE_W / prs.slide_width
    prs.slide_width, prs.slide_height = Emu(SLIDE_W), Emu(SLIDE_H)
    master = prs.slide_master
    for el_owner in [master, *master.slide_layouts]:
        for off in el_owner.element.iter(_A + "off"):
            off.set("x", str(int(int(off.get("x")) * ratio)))
        for ext in el_owner.element.iter(_A + "ext"):
            if ext.get("cx") is not None:
                ext.set("cx", str(int(int(ext.get("cx")) * ratio)))
    theme = master.part.part_related_by(RT.THEME)
    root = etree.fromstring(theme.blob)
    for tag in ("majorFont", "minorFont"):
        for latin in root.iter(_A + tag):
            latin.find(_A + "latin").set("typeface", "Arial")
    theme._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    drop_package_relationships(prs.part.package, external=False)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def _clear_template(prs) -> None:
    sld_id_lst = prs.slides._sldIdLst
    for sld_id in list(sld_id_lst):
        prs.part.drop_rel(sld_id.get(R_ID))
        sld_id_lst.remove(sld_id)
    for part in list(prs.part.package.iter_parts()):
        bad = drop_unsafe_relationships(part)
        element = getattr(part, "_element", None)
        if element is None:
            continue
        for el in list(element.iter(_A + "hlinkClick", _A + "hlinkHover")):
            if (el.get("action") or "").startswith("ppaction://") or el.get(R_ID) in bad:
                el.getparent().remove(el)
    drop_package_relationships(prs.part.package, external=True)


def _layout(prs, *, want: set, name_hint: tuple[str, ...], fallback: int):
    """Pick a layout by placeholder types, then by name, then by position."""
    layouts = list(prs.slide_layouts)
    for lay in layouts:
        if lay.name and any(h.lower() in lay.name.lower() for h in name_hint):
            types = {ph.placeholder_format.type for ph in lay.placeholders}
            if want <= types or not want:
                return lay
    for lay in layouts:
        types = {ph.placeholder_format.type for ph in lay.placeholders}
        if want and want <= types:
            return lay
    return layouts[min(fallback, len(layouts) - 1)]


def _fast_partnames(package) -> None:
    """python-pptx finds the next free part name by walking every relationship of the
    package for each new slide and notes slide (quadratic: ~0.25 s for 120 slides).
    Keep the set of used names instead; every name handed out is then created."""
    used = {str(p.partname) for p in package.iter_parts()}

    def next_partname(tmpl: str) -> PackURI:
        n = 1
        while (name := tmpl % n) in used:
            n += 1
        used.add(name)
        return PackURI(name)

    package.next_partname = next_partname
