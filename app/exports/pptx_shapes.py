"""The shapes of a slide, written as DrawingML: placeholders, text boxes, rules, runs, and
the chrome of the designed theme (kicker, footer, slide number).

A placeholder is filled with the layout's own position and look (only its ``p:ph`` is
copied, unless a box is given); a layout without one gets a text box where the placeholder
would be. Every text frame has fixed insets and no autofit: :mod:`app.exports.pptx_fit`
measured what goes in. Shape ids are numbered per slide, python-pptx's own shapes (pictures,
tables) included.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import quoteattr

from pptx.opc.constants import RELATIONSHIP_TYPE as RT

from app.core.markdown import clean_text

from .mdtree import Run
from .ooxml import A_NS
from .pptx_fit import (
    INSET_LR,
    INSET_TB,
    Fitter,
    Item,
)
from .pptx_package import NSDECL, DeckPackage
from .pptx_text import TextWriter
from .pptx_theme import FOOTER_PT, FOOTER_Y, MARGIN, Palette

__all__ = ["ShapeWriter"]

_A = f"{{{A_NS}}}"
_BODY_PR = (
    f'<a:bodyPr wrap="square" lIns="{INSET_LR}" rIns="{INSET_LR}" tIns="{INSET_TB}" '
    f'bIns="{INSET_TB}"><a:noAutofit/></a:bodyPr>'
)
BODY_PR_CENTRED = _BODY_PR.replace("<a:bodyPr ", '<a:bodyPr anchor="ctr" ')
BODY_PR_BOTTOM = _BODY_PR.replace("<a:bodyPr ", '<a:bodyPr anchor="b" ')
BODY_PR_TOP = _BODY_PR.replace("<a:bodyPr ", '<a:bodyPr anchor="t" ')
#: one GUID for every slide-number field (PowerPoint copies it so between slides)
_SLIDENUM_ID = "{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}"
_NUMBER_W = 548640  # the slide number's chip
_NOTE_W = 4206240  # the "condensed" marker, left of the number
_NSDECL = f" {NSDECL}"
_TABLE_STYLE = "{5C22544A-7EE6-4342-B048-85BDC9FD1C3A}"  # Medium Style 2 – Accent 1


class ShapeWriter(TextWriter):
    """Adds shapes to the slides of a DeckPackage, in the deck's language and accent."""

    def __init__(self, package: DeckPackage, fit: Fitter, colours: Palette) -> None:
        self.package = package
        self.fit = fit
        self.colours = colours
        self.lang = package.lang
        #: bullets and lead-ins in the group's colour (our theme only: a template keeps its own)
        self.bullet_colour = colours.accent_ink if package.designed else ""
        self._rooms: dict = {}
        self._next_id = 2
        self._slide = None
        self._pending: list[str] = []

    # ------------------------------------------------------------ slides, ids
    def new_slide(self, layout, background: str = ""):
        """An empty slide on ``layout``; its shape ids start again."""
        self.flush()
        slide = self.package.new_slide(layout, background)
        self._slide = slide
        self._next_id = 2
        return slide

    def sid(self) -> int:
        """The id of the next shape of the current slide."""
        self._next_id += 1
        return self._next_id

    def add(self, slide, xml: str) -> None:
        """Queue a shape's XML for the current slide (written at once by ``flush``)."""
        if slide is not self._slide:
            self.flush()
            self._slide = slide
        self._pending.append(xml.replace(_NSDECL, "", 1))  # declared once, on p:sld

    def flush(self) -> None:
        """The current slide's XML, made of its queued shapes in order."""
        if self._slide is not None:
            self.package.finish_slide(self._slide, "".join(self._pending))
        self._slide = None
        self._pending = []

    def picture(self, slide, data: bytes, box: tuple[int, int, int, int], descr: str) -> None:
        """A picture (``descr``: its text alternative), its image part shared if the same
        image is already in the deck."""
        x, y, cx, cy = box
        image = self.package.prs.part.package.get_or_add_image_part(io.BytesIO(data))
        rid = slide.part.relate_to(image, RT.IMAGE)
        sid = self.sid()
        self.add(
            slide,
            f'<p:pic {NSDECL}><p:nvPicPr><p:cNvPr id="{sid}" name="Image {sid - 1}" '
            f'descr={quoteattr(clean_text(descr))}/><p:cNvPicPr><a:picLocks noChangeAspect="1"/>'
            f'</p:cNvPicPr><p:nvPr/></p:nvPicPr><p:blipFill><a:blip r:embed="{rid}"/>'
            "<a:stretch><a:fillRect/></a:stretch></p:blipFill><p:spPr><a:xfrm>"
            f'<a:off x="{x}" y="{y}"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom '
            'prst="rect"><a:avLst/></a:prstGeom></p:spPr></p:pic>',
        )

    def table(
        self,
        slide,
        box: tuple[int, int, int, int],
        widths: list[int],
        rows: list,
        *,
        first_row: bool,
    ) -> None:
        """A table at ``box``: columns of ``widths``; each row (height, cells), a cell
        (``a:p`` XML, fill hex or ""); cell insets as the text was measured with."""
        x, y, cx, cy = box
        sid = self.sid()
        grid = "".join(f'<a:gridCol w="{w}"/>' for w in widths)
        margins = f'marL="{INSET_LR}" marR="{INSET_LR}" marT="{INSET_TB}" marB="{INSET_TB}"'
        trs = []
        for h, cells in rows:
            tcs = "".join(
                f"<a:tc><a:txBody><a:bodyPr/><a:lstStyle/>{paras or '<a:p/>'}</a:txBody>"
                f"<a:tcPr {margins}>"
                + (f'<a:solidFill><a:srgbClr val="{fill}"/></a:solidFill>' if fill else "")
                + "</a:tcPr></a:tc>"
                for paras, fill in cells
            )
            trs.append(f'<a:tr h="{h}">{tcs}</a:tr>')
        first = ' firstRow="1"' if first_row else ""
        self.add(
            slide,
            f'<p:graphicFrame {NSDECL}><p:nvGraphicFramePr><p:cNvPr id="{sid}" name="Tableau"/>'
            '<p:cNvGraphicFramePr><a:graphicFrameLocks noGrp="1"/></p:cNvGraphicFramePr><p:nvPr/>'
            f'</p:nvGraphicFramePr><p:xfrm><a:off x="{x}" y="{y}"/><a:ext cx="{cx}" cy="{cy}"/>'
            '</p:xfrm><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml'
            f'/2006/table"><a:tbl><a:tblPr{first} bandRow="1"><a:tableStyleId>{_TABLE_STYLE}'
            f"</a:tableStyleId></a:tblPr><a:tblGrid>{grid}</a:tblGrid>{''.join(trs)}</a:tbl>"
            "</a:graphicData></a:graphic></p:graphicFrame>",
        )

    # ------------------------------------------------------------ placeholders
    def ph_info(self, layout, idx: int):
        """(ph attributes, inner width, inner height, left, top, width, height) of a
        layout's placeholder ``idx``, or None."""
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

    def ph_attrs_of_type(self, layout, ph_type: str) -> str | None:
        """The ``p:ph`` attributes of the layout's placeholder of ``ph_type`` ("ftr",
        "sldNum"…), or None: a slide's placeholder inherits the layout's by its idx."""
        key = (id(layout), ph_type)
        if key not in self._rooms:
            found = None
            for ph in layout.placeholders:
                el = ph._element.ph
                if el.get("type") == ph_type:
                    found = " ".join(
                        f'{k}="{el.get(k)}"' for k in ("type", "sz", "idx") if el.get(k)
                    )
                    break
            self._rooms[key] = found
        return self._rooms[key]

    def fallback_box(self) -> tuple[int, int, int, int]:
        """Where a body goes on a layout without a body placeholder."""
        width, height = self.package.width, self.package.height
        return (int(width * 0.06), int(height * 0.22), int(width * 0.88), int(height * 0.7))

    def body_room(self, layout) -> tuple[int, int]:
        """The inner (width, height) of the layout's body, placeholder or fallback box."""
        info = self.ph_info(layout, 1)
        if info:
            return info[1], info[2]
        _, _, cx, cy = self.fallback_box()
        return cx - 2 * INSET_LR, cy - 2 * INSET_TB

    def below_title(self, layout) -> int:
        """The top of what goes under the layout's title."""
        info = self.ph_info(layout, 0)
        return (info[4] + info[6] if info else int(self.package.height * 0.2)) + 91440

    def text_shape(
        self,
        slide,
        layout,
        idx: int,
        paragraphs: list[str],
        name: str,
        *,
        body_pr: str = _BODY_PR,
        box: tuple[int, int, int, int] | None = None,
    ) -> bool:
        """A placeholder ``idx`` of ``layout`` filled with ``paragraphs`` (at ``box`` if
        given, else where the layout puts it); False if the layout has no such placeholder."""
        info = self.ph_info(layout, idx)
        if info is None:
            return False
        self.placeholder(slide, info[0], paragraphs, f"{name} {self._next_id}", body_pr, box)
        return True

    def placeholder(
        self,
        slide,
        ph_attrs: str,
        paragraphs,
        name: str,
        body_pr: str,
        box=None,
        geometry: str = "",
    ) -> None:
        """A slide placeholder (``p:ph`` attributes given) holding ``paragraphs``."""
        body = "".join(paragraphs) or "<a:p/>"
        sid = self.sid()
        sp_pr = "<p:spPr/>"
        if box is not None:
            x, y, cx, cy = box
            sp_pr = (
                f'<p:spPr><a:xfrm><a:off x="{x}" y="{y}"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
                f"{geometry}</p:spPr>"
            )
        self.add(
            slide,
            f'<p:sp {NSDECL}><p:nvSpPr><p:cNvPr id="{sid}" name="{name}"/>'
            f'<p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr><p:nvPr><p:ph {ph_attrs}/></p:nvPr>'
            f"</p:nvSpPr>{sp_pr}<p:txBody>{body_pr}<a:lstStyle/>{body}</p:txBody></p:sp>",
        )

    def textbox(
        self,
        slide,
        box: tuple[int, int, int, int],
        paragraphs: list[str],
        *,
        name: str = "",
        fill: str = "",
        body_pr: str = _BODY_PR,
    ) -> None:
        """A text box at ``box``; a ``fill`` (hex) paints its background."""
        x, y, cx, cy = box
        sid = self.sid()
        name = name or f"Texte {sid - 1}"
        fill_xml = f'<a:solidFill><a:srgbClr val="{fill}"/></a:solidFill>' if fill else ""
        self.add(
            slide,
            f'<p:sp {NSDECL}><p:nvSpPr><p:cNvPr id="{sid}" name="{name}"/>'
            '<p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr><p:spPr><a:xfrm>'
            f'<a:off x="{x}" y="{y}"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
            f'<a:prstGeom prst="rect"><a:avLst/></a:prstGeom>{fill_xml}</p:spPr>'
            f"<p:txBody>{body_pr}<a:lstStyle/>{''.join(paragraphs) or '<a:p/>'}</p:txBody></p:sp>",
        )

    def rect(
        self,
        slide,
        box: tuple[int, int, int, int],
        colour: str,
        name: str = "Accent",
        geometry: str = "rect",
    ) -> None:
        """A filled shape without text or outline: panels, rules, bars."""
        x, y, cx, cy = box
        sid = self.sid()
        self.add(
            slide,
            f'<p:sp {NSDECL}><p:nvSpPr><p:cNvPr id="{sid}" name="{name}"/><p:cNvSpPr/>'
            f'<p:nvPr/></p:nvSpPr><p:spPr><a:xfrm><a:off x="{x}" y="{y}"/>'
            f'<a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="{geometry}"><a:avLst/>'
            f'</a:prstGeom><a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>'
            "<a:ln><a:noFill/></a:ln></p:spPr></p:sp>",
        )

    def footer(self, slide, layout, text: str, *, note: str = "", on_accent: bool = False):
        """The footer: ``text`` (group · edition) on the left, the slide number on the right
        in the group's colour, and ``note`` (the "condensed" marker) beside it. On an
        edition's template: its own footer and number placeholders, where it has them, and
        the marker just above the footer's line."""
        c = self.colours
        part = slide.part
        number = len(self.package.prs.slides._sldIdLst)
        width = self.package.width
        colour = c.on_accent if on_accent else c.muted
        num_colour = c.on_accent if on_accent else c.accent_ink
        h = box_h = int(FOOTER_PT * 1.2 * 12700) + 2 * INSET_TB + 45720
        if self.package.designed:
            num_x = width - MARGIN - _NUMBER_W
            note_w = _NOTE_W if note else 0
            room = num_x - MARGIN - note_w - 2 * INSET_LR - 182880
            text = self.fit.fit_line(text, room, FOOTER_PT)
            y = FOOTER_Y
            if text:
                self.placeholder(
                    slide,
                    'type="ftr" sz="quarter" idx="11"',
                    [self.line(part, text, FOOTER_PT, colour)],
                    "Pied de page",
                    BODY_PR_CENTRED,
                    (MARGIN, y, room + 2 * INSET_LR, h),
                )
            if note:
                self.textbox(
                    slide,
                    (num_x - note_w - 91440, y, note_w, h),
                    [self.line(part, note, FOOTER_PT, colour, italic=True, algn="r")],
                    name="Texte condensé",
                    body_pr=BODY_PR_CENTRED,
                )
            self.placeholder(
                slide,
                'type="sldNum" sz="quarter" idx="12"',
                [self._number_para(number, num_colour)],
                "Numéro de diapositive",
                BODY_PR_CENTRED,
                (num_x, y, _NUMBER_W, h),
            )
            return
        ftr = self.ph_attrs_of_type(layout, "ftr")
        num = self.ph_attrs_of_type(layout, "sldNum")
        y = self.package.height - box_h - 91440
        if note:
            para = [self.line(part, note, FOOTER_PT, "", italic=True)]
            box = (MARGIN, y - box_h, width // 2, box_h)
            self.textbox(slide, box, para, name="Texte condensé", body_pr=BODY_PR_CENTRED)
        if text:
            para = [self.line(part, self.fit.fit_line(text, width // 2, FOOTER_PT), FOOTER_PT, "")]
            if ftr:
                self.placeholder(slide, ftr, para, "Pied de page", _BODY_PR)
            else:
                self.textbox(slide, (MARGIN, y, width // 2, box_h), para, name="Pied de page")
        para = [self._number_para(number, "")]
        if num:
            self.placeholder(slide, num, para, "Numéro de diapositive", _BODY_PR)
        else:
            box = (width - MARGIN - _NUMBER_W, y, _NUMBER_W, box_h)
            self.textbox(slide, box, para, name="Numéro de diapositive")

    def _number_para(self, number: int, colour: str) -> str:
        fill = f'<a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>' if colour else ""
        return (
            f'<a:p><a:pPr algn="r"/><a:fld id="{_SLIDENUM_ID}" type="slidenum"><a:rPr '
            f'lang="{self.lang}" sz="{FOOTER_PT * 100}" b="1">{fill}</a:rPr><a:t>{number}</a:t>'
            "</a:fld></a:p>"
        )

    # ------------------------------------------------------------ text
    def fill_body(self, slide, layout, items: list[Item]) -> None:
        """The slide's body placeholder (else a text box) filled with ``items``."""
        paras = self.body_paragraphs(slide.part, items)
        if not self.text_shape(slide, layout, 1, paras, "Contenu"):
            self.textbox(slide, self.fallback_box(), paras)

    def set_title(
        self, slide, text: str, size: float, layout, *, colour: str = "", algn: str = "l"
    ) -> int:
        """The slide's title, fitted to the layout's title placeholder (else a text box);
        returns the height (EMU) its lines take."""
        info = self.ph_info(layout, 0)
        width, height = self.package.width, self.package.height
        room = (info[1], info[2]) if info else (int(width * 0.88), int(height * 0.15))
        text, s = self.fit.fit_title(text, room, size)
        designed = self.package.designed
        # cap="none": a template's all-caps title style would not be the text measured
        runs = self.runs_xml(slide.part, [Run(text)], s, bold=designed, colour=colour, caps=False)
        ppr = f'<a:pPr algn="{algn}"/>' if designed else ""
        para = f"<a:p>{ppr}{runs}</a:p>"
        if not self.text_shape(slide, layout, 0, [para], "Titre"):
            box = (
                int(width * 0.06),
                int(height * 0.05),
                room[0] + 2 * INSET_LR,
                room[1] + 2 * INSET_TB,
            )
            self.textbox(slide, box, [para])
        lines = self.fit.title_lines(text, room[0], s)
        return int(lines * self.fit.m_title.line_height_pt(s) * 12700)
