"""Text as DrawingML: runs (bold, italic, links, the group's colour for lead-ins), plain
lines, and body paragraphs with their level, bullet or number and spacing as
:mod:`.pptx_fit` measured them. Mixed into :class:`.pptx_shapes.ShapeWriter`."""

from __future__ import annotations

from xml.sax.saxutils import escape

from pptx.opc.constants import RELATIONSHIP_TYPE as RT

from app.core.markdown import clean_text, is_safe_link

from .mdtree import Run
from .ooxml import CODE_FONT
from .pptx_fit import BODY_PT, HANG, MARGIN_L, SPACE_BEFORE_PT, Item, run_text
from .pptx_theme import FONT

__all__ = ["TextWriter"]

_BULLETS = ("\u2022", "\u2013", "\u2022")


class TextWriter:
    """Needs ``lang`` (the runs' language tag) and ``bullet_colour`` (hex, or "" to keep the
    template's bullets)."""

    lang: str
    bullet_colour: str

    def line(
        self,
        part,
        text: str,
        size: float,
        colour: str,
        *,
        bold=False,
        italic=False,
        algn: str = "l",
        spacing: int = 0,
        before: int = 0,
    ) -> str:
        """One ``a:p`` of plain ``text``: no bullet, no indent, ``before`` pt above it."""
        runs = self.runs_xml(
            part, [Run(text)], size, bold=bold, italic=italic, colour=colour, spacing=spacing
        )
        return (
            f'<a:p><a:pPr marL="0" indent="0" algn="{algn}"><a:lnSpc><a:spcPct val="100000"/>'
            f'</a:lnSpc><a:spcBef><a:spcPts val="{before * 100}"/></a:spcBef><a:buNone/></a:pPr>'
            f"{runs}</a:p>"
        )

    # ------------------------------------------------------------ chrome

    def runs_xml(
        self,
        part,
        runs: list[Run],
        size: float,
        *,
        bold=False,
        italic=False,
        colour="",
        lead: int = 0,
        spacing: int = 0,
        caps: bool = True,
    ) -> str:
        """``a:r`` elements of ``runs`` at ``size`` pt (in ``colour``, hex, if given; the first
        ``lead`` runs in the group's colour; ``caps=False`` overrides an all-caps style);
        links relate to ``part``."""
        out = []
        sz = int(size * 100)
        for k, r in enumerate(runs):
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
            if spacing:
                attrs += f' spc="{spacing}"'
            if not caps:
                attrs += ' cap="none"'
            if r.footnote is not None:
                attrs += ' baseline="30000"'
            fill = self.bullet_colour if k < lead and self.bullet_colour else colour
            inner = f'<a:solidFill><a:srgbClr val="{fill}"/></a:solidFill>' if fill else ""
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
            colour = self.bullet_colour
            bu = f'<a:buClr><a:srgbClr val="{colour}"/></a:buClr>' if colour else ""
            if not item.bullet:
                bullet = "<a:buNone/>"
            elif item.number is not None:
                bullet = f'{bu}<a:buFont typeface="+mj-lt"/><a:buAutoNum type="arabicPeriod" ' + (
                    f'startAt="{item.number}"/>'
                )
            elif colour:
                bullet = f'{bu}<a:buFont typeface="{FONT}"/><a:buChar char="{_BULLETS[lvl]}"/>'
            else:
                bullet = ""
            ppr = (
                f'<a:pPr lvl="{lvl}" marL="{mar}" indent="{ind}" algn="l"><a:lnSpc>'
                f'<a:spcPct val="100000"/></a:lnSpc><a:spcBef><a:spcPts '
                f'val="{SPACE_BEFORE_PT[lvl] * 100}"/></a:spcBef>{bullet}</a:pPr>'
            )
            runs = self.runs_xml(
                part, item.runs, size or BODY_PT[lvl], italic=item.italic, lead=item.lead
            )
            paras.append(f"<a:p>{ppr}{runs}</a:p>")
        return paras
