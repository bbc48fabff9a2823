"""The deck writer: the kinds of slide a deck is made of, on 16:9 layouts.

    package  (pptx_package)  the presentation: template or default, theme, layouts, notes
    fit      (pptx_fit)      what fits: titles, items, slides' worth of items
    shapes   (pptx_shapes)   the shapes of a slide as DrawingML

Every text frame is measured at a fixed font size (never shrunk) and what does not fit
goes to a next slide titled "(suite)". ``frame_report`` (from :mod:`.pptx_fit`, also
importable from here) re-measures a finished deck.
"""

from __future__ import annotations

from pptx.util import Emu

from app.core.markdown import clean_text

from .mdtree import Run
from .ooxml import hex_colour, readable_on
from .pptx_fit import (
    INSET_LR,
    INSET_TB,
    SECTION_TITLE_PT,
    TABLE_PT,
    TITLE_PT,
    Fitter,
    Item,
    frame_report,
    run_text,
)
from .pptx_package import DeckPackage
from .pptx_shapes import BODY_PR_CENTRED, ShapeWriter
from .textfit import EMU_PER_PT, Segment, paragraph_lines
from .validate import check_image

__all__ = ["DeckWriter", "frame_report"]

_SIDE = 457200  # left and right margin of pictures, tables and columns (0.5 in)
_FOOT = 365760  # room kept under them (0.4 in)
_ALIGN = {"center": "ctr", "right": "r"}


