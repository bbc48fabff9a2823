"""The shapes of a slide, written as DrawingML: placeholders, text boxes, accent bars, runs.

A placeholder is filled with the layout's own position and look (only its ``p:ph`` is
copied); a layout without one gets a text box where the placeholder would be. Every text
frame has fixed insets and no autofit: :mod:`app.exports.pptx_fit` measured what goes in.
Shape ids are numbered per slide, python-pptx's own shapes (pictures, tables) included.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml import parse_xml
from pptx.util import Emu

from app.core.markdown import clean_text, is_safe_link

from .mdtree import Run
from .ooxml import A_NS, CODE_FONT
from .pptx_fit import (
    BODY_PT,
    HANG,
    INSET_LR,
    INSET_TB,
    MARGIN_L,
    SPACE_BEFORE_PT,
    Fitter,
    Item,
    run_text,
)
from .pptx_package import NSDECL, DeckPackage

__all__ = ["ShapeWriter"]

_A = f"{{{A_NS}}}"
_BODY_PR = (
    f'<a:bodyPr wrap="square" lIns="{INSET_LR}" rIns="{INSET_LR}" tIns="{INSET_TB}" '
    f'bIns="{INSET_TB}"><a:noAutofit/></a:bodyPr>'
)
BODY_PR_CENTRED = _BODY_PR.replace("<a:bodyPr ", '<a:bodyPr anchor="ctr" ')


class ShapeWriter:
    """Adds shapes to the slides of a DeckPackage, in the deck's language and accent."""

    def __init__(self, package: DeckPackage, fit: Fitter) -> None:
        self.package = package
        self.fit = fit
        self.lang = package.lang
        self._rooms: dict = {}
        self._next_id = 2

    # ------------------------------------------------------------ slides, ids
    def new_slide(self, layout):
        """An empty slide on ``layout``; its shape ids start again."""
        slide = self.package.new_slide(layout)
        self._next_id = 2
        return slide

    def sid(self) -> int:
        """The id of the next shape of the current slide."""
        self._next_id += 1
        return self._next_id

    def add(self, slide, xml: str) -> None:
        slide.shapes._spTree.append(parse_xml(xml))

    def picture(self, slide, data: bytes, box: tuple[int, int, int, int]):
        x, y, cx, cy = box
        pic = slide.shapes.add_picture(io.BytesIO(data), Emu(x), Emu(y), Emu(cx), Emu(cy))
        self._next_id += 1
        return pic

    def table(self, slide, rows: int, cols: int, box: tuple[int, int, int, int]):
        x, y, cx, cy = box
        frame = slide.shapes.add_table(rows, cols, Emu(x), Emu(y), Emu(cx), Emu(cy))
        self._next_id += 1
        return frame

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

    def text_shape(self, slide, layout, idx: int, paragraphs: list[str], name: str) -> bool:
        """A placeholder ``idx`` of ``layout`` filled with ``paragraphs``; False if the
        layout has no such placeholder."""
        info = self.ph_info(layout, idx)
        if info is None:
            return False
        body = "".join(paragraphs) or "<a:p/>"
        sid = self.sid()
        self.add(
            slide,
            f'<p:sp {NSDECL}><p:nvSpPr><p:cNvPr id="{sid}" name="{name} {sid - 1}"/>'
            f'<p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr><p:nvPr><p:ph {info[0]}/></p:nvPr>'
            f"</p:nvSpPr><p:spPr/><p:txBody>{_BODY_PR}<a:lstStyle/>{body}</p:txBody></p:sp>",
        )
        return True

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

    def accent_bar(self, slide, *, bottom: bool = False) -> None:
        """The group's colour: a thin bar down the left edge, or along the bottom."""
        width, height = self.package.width, self.package.height
        if bottom:
            x, y, cx, cy = 0, height - 228600, width, 228600
        else:
            x, y, cx, cy = 0, 0, 118872, height
        sid = self.sid()
        self.add(
            slide,
            f'<p:sp {NSDECL}><p:nvSpPr><p:cNvPr id="{sid}" name="Accent"/><p:cNvSpPr/>'
            f'<p:nvPr/></p:nvSpPr><p:spPr><a:xfrm><a:off x="{x}" y="{y}"/>'
            f'<a:ext cx="{cx}" cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/>'
            f'</a:prstGeom><a:solidFill><a:srgbClr val="{self.package.accent}"/></a:solidFill>'
            "<a:ln><a:noFill/></a:ln></p:spPr></p:sp>",
        )

    # ------------------------------------------------------------ text
    def runs_xml(
        self, part, runs: list[Run], size: float, *, bold=False, italic=False, colour=""
    ) -> str:
        """``a:r`` elements of ``runs`` at ``size`` pt (in ``colour``, hex, if given);
        links relate to ``part``."""
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
            inner = f'<a:solidFill><a:srgbClr val="{colour}"/></a:solidFill>' if colour else ""
            if r.code:
                inner += f'<a:latin typeface="{CODE_FONT}"/>'
            if r.link and is_safe_link(r.link):
                rid = part.relate_to(r.link, RT.HYPERLINK, is_external=True)
                inner += f'<a:hlinkClick r:id="{rid}"/>'
            text = escape(clean_text(run_text(r)).replace("\n", " "))
            out.append(f"<a:r><a:rPr {attrs}>{inner}</a:rPr><a:t>{text}</a:t></a:r>")
        return "".join(out)

    def body_paragraphs(self, part, items: list[Item], size: float | None = None) -> list[str]:
        """``a:p`` elements of ``items``: level, bullet or number, spacing as measured."""
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
            runs = self.runs_xml(part, item.runs, size or BODY_PT[lvl], italic=item.italic)
            paras.append(f"<a:p>{ppr}{runs}</a:p>")
        return paras

    def fill_body(self, slide, layout, items: list[Item]) -> None:
        """The slide's body placeholder (else a text box) filled with ``items``."""
        paras = self.body_paragraphs(slide.part, items)
        if not self.text_shape(slide, layout, 1, paras, "Contenu"):
            self.textbox(slide, self.fallback_box(), paras)

    def set_title(self, slide, text: str, size: float, layout) -> None:
        """The slide's title, fitted to the layout's title placeholder (else a text box)."""
        info = self.ph_info(layout, 0)
        width, height = self.package.width, self.package.height
        room = (info[1], info[2]) if info else (int(width * 0.88), int(height * 0.15))
        text, s = self.fit.fit_title(text, room, size)
        para = f"<a:p>{self.runs_xml(slide.part, [Run(text)], s)}</a:p>"
        if not self.text_shape(slide, layout, 0, [para], "Titre"):
            box = (
                int(width * 0.06),
                int(height * 0.05),
                room[0] + 2 * INSET_LR,
                room[1] + 2 * INSET_TB,
            )
            self.textbox(slide, box, [para])

    def set_paragraphs(self, cell, paragraphs: list[str]) -> None:
        """Replace the text of a table cell by the given ``<a:p>`` XML strings."""
        tx = cell.text_frame._txBody
        for p in tx.findall(_A + "p"):
            tx.remove(p)
        body = "".join(paragraphs) or "<a:p/>"
        for p in parse_xml(f"<a:txBody {NSDECL}>{body}</a:txBody>"):
            tx.append(p)
