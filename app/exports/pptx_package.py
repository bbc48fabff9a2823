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
import posixpath
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pptx
from lxml import etree
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.opc.constants import CONTENT_TYPE as CT
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.package import Part
from pptx.opc.packuri import PackURI
from pptx.opc.spec import default_content_types
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
from .pptx_theme import (
    BODY_BOX,
    FONT,
    INK,
    SECTION_TITLE_BOX,
    SUBTITLE_BOX,
    TITLE_BOX,
    TITLE_SLIDE_BOX,
)
from .validate import check_pptx_template

__all__ = ["NSDECL", "SLIDE_H", "SLIDE_W", "DeckPackage", "SlideBlob", "theme_fonts"]

_A = f"{{{A_NS}}}"
NSDECL = f'xmlns:a="{A_NS}" xmlns:p="{P_NS}" xmlns:r="{R_NS}"'
SLIDE_W, SLIDE_H = 12192000, 6858000  # 13.333 in × 7.5 in

_XML_HEAD = "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
_SLIDE_XML = (
    f'<p:sld {NSDECL}><p:cSld>{{bg}}<p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/>'
    "<p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>{shapes}</p:spTree></p:cSld>"
    "<p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sld>"
)
_BG_XML = (
    '<p:bg><p:bgPr><a:solidFill><a:srgbClr val="{colour}"/></a:solidFill><a:effectLst/>'
    "</p:bgPr></p:bg>"
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


@dataclass
class SlideBlob:
    """A slide being written: its part (XML given at its end) and its background."""

    part: Part
    background: str = ""


class DeckPackage:
    """python-pptx's Presentation with the group's accent, its layouts picked, and parts
    written directly for slides and notes. ``designed`` is True on our own default
    template (the writer then draws the full theme), False on an edition's template (its
    look is kept: only the text, footers and slide numbers are added)."""

    def __init__(self, *, language: str, accent: str, template: bytes | None) -> None:
        self.lang = lang_tag(language)
        self.accent = hex_colour(accent)
        self.designed = not template
        if template:
            check_pptx_template(template)
            self.prs = pptx.Presentation(io.BytesIO(template))
            _clear_template(self.prs)
        else:
            self.prs = pptx.Presentation(io.BytesIO(_default_template()))
        self.width = int(self.prs.slide_width)
        self.height = int(self.prs.slide_height)
        _fast_partnames(self.prs.part.package)
        self._sld_ids = [int(x.get("id")) for x in self.prs.slides._sldIdLst]
        self._notes_master = None
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

    def new_slide(self, layout, background: str = "") -> SlideBlob:
        """An empty slide on ``layout`` (on a ``background`` colour, hex, if given), appended
        to the deck; its shapes are given as XML to ``finish_slide``. Its relationship and id
        are added directly: python-pptx searches every relationship and slide id of the
        presentation for each new slide (quadratic)."""
        package = self.prs.part.package
        part = Part(package.next_partname("/ppt/slides/slide%d.xml"), CT.PML_SLIDE, package)
        part.relate_to(layout.part, RT.SLIDE_LAYOUT)
        rid = self.prs.part.rels._add_relationship(RT.SLIDE, part)
        sld_id = max([255, *self._sld_ids[-1:]]) + 1
        self._sld_ids.append(sld_id)
        self.prs.slides._sldIdLst._add_sldId(id=sld_id, rId=rid)
        return SlideBlob(part, background)

    def finish_slide(self, slide: SlideBlob, shapes_xml: str) -> None:
        """The slide's XML, its ``shapes_xml`` (``p:sp``, ``p:pic``… elements) inside.

        Slides and notes are written as text, never as lxml trees: every shape is already
        XML text, and parsing it only to serialize it again was a third of a deck's time.
        ``tests/exports/test_package_sanity.py`` parses every part of what we write."""
        bg = _BG_XML.format(colour=slide.background) if slide.background else ""
        xml = _SLIDE_XML.replace("{bg}", bg).replace("{shapes}", shapes_xml)
        slide.part.blob = (_XML_HEAD + xml).encode("utf-8")

    def notes(self, slide: SlideBlob, text: str) -> None:
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
        part = Part(
            package.next_partname("/ppt/notesSlides/notesSlide%d.xml"),
            CT.PML_NOTES_SLIDE,
            package,
            (_XML_HEAD + _NOTES_XML.replace("{paras}", paras)).encode("utf-8"),
        )
        if self._notes_master is None:
            self._notes_master = self.prs.part.notes_master_part
        part.relate_to(self._notes_master, RT.NOTES_MASTER)
        part.relate_to(slide.part, RT.SLIDE)
        slide.part.relate_to(part, RT.NOTES_SLIDE)

    def properties(self, **properties) -> None:
        """Title, author, subject, keywords, created: see ``ooxml.set_core_properties``."""
        set_core_properties(self.prs, lang=self.lang, **properties)

    def to_bytes(self) -> bytes:
        """The package as a zip, written as python-pptx's ``save`` does, except the .rels
        items: serialized as text (python-pptx builds an lxml tree for each, ~10 % of a big
        deck's time)."""
        package = self.prs.part.package
        parts = list(package.iter_parts())
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, strict_timestamps=False) as z:
            z.writestr("[Content_Types].xml", _content_types_xml(parts))
            z.writestr("_rels/.rels", _rels_xml(package._rels))
            for part in parts:
                z.writestr(part.partname.membername, part.blob)
                if part._rels:
                    z.writestr(part.partname.rels_uri.membername, _rels_xml(part._rels))
        return out.getvalue()


