"""PowerPoint (.pptx) writing on top of python-pptx: 16:9, measured text, notes, accent.

Every text frame this module fills is measured with :mod:`app.exports.textfit` at a fixed
font size (never shrunk) and split across slides when it does not fit. ``frame_report``
re-measures a finished deck; the tests use it to prove nothing overflows.
"""

from __future__ import annotations

import copy
import functools
import io
import re
from dataclasses import dataclass, field

import pptx
from lxml import etree
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.util import Emu

from app.core.markdown import clean_text, is_safe_link

from .labels import hex_colour, lang_tag, readable_on, set_core_properties
from .mdtree import Run
from .textfit import EMU_PER_PT, Metrics, Segment, metrics_for, paragraph_lines
from .validate import check_image, check_pptx_template

A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
_A = f"{{{A_NS}}}"
P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"
_P = f"{{{P_NS}}}"
_NSDECL = (
    f'xmlns:a="{A_NS}" xmlns:p="{P_NS}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
SLIDE_W, SLIDE_H = 12192000, 6858000  # 13.333 in × 7.5 in

_NOTES_XML = (
    '<p:notes xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"><p:cSld><p:spTree>'
    '<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>'
    '<p:sp><p:nvSpPr><p:cNvPr id="2" name="Slide Image Placeholder 1"/><p:cNvSpPr>'
    '<a:spLocks noGrp="1" noRot="1" noChangeAspect="1"/></p:cNvSpPr><p:nvPr>'
    '<p:ph type="sldImg"/></p:nvPr></p:nvSpPr><p:spPr/></p:sp>'
    '<p:sp><p:nvSpPr><p:cNvPr id="3" name="Notes Placeholder 2"/><p:cNvSpPr>'
    '<a:spLocks noGrp="1"/></p:cNvSpPr><p:nvPr><p:ph type="body" idx="1"/></p:nvPr>'
    "</p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/><a:lstStyle/>{paras}</p:txBody></p:sp>"
    "</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:notes>"
)

_BODY_PR = (
    f'<a:bodyPr wrap="square" lIns="{91440}" rIns="{91440}" tIns="{45720}" bIns="{45720}">'
    "<a:noAutofit/></a:bodyPr>"
)

_BODY_PR_CENTRED = _BODY_PR.replace("<a:bodyPr ", '<a:bodyPr anchor="ctr" ')

#: font sizes (pt) — fixed, never shrunk: text that does not fit moves to the next slide
TITLE_PT = 32
SECTION_TITLE_PT = 40
BODY_PT = (24, 20, 18)
SPACE_BEFORE_PT = (8, 4, 2)
MARGIN_L = (0, 457200, 857250)  # marL per level (EMU), text starts here
HANG = 342900  # bullet hanging indent
INSET_LR, INSET_TB = 91440, 45720
TABLE_PT = 14
MAX_ITEMS = 7


@dataclass
class Item:
    """One paragraph of a slide body."""

    runs: list[Run]
    level: int = 0
    bullet: bool = True
    number: int | None = None  #: for an ordered list item: its number
    italic: bool = False

    def segments(self) -> list[Segment]:
        return [Segment(_run_text(r), r.bold) for r in self.runs]


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


def _run_text(r: Run) -> str:
    if r.footnote is not None:
        return f"[{r.footnote}]"
    return r.text


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
    pkg = prs.part.package
    for rid, rel in list(prs.part.package._rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            pkg._rels.pop(rid)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


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


class DeckWriter:
    def __init__(self, *, language: str, accent: str, labels: dict, template: bytes | None):
        self.lang = lang_tag(language)
        self.labels = labels
        self.accent = hex_colour(accent)
        if template:
            check_pptx_template(template)
            self.prs = pptx.Presentation(io.BytesIO(template))
            self._clear_template()
        else:
            self.prs = pptx.Presentation(io.BytesIO(_default_template()))
        self.width = int(self.prs.slide_width)
        self.height = int(self.prs.slide_height)
        _fast_partnames(self.prs.part.package)
        self._set_theme_accent()
        self.title_font, self.body_font = self._theme_fonts()
        self.m_title = metrics_for(self.title_font)
        self.m_body = metrics_for(self.body_font)

        self.l_title = _layout(
            self.prs,
            want={PP_PLACEHOLDER.CENTER_TITLE},
            name_hint=("Title Slide", "Diapositive de titre"),
            fallback=0,
        )
        self.l_content = _layout(
            self.prs,
            want={PP_PLACEHOLDER.TITLE} | {PP_PLACEHOLDER.OBJECT},
            name_hint=("Title and Content", "Titre et contenu"),
            fallback=1,
        )
        self.l_section = _layout(
            self.prs, want=set(), name_hint=("Section Header", "En-tête de section"), fallback=2
        )
        self.l_title_only = _layout(
            self.prs,
            want={PP_PLACEHOLDER.TITLE},
            name_hint=("Title Only", "Titre seul"),
            fallback=5,
        )
        self.slide_count = 0
        self._rooms: dict = {}
        self._next_id = 2

    # ------------------------------------------------------------ template
    def _clear_template(self) -> None:
        prs = self.prs
        sld_id_lst = prs.slides._sldIdLst
        for sld_id in list(sld_id_lst):
            prs.part.drop_rel(sld_id.get(_R_ID))
            sld_id_lst.remove(sld_id)
        for part in list(prs.part.package.iter_parts()):
            rels = getattr(part, "rels", None)
            if rels is None:
                continue
            bad = set()
            for rid, rel in list(rels.items()):
                if rel.is_external and not is_safe_link(rel.target_ref):
                    bad.add(rid)
                    rels.pop(rid)
            element = getattr(part, "_element", None)
            if element is None:
                continue
            for el in list(element.iter(_A + "hlinkClick", _A + "hlinkHover")):
                if (el.get("action") or "").startswith("ppaction://") or el.get(_R_ID) in bad:
                    el.getparent().remove(el)
        pkg = prs.part.package
        for rid, rel in list(pkg._rels.items()):
            if rel.reltype.endswith("/thumbnail") or rel.is_external:
                pkg._rels.pop(rid)

    def _theme_part(self):
        return self.prs.slide_master.part.part_related_by(RT.THEME)

    def _set_theme_accent(self) -> None:
        theme = self._theme_part()
        root = etree.fromstring(theme.blob)
        for accent in root.iter(_A + "accent1"):
            for child in list(accent):
                accent.remove(child)
            etree.SubElement(accent, _A + "srgbClr").set("val", self.accent)
        theme._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    def _theme_fonts(self) -> tuple[str, str]:
        root = etree.fromstring(self._theme_part().blob)
        names = []
        for tag in ("majorFont", "minorFont"):
            el = next(root.iter(_A + tag), None)
            latin = el.find(_A + "latin") if el is not None else None
            names.append(latin.get("typeface") if latin is not None else "")
        return names[0], names[1]

    # ------------------------------------------------------------ primitives
    def _new_slide(self, layout):
        """An empty slide on ``layout`` (python-pptx's add_slide clones every layout
        placeholder through XPath: the slides here are written directly instead)."""
        from pptx.opc.constants import CONTENT_TYPE as CT
        from pptx.parts.slide import SlidePart

        package = self.prs.part.package
        element = _parse(
            f'<p:sld {_NSDECL}><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/>'
            "<p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/></p:spTree></p:cSld>"
            "<p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sld>"
        )
        part = SlidePart(
            package.next_partname("/ppt/slides/slide%d.xml"), CT.PML_SLIDE, package, element
        )
        part.relate_to(layout.part, RT.SLIDE_LAYOUT)
        rid = self.prs.part.relate_to(part, RT.SLIDE)
        self.prs.slides._sldIdLst.add_sldId(rid)
        self.slide_count += 1
        self._next_id = 2
        return part.slide

    def _sid(self) -> int:
        self._next_id += 1
        return self._next_id

    def _add(self, slide, xml: str) -> None:
        slide.shapes._spTree.append(_parse(xml))

    def _ph_info(self, layout, idx: int):
        """(ph attributes, inner width, inner height) of a layout placeholder, or None."""
        key = (id(layout), idx)
        if key not in self._rooms:
            info = None
            for ph in layout.placeholders:
                if ph.placeholder_format.idx == idx:
                    el = ph._element.ph
                    attrs = " ".join(
                        f'{k}="{el.get(k)}"' for k in ("type", "orient", "sz", "idx") if el.get(k)
                    )
                    info = (
                        attrs,
                        int(ph.width) - 2 * INSET_LR,
                        int(ph.height) - 2 * INSET_TB,
                        int(ph.left),
                        int(ph.top),
                        int(ph.width),
                        int(ph.height),
                    )
                    break
            self._rooms[key] = info
        return self._rooms[key]

    def _ph_room(self, layout, idx: int) -> tuple[int, int] | None:
        info = self._ph_info(layout, idx)
        return (info[1], info[2]) if info else None

    def _text_shape(self, slide, layout, idx: int, paragraphs: list[str], name: str) -> bool:
        """A placeholder ``idx`` of ``layout`` filled with ``paragraphs``; False if the
        layout has no such placeholder."""
        info = self._ph_info(layout, idx)
        if info is None:
            return False
        body = "".join(paragraphs) or "<a:p/>"
        sid = self._sid()
        self._add(
            slide,
            f'<p:sp {_NSDECL}><p:nvSpPr><p:cNvPr id="{sid}" name="{name} {sid - 1}"/>'
            f'<p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr><p:nvPr><p:ph {info[0]}/></p:nvPr>'
            f"</p:nvSpPr><p:spPr/><p:txBody>{_BODY_PR}<a:lstStyle/>{body}</p:txBody></p:sp>",
        )
        return True

    def _textbox(self, slide, box: tuple[int, int, int, int], paragraphs: list[str]) -> None:
        x, y, cx, cy = box
        sid = self._sid()
        self._add(
            slide,
            f'<p:sp {_NSDECL}><p:nvSpPr><p:cNvPr id="{sid}" name="Texte {sid - 1}"/>'
            '<p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr><p:spPr><a:xfrm>'
            f'<a:off x="{x}" y="{y}"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr>'
            f"<p:txBody>{_BODY_PR}<a:lstStyle/>{''.join(paragraphs) or '<a:p/>'}</p:txBody></p:sp>",
        )

    def _fallback_box(self) -> tuple[int, int, int, int]:
        return (
            int(self.width * 0.06),
            int(self.height * 0.22),
            int(self.width * 0.88),
            int(self.height * 0.7),
        )

    def _accent_bar(self, slide, *, bottom: bool = False) -> None:
        if bottom:
            x, y, cx, cy = 0, self.height - 228600, self.width, 228600
        else:
            x, y, cx, cy = 0, 0, 118872, self.height
        sid = self._sid()
        self._add(
            slide,
            f'<p:sp {_NSDECL}><p:nvSpPr><p:cNvPr id="{sid}" name="Accent"/><p:cNvSpPr/>'
            f'<p:nvPr/></p:nvSpPr><p:spPr><a:xfrm><a:off x="{x}" y="{y}"/>'
            f'<a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/>'
            f'</a:prstGeom><a:solidFill><a:srgbClr val="{self.accent}"/></a:solidFill>'
            "<a:ln><a:noFill/></a:ln></p:spPr></p:sp>",
        )

    def _runs_xml(self, part, runs: list[Run], size: float, *, bold=False, italic=False) -> str:
        out = []
        sz = int(size * 100)
        for r in runs:
            if r.image is not None or (not r.text and r.footnote is None):
                continue
            if r.br:
                out.append(f'<a:br><a:rPr lang="{self.lang}" sz="{sz}"/></a:br>')
                continue
            attrs = f'lang="{self.lang}" sz="{sz}"'
            if r.bold or bold:
                attrs += ' b="1"'
            if r.italic or italic:
                attrs += ' i="1"'
            if r.strike:
                attrs += ' strike="sngStrike"'
            if r.footnote is not None:
                attrs += ' baseline="30000"'
            inner = '<a:latin typeface="Courier New"/>' if r.code else ""
            if r.link and is_safe_link(r.link):
                rid = part.relate_to(r.link, RT.HYPERLINK, is_external=True)
                inner += f'<a:hlinkClick r:id="{rid}"/>'
            text = _xml_escape(clean_text(_run_text(r)).replace("\n", " "))
            out.append(f"<a:r><a:rPr {attrs}>{inner}</a:rPr><a:t>{text}</a:t></a:r>")
        return "".join(out)

    def _set_paragraphs(self, cell, paragraphs: list[str]) -> None:
        """Replace the text of a table cell by the given ``<a:p>`` XML strings."""
        tx = cell.text_frame._txBody
        for p in tx.findall(_A + "p"):
            tx.remove(p)
        body = "".join(paragraphs) or "<a:p/>"
        for p in _parse(f"<a:txBody {_NSDECL}>{body}</a:txBody>"):
            tx.append(p)

    def _notes(self, slide, text: str) -> None:
        """Speaker notes, written directly (python-pptx clones the notes master's
        placeholders for every notes slide: ~1.2 ms each, the bulk of a big deck)."""
        text = clean_text(text).strip()
        if not text:
            return
        from xml.sax.saxutils import escape

        from pptx.opc.constants import CONTENT_TYPE as CT
        from pptx.oxml import parse_xml
        from pptx.parts.slide import NotesSlidePart

        package = self.prs.part.package
        master = self.prs.part.notes_master_part
        paras = "".join(
            f'<a:p><a:r><a:rPr lang="{self.lang}" dirty="0"/><a:t>{escape(line)}</a:t></a:r></a:p>'
            if line
            else f'<a:p><a:endParaRPr lang="{self.lang}"/></a:p>'
            for line in text.split("\n")
        )
        element = parse_xml(_NOTES_XML.replace("{paras}", paras))
        part = NotesSlidePart(
            package.next_partname("/ppt/notesSlides/notesSlide%d.xml"),
            CT.PML_NOTES_SLIDE,
            package,
            element,
        )
        part.relate_to(master, RT.NOTES_MASTER)
        part.relate_to(slide.part, RT.SLIDE)
        slide.part.relate_to(part, RT.NOTES_SLIDE)

    # ------------------------------------------------------------ titles
    def fit_title(self, text: str, room: tuple[int, int], size: float) -> tuple[str, float]:
        """The largest of (size, size-4) at which ``text`` fits, else truncated text."""
        width, height = room
        text = clean_text(text).strip()
        for s in (size, size - 4):
            lines = paragraph_lines([Segment(text, True)], s, width, self.m_title)
            if lines * self.m_title.line_height_pt(s) * EMU_PER_PT <= height:
                return text, s
        s = size - 4
        words = text.split()
        while len(words) > 1:
            words.pop()
            candidate = " ".join(words).rstrip(",;:—–-") + " …"
            lines = paragraph_lines([Segment(candidate, True)], s, width, self.m_title)
            if lines * self.m_title.line_height_pt(s) * EMU_PER_PT <= height:
                return candidate, s
        return text[:20] + "…", s

    def _set_title(self, slide, text: str, size: float, layout) -> None:
        info = self._ph_info(layout, 0)
        room = (info[1], info[2]) if info else (int(self.width * 0.88), int(self.height * 0.15))
        text, s = self.fit_title(text, room, size)
        para = f"<a:p>{self._runs_xml(slide.part, [Run(text)], s)}</a:p>"
        if not self._text_shape(slide, layout, 0, [para], "Titre"):
            x = int(self.width * 0.06)
            self._textbox(
                slide,
                (x, int(self.height * 0.05), room[0] + 2 * INSET_LR, room[1] + 2 * INSET_TB),
                [para],
            )

    # ------------------------------------------------------------ body measure
    def item_height_pt(self, item: Item, width_emu: int, size: float | None = None) -> float:
        lvl = min(item.level, 2)
        size = size or BODY_PT[lvl]
        text_width = width_emu - MARGIN_L[lvl] - (HANG if item.bullet else 0)
        lines = paragraph_lines(item.segments(), size, text_width, self.m_body)
        return lines * self.m_body.line_height_pt(size) + SPACE_BEFORE_PT[lvl]

    def pack(self, items: list[Item], room: tuple[int, int]) -> list[list[Item]]:
        """Split items into slides' worth: measured heights, at most MAX_ITEMS each."""
        width, height = room
        pages: list[list[Item]] = [[]]
        used = 0.0
        for item in items:
            h = self.item_height_pt(item, width) * EMU_PER_PT
            while h > height and len(item.runs) and _shorten(item):
                h = self.item_height_pt(item, width) * EMU_PER_PT
            if pages[-1] and (used + h > height or len(pages[-1]) >= MAX_ITEMS):
                pages.append([])
                used = 0.0
            pages[-1].append(item)
            used += h
        return [p for p in pages if p]

    def _body_paragraphs(self, part, items: list[Item], size: float | None = None) -> list[str]:
        paras = []
        for item in items:
            lvl = min(item.level, 2)
            mar = MARGIN_L[lvl] + (HANG if item.bullet else 0)
            ind = -HANG if item.bullet else 0
            if not item.bullet:
                bullet = "<a:buNone/>"
            elif item.number is not None:
                bullet = f'<a:buAutoNum type="arabicPeriod" startAt="{item.number}"/>'
            else:
                bullet = ""
            ppr = (
                f'<a:pPr lvl="{lvl}" marL="{mar}" indent="{ind}" algn="l"><a:lnSpc>'
                f'<a:spcPct val="100000"/></a:lnSpc><a:spcBef><a:spcPts '
                f'val="{SPACE_BEFORE_PT[lvl] * 100}"/></a:spcBef>{bullet}</a:pPr>'
            )
            runs = self._runs_xml(part, item.runs, size or BODY_PT[lvl], italic=item.italic)
            paras.append(f"<a:p>{ppr}{runs}</a:p>")
        return paras

    def _fill_body(self, slide, layout, items: list[Item]) -> None:
        paras = self._body_paragraphs(slide.part, items)
        if not self._text_shape(slide, layout, 1, paras, "Contenu"):
            self._textbox(slide, self._fallback_box(), paras)

    def _body_room(self, layout) -> tuple[int, int]:
        room = self._ph_room(layout, 1)
        if room:
            return room
        _, _, cx, cy = self._fallback_box()
        return cx - 2 * INSET_LR, cy - 2 * INSET_TB

    # ------------------------------------------------------------ slides
    def title_slide(self, title: str, lines: list[str], notes: str, logo: bytes | None) -> None:
        layout = self.l_title
        slide = self._new_slide(layout)
        self._set_title(slide, title, 40, layout)
        width, height = self._body_room(layout)
        kept = [clean_text(x) for x in lines if x and x.strip()]
        while kept:
            need = sum(
                paragraph_lines([Segment(x, k == 0)], 20, width, self.m_body)
                * self.m_body.line_height_pt(20)
                for k, x in enumerate(kept)
            )
            if need * EMU_PER_PT <= height:
                break
            kept.pop()
        ppr = (
            '<a:pPr marL="0" indent="0"><a:lnSpc><a:spcPct val="100000"/></a:lnSpc><a:spcBef>'
            '<a:spcPts val="0"/></a:spcBef><a:buNone/></a:pPr>'
        )
        paras = [
            f"<a:p>{ppr}{self._runs_xml(slide.part, [Run(x, bold=k == 0)], 20)}</a:p>"
            for k, x in enumerate(kept)
        ]
        if paras and not self._text_shape(slide, layout, 1, paras, "Sous-titre"):
            self._textbox(slide, self._fallback_box(), paras)
        if logo:
            try:
                info = check_image(logo)
                h = 685800
                w = int(h * info.width / info.height)
                slide.shapes.add_picture(
                    io.BytesIO(logo), Emu(self.width - w - 457200), Emu(320040), Emu(w), Emu(h)
                )
                self._next_id += 1
            except Exception:  # noqa: S110 - a bad logo never breaks the deck
                pass
        self._accent_bar(slide, bottom=True)
        self._notes(slide, notes)

    def section_slide(self, label: str, text: str, notes: str) -> None:
        layout = self.l_section
        slide = self._new_slide(layout)
        self._set_title(slide, label, SECTION_TITLE_PT, layout)
        if text:
            width, height = self._body_room(layout)
            item = Item([Run(clean_text(text))], bullet=False)
            while self.item_height_pt(item, width) * EMU_PER_PT > height and _shorten(item):
                pass
            self._fill_body(slide, layout, [item])
        self._accent_bar(slide)
        self._notes(slide, notes)

    def bullet_slides(self, title: str, items: list[Item], notes: str) -> int:
        """As many content slides as ``items`` need; returns how many were made."""
        layout = self.l_content
        pages = self.pack(items, self._body_room(layout)) or [[]]
        for k, page in enumerate(pages):
            slide = self._new_slide(layout)
            suffix = f" {self.labels['continued']}" if k else ""
            self._set_title(slide, clean_text(title) + suffix, TITLE_PT, layout)
            self._fill_body(slide, layout, page)
            self._accent_bar(slide)
            self._notes(slide, notes)
        return len(pages)

    def _below_title(self, layout) -> int:
        info = self._ph_info(layout, 0)
        return (info[4] + info[6] if info else int(self.height * 0.2)) + 91440

    def image_slide(self, title: str, data: bytes, notes: str) -> bool:
        try:
            info = check_image(data)
        except Exception:
            return False
        layout = self.l_title_only
        slide = self._new_slide(layout)
        self._set_title(slide, title, TITLE_PT, layout)
        top = self._below_title(layout)
        max_w, max_h = self.width - 2 * 457200, self.height - top - 365760
        scale = min(max_w / info.width, max_h / info.height)
        w, h = int(info.width * scale), int(info.height * scale)
        pic = slide.shapes.add_picture(
            io.BytesIO(data), Emu((self.width - w) // 2), Emu(top), Emu(w), Emu(h)
        )
        self._next_id += 1
        pic._element.nvPicPr.cNvPr.set("descr", clean_text(title))
        self._accent_bar(slide)
        self._notes(slide, notes)
        return True

    def table_slides(
        self,
        title: str,
        header: list[list[Run]],
        rows: list[list[list[Run]]],
        aligns: list[str],
        notes: str,
    ) -> int:
        layout = self.l_title_only
        ncols = max(1, len(aligns))
        top = self._below_title(layout)
        left = 457200
        width = self.width - 2 * left
        max_h = self.height - top - 365760
        col_w = width // ncols
        cell_text_w = col_w - 2 * INSET_LR
        line_pt = self.m_body.line_height_pt(TABLE_PT)

        def row_h(row, bold: bool = False) -> int:
            lines = max(
                (
                    paragraph_lines(
                        [Segment(_run_text(r), bold or r.bold) for r in cell],
                        TABLE_PT,
                        cell_text_w,
                        self.m_body,
                    )
                    for cell in row
                ),
                default=1,
            )
            return int(lines * line_pt * EMU_PER_PT) + 2 * INSET_TB

        header_h = row_h(header, True) if header else 0
        pages: list[list] = [[]]
        used = header_h
        for row in rows:
            h = row_h(row)
            if pages[-1] and used + h > max_h:
                pages.append([])
                used = header_h
            pages[-1].append((row, h))
            used += h
        for k, page in enumerate(pages):
            slide = self._new_slide(layout)
            suffix = f" {self.labels['continued']}" if k else ""
            self._set_title(slide, clean_text(title) + suffix, TITLE_PT, layout)
            all_rows = ([(header, header_h)] if header else []) + page
            total = sum(h for _, h in all_rows) or 1
            gf = slide.shapes.add_table(
                len(all_rows) or 1, ncols, Emu(left), Emu(top), Emu(width), Emu(total)
            )
            self._next_id += 1
            gf.name = "Tableau"
            table = gf.table
            table.first_row = bool(header)
            for c in range(ncols):
                table.columns[c].width = Emu(col_w)
            for r_idx, (row, h) in enumerate(all_rows):
                table.rows[r_idx].height = Emu(h)
                for c in range(ncols):
                    cell = table.cell(r_idx, c)
                    cell.margin_left = cell.margin_right = Emu(INSET_LR)
                    cell.margin_top = cell.margin_bottom = Emu(INSET_TB)
                    align = aligns[c] if c < len(aligns) else ""
                    algn = {"center": "ctr", "right": "r"}.get(align, "l")
                    cell_runs = row[c] if c < len(row) else []
                    bold = bool(header) and r_idx == 0
                    runs = self._runs_xml(slide.part, cell_runs, TABLE_PT, bold=bold)
                    self._set_paragraphs(cell, [f'<a:p><a:pPr algn="{algn}"/>{runs}</a:p>'])
            self._accent_bar(slide)
            self._notes(slide, notes)
        return len(pages)

    def columns_slides(self, title: str, columns: list[tuple[str, str, Item]], notes: str) -> int:
        """Groups side by side: up to 3 columns per slide, each a coloured header with the
        group's name and its position below, measured at 18 pt and cut with "…" to fit."""
        layout = self.l_title_only
        top = self._below_title(layout)
        left, gap, header_h, size = 457200, 228600, 548640, 18
        chunks = [columns[k : k + 3] for k in range(0, len(columns), 3)] or [[]]
        for k, chunk in enumerate(chunks):
            slide = self._new_slide(layout)
            suffix = f" {self.labels['continued']}" if k else ""
            self._set_title(slide, clean_text(title) + suffix, TITLE_PT, layout)
            n = max(1, len(chunk))
            col_w = (self.width - 2 * left - (n - 1) * gap) // n
            body_h = self.height - top - header_h - 365760
            for c, (name, colour, item) in enumerate(chunk):
                x = left + c * (col_w + gap)
                colour = hex_colour(colour)
                head, _ = self.fit_title(name, (col_w - 2 * INSET_LR, header_h - 2 * INSET_TB), 20)
                sid = self._sid()
                run = self._runs_xml(slide.part, [Run(head, bold=True)], 20).replace(
                    "</a:rPr>",
                    f'<a:solidFill><a:srgbClr val="{readable_on(colour)}"/></a:solidFill></a:rPr>',
                    1,
                )
                self._add(
                    slide,
                    f'<p:sp {_NSDECL}><p:nvSpPr><p:cNvPr id="{sid}" name="Groupe {c + 1}"/>'
                    '<p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr><p:spPr><a:xfrm>'
                    f'<a:off x="{x}" y="{top}"/><a:ext cx="{col_w}" cy="{header_h}"/></a:xfrm>'
                    '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:solidFill>'
                    f'<a:srgbClr val="{colour}"/></a:solidFill></p:spPr><p:txBody>'
                    f"{_BODY_PR_CENTRED}"
                    f'<a:lstStyle/><a:p><a:pPr algn="ctr"/>{run}</a:p></p:txBody></p:sp>',
                )
                width = col_w - 2 * INSET_LR
                item = Item(list(item.runs), bullet=False)
                while self.item_height_pt(
                    item, width, size
                ) * EMU_PER_PT > body_h - 2 * INSET_TB and _shorten(item):
                    pass
                self._textbox(
                    slide,
                    (x, top + header_h, col_w, body_h),
                    self._body_paragraphs(slide.part, [item], size),
                )
            self._accent_bar(slide)
            self._notes(slide, notes)
        return len(chunks)

    def closing_slide(self, title: str, subtitle: str, notes: str = "") -> None:
        self.title_slide(title, [subtitle], notes or f"{title}\n{subtitle}", None)

    # ------------------------------------------------------------ finish
    def properties(self, *, title: str, author: str, subject: str, keywords: str, created=None):
        set_core_properties(
            self.prs.core_properties,
            self.prs.part.package,
            lang=self.lang,
            title=title,
            author=author,
            subject=subject,
            keywords=keywords,
            created=created,
        )

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.prs.save(out)
        return out.getvalue()


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _parse(xml: str):
    from pptx.oxml import parse_xml

    return parse_xml(xml)


def _fast_partnames(package) -> None:
    """python-pptx finds the next free part name by walking every relationship of the
    package for each new slide and notes slide (quadratic: ~0.25 s for 120 slides).
    Keep the set of used names instead; every name handed out is then created."""
    from pptx.opc.packuri import PackURI

    used = {str(p.partname) for p in package.iter_parts()}

    def next_partname(tmpl: str) -> PackURI:
        n = 1
        while (name := tmpl % n) in used:
            n += 1
        used.add(name)
        return PackURI(name)

    package.next_partname = next_partname


def _shorten(item: Item) -> bool:
    """Drop the last word of an item (ending it with "…"); False when nothing is left."""
    text = "".join(_run_text(r) for r in item.runs).rstrip(" …")
    words = text.split()
    if len(words) <= 3:
        return False
    keep = len(" ".join(words[:-1]))
    item.runs = [*truncate_runs(item.runs, keep), Run(" …")]
    return True


def truncate_runs(runs: list[Run], n_chars: int) -> list[Run]:
    """The first ``n_chars`` characters of ``runs`` (formatting kept)."""
    out: list[Run] = []
    left = n_chars
    for r in runs:
        t = _run_text(r)
        if left <= 0:
            break
        if len(t) <= left:
            out.append(r)
            left -= len(t)
        else:
            out.append(Run(t[:left].rstrip(), r.bold, r.italic, r.code, r.strike, r.link))
            left = 0
    return out


# ---------------------------------------------------------------------- read-back
def frame_report(data: bytes) -> list[Frame]:
    """Re-measure every text frame of a deck (this module's metric): need vs room."""
    prs = pptx.Presentation(io.BytesIO(data))
    theme = prs.slide_master.part.part_related_by(RT.THEME)
    root = etree.fromstring(theme.blob)
    minor = next(root.iter(_A + "minorFont")).find(_A + "latin").get("typeface")
    major = next(root.iter(_A + "majorFont")).find(_A + "latin").get("typeface")
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
        sizes = [r.font.size.pt for r in p.runs if r.font.size is not None]
        size = max(sizes) if sizes else 18.0
        segs = [Segment(r.text, bool(r.font.bold)) for r in p.runs]
        avail = width - mar_l - max(indent, 0)
        lines = paragraph_lines(segs, size, avail, m) if p.runs else 1
        before = 0.0
        if ppr is not None:
            spc = ppr.find(_A + "spcBef")
            if spc is not None and spc.find(_A + "spcPts") is not None:
                before = int(spc.find(_A + "spcPts").get("val")) / 100
        need += lines * m.line_height_pt(size) + before
        texts.append(p.text)
    return Frame(n, shape.name, int(need * EMU_PER_PT), int(shape.height) - t_ins - b_ins, texts)


def copy_xml(el):
    return copy.deepcopy(el)


_SENTENCE = re.compile(r"(?<=[.!?…])[\s\u00a0]+(?=[«\"“(A-ZÀ-ÖØ-Þ0-9])")