class DeckWriter:
    """Builds one deck: call the ``*_slide(s)`` methods in order, then ``to_bytes``."""

    def __init__(self, *, language: str, accent: str, labels: dict, template: bytes | None):
        self.labels = labels
        self.package = DeckPackage(language=language, accent=accent, template=template)
        self.fit = Fitter(self.package.title_font, self.package.body_font)
        self.shapes = ShapeWriter(self.package, self.fit)

    # ------------------------------------------------------------ helpers
    def _titled(self, layout, title: str, page: int):
        """A new slide with ``title``, marked "(suite)" after its first page."""
        slide = self.shapes.new_slide(layout)
        suffix = f" {self.labels['continued']}" if page else ""
        self.shapes.set_title(slide, clean_text(title) + suffix, TITLE_PT, layout)
        return slide

    def _close(self, slide, notes: str, *, bottom: bool = False) -> None:
        self.shapes.accent_bar(slide, bottom=bottom)
        self.package.notes(slide, notes)

    def _room_below_title(self, layout) -> tuple[int, int, int]:
        """(top, width, height) of the room under the title, within the side margins."""
        top = self.shapes.below_title(layout)
        return top, self.package.width - 2 * _SIDE, self.package.height - top - _FOOT

    # ------------------------------------------------------------ slides
    def title_slide(self, title: str, lines: list[str], notes: str, logo: bytes | None) -> None:
        shapes, m = self.shapes, self.fit.m_body
        layout = self.package.l_title
        slide = shapes.new_slide(layout)
        shapes.set_title(slide, title, 40, layout)
        width, height = shapes.body_room(layout)
        kept = [clean_text(x) for x in lines if x and x.strip()]
        while kept:
            need = sum(
                paragraph_lines([Segment(x, k == 0)], 20, width, m) * m.line_height_pt(20)
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
            f"<a:p>{ppr}{shapes.runs_xml(slide.part, [Run(x, bold=k == 0)], 20)}</a:p>"
            for k, x in enumerate(kept)
        ]
        if paras and not shapes.text_shape(slide, layout, 1, paras, "Sous-titre"):
            shapes.textbox(slide, shapes.fallback_box(), paras)
        if logo:
            try:
                info = check_image(logo)
                h = 685800
                w = int(h * info.width / info.height)
                shapes.picture(slide, logo, (self.package.width - w - _SIDE, 320040, w, h))
            except Exception:  # noqa: S110 - a bad logo never breaks the deck
                pass
        self._close(slide, notes, bottom=True)

    def section_slide(self, label: str, text: str, notes: str) -> None:
        layout = self.package.l_section
        slide = self.shapes.new_slide(layout)
        self.shapes.set_title(slide, label, SECTION_TITLE_PT, layout)
        if text:
            width, height = self.shapes.body_room(layout)
            item = Item([Run(clean_text(text))], bullet=False)
            self.fit.shorten_to(item, width, height)
            self.shapes.fill_body(slide, layout, [item])
        self._close(slide, notes)

    def bullet_slides(self, title: str, items: list[Item], notes: str) -> int:
        """As many content slides as ``items`` need; returns how many were made."""
        layout = self.package.l_content
        pages = self.fit.pack(items, self.shapes.body_room(layout)) or [[]]
        for k, page in enumerate(pages):
            slide = self._titled(layout, title, k)
            self.shapes.fill_body(slide, layout, page)
            self._close(slide, notes)
        return len(pages)

    def image_slide(self, title: str, data: bytes, notes: str) -> bool:
        try:
            info = check_image(data)
        except Exception:
            return False
        layout = self.package.l_title_only
        slide = self.shapes.new_slide(layout)
        self.shapes.set_title(slide, title, TITLE_PT, layout)
        top, max_w, max_h = self._room_below_title(layout)
        scale = min(max_w / info.width, max_h / info.height)
        w, h = int(info.width * scale), int(info.height * scale)
        box = ((self.package.width - w) // 2, top, w, h)
        pic = self.shapes.picture(slide, data, box)
        pic._element.nvPicPr.cNvPr.set("descr", clean_text(title))
        self._close(slide, notes)
        return True

    def table_slides(
        self,
        title: str,
        header: list[list[Run]],
        rows: list[list[list[Run]]],
        aligns: list[str],
        notes: str,
    ) -> int:
        shapes, m = self.shapes, self.fit.m_body
        layout = self.package.l_title_only
        ncols = max(1, len(aligns))
        top, width, max_h = self._room_below_title(layout)
        col_w = width // ncols
        cell_text_w = col_w - 2 * INSET_LR
        line_pt = m.line_height_pt(TABLE_PT)

        def row_h(row, bold: bool = False) -> int:
            lines = max(
                (
                    paragraph_lines(
                        [Segment(run_text(r), bold or r.bold) for r in cell],
                        TABLE_PT,
                        cell_text_w,
                        m,
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
            slide = self._titled(layout, title, k)
            all_rows = ([(header, header_h)] if header else []) + page
            total = sum(h for _, h in all_rows) or 1
            gf = shapes.table(slide, len(all_rows) or 1, ncols, (_SIDE, top, width, total))
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
                    algn = _ALIGN.get(aligns[c] if c < len(aligns) else "", "l")
                    cell_runs = row[c] if c < len(row) else []
                    bold = bool(header) and r_idx == 0
                    runs = shapes.runs_xml(slide.part, cell_runs, TABLE_PT, bold=bold)
                    shapes.set_paragraphs(cell, [f'<a:p><a:pPr algn="{algn}"/>{runs}</a:p>'])
            self._close(slide, notes)
        return len(pages)

    def columns_slides(self, title: str, columns: list[tuple[str, str, Item]], notes: str) -> int:
        """Groups side by side: up to 3 columns per slide, each a coloured header with the
        group's name and its position below, measured at 18 pt and cut with "…" to fit."""
        shapes = self.shapes
        layout = self.package.l_title_only
        top, width, height = self._room_below_title(layout)
        gap, header_h, size = 228600, 548640, 18
        chunks = [columns[k : k + 3] for k in range(0, len(columns), 3)] or [[]]
        for k, chunk in enumerate(chunks):
            slide = self._titled(layout, title, k)
            n = max(1, len(chunk))
            col_w = (width - (n - 1) * gap) // n
            body_h = height - header_h
            for c, (name, colour, item) in enumerate(chunk):
                x = _SIDE + c * (col_w + gap)
                colour = hex_colour(colour)
                room = (col_w - 2 * INSET_LR, header_h - 2 * INSET_TB)
                head, _ = self.fit.fit_title(name, room, 20)
                run = shapes.runs_xml(
                    slide.part, [Run(head, bold=True)], 20, colour=readable_on(colour)
                )
                shapes.textbox(
                    slide,
                    (x, top, col_w, header_h),
                    [f'<a:p><a:pPr algn="ctr"/>{run}</a:p>'],
                    name=f"Groupe {c + 1}",
                    fill=colour,
                    body_pr=BODY_PR_CENTRED,
                )
                item = Item(list(item.runs), bullet=False)
                self.fit.shorten_to(item, col_w - 2 * INSET_LR, body_h - 2 * INSET_TB, size)
                shapes.textbox(
                    slide,
                    (x, top + header_h, col_w, body_h),
                    shapes.body_paragraphs(slide.part, [item], size),
                )
            self._close(slide, notes)
        return len(chunks)

    def closing_slide(self, title: str, subtitle: str, notes: str = "") -> None:
        self.title_slide(title, [subtitle], notes or f"{title}\n{subtitle}", None)

    def to_bytes(self) -> bytes:
        return self.package.to_bytes()