_RELS_HEAD = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
)


def _content_types_xml(parts) -> bytes:
    """``[Content_Types].xml``: a default per extension python-pptx knows, else an override
    per part (as python-pptx writes it)."""
    defaults = {"rels": CT.OPC_RELATIONSHIPS, "xml": CT.XML}
    overrides = {}
    for part in parts:
        ext = part.partname.ext
        if (ext.lower(), part.content_type) in default_content_types:
            defaults[ext.lower()] = part.content_type
        else:
            overrides[str(part.partname)] = part.content_type
    out = [
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n<Types xmlns=\""
        'http://schemas.openxmlformats.org/package/2006/content-types">'
    ]
    out += [f'<Default Extension="{e}" ContentType="{t}"/>' for e, t in sorted(defaults.items())]
    out += [f'<Override PartName="{n}" ContentType="{t}"/>' for n, t in sorted(overrides.items())]
    out.append("</Types>")
    return "".join(out).encode("utf-8")


@functools.lru_cache(maxsize=4096)
def _relative(partname: str, base: str) -> str:
    """``partname`` relative to the folder ``base`` ("/ppt/slides" → "../slideLayouts/…")."""
    return partname[1:] if base == "/" else posixpath.relpath(partname, base)


def _rels_xml(rels) -> bytes:
    """A .rels item: its relationships in the order of their ids, as python-pptx writes it."""

    def order(rid: str) -> tuple[int, str]:
        return (int(rid[3:]) if rid.startswith("rId") and rid[3:].isdigit() else 0, rid)

    out = [_RELS_HEAD]
    for rid in sorted(rels.keys(), key=order):
        rel = rels[rid]
        mode = ' TargetMode="External"' if rel.is_external else ""
        target = quoteattr(
            rel.target_ref if rel.is_external else _relative(rel.target_partname, rel._base_uri)
        )
        out.append(f'<Relationship Id="{rid}" Type="{rel.reltype}" Target={target}{mode}/>')
    out.append("</Relationships>")
    return "".join(out).encode("utf-8")


@functools.cache
def _default_template() -> bytes:
    """python-pptx's default template made 16:9 and given Palabre's theme: Arial, ink-coloured
    text, accessible link blue, left-aligned bold titles, and the layouts we use placed on
    the boxes of :mod:`.pptx_theme` (the slides inherit them)."""
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
            latin.find(_A + "latin").set("typeface", FONT)
    for slot, value in (("dk1", INK), ("hlink", "1A5FB4"), ("folHlink", "6C3483")):
        for el in root.iter(_A + slot):
            for child in list(el):
                el.remove(child)
            etree.SubElement(el, _A + "srgbClr").set("val", value)
    theme._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    title_style = master.element.find(f".//{{{P_NS}}}titleStyle/{_A}lvl1pPr")
    title_style.set("algn", "l")
    title_style.find(_A + "defRPr").set("b", "1")
    layouts = {lay.name: lay for lay in master.slide_layouts}
    boxes = {
        "Title Slide": {0: (TITLE_SLIDE_BOX, "b"), 1: (SUBTITLE_BOX, "t")},
        "Title and Content": {0: (TITLE_BOX, "b"), 1: (BODY_BOX, "t")},
        "Section Header": {0: (SECTION_TITLE_BOX, "t"), 1: (BODY_BOX, "t")},
        "Title Only": {0: (TITLE_BOX, "b")},
    }
    for name, places in boxes.items():
        for ph in layouts[name].placeholders:
            idx = ph.placeholder_format.idx
            if idx in places:
                (x, y, cx, cy), anchor = places[idx]
                ph.left, ph.top, ph.width, ph.height = Emu(x), Emu(y), Emu(cx), Emu(cy)
                body_pr = ph._element.find(f".//{_A}bodyPr")
                if body_pr is not None:
                    body_pr.set("anchor", anchor)
                for el in ph._element.iter(_A + "lvl1pPr"):
                    el.set("algn", "l")
                    for rpr in el.iter(_A + "defRPr"):
                        rpr.attrib.pop("cap", None)
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
    Keep the set of used names instead, and where each template's search stopped; every
    name handed out is then created."""
    used = {str(p.partname) for p in package.iter_parts()}
    start: dict[str, int] = {}

    def next_partname(tmpl: str) -> PackURI:
        n = start.get(tmpl, 1)
        while (name := tmpl % n) in used:
            n += 1
        used.add(name)
        start[tmpl] = n + 1
        return PackURI(name)

    package.next_partname = next_partname
