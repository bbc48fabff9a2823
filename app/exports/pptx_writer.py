"""The deck writer: the kinds of slide a deck is made of, on 16:9 layouts.

    package  (pptx_package)  the presentation: template or default, theme, layouts, notes
    theme    (pptx_theme)    the designed default look: palette from the group's colour, boxes
    fit      (pptx_fit)      what fits: titles, items, slides' worth of items
    shapes   (pptx_shapes)   the shapes of a slide as DrawingML, the footer and slide number,
                             over text (pptx_text): runs, lines, bullet paragraphs
    covers   (pptx_covers)   the cover, the dividers, the closing slide
    table    (pptx_table)    tables: column widths, type size, rows across slides

Kinds of slide: title, divider (the question, large, on the group's colour), bullets, two
columns, quote, statement, table, picture, groups side by side, closing. Every content
slide has a kicker naming its section, a footer (group · edition) and its number; a slide
whose text was shortened says so in the footer ("[…]", full text in the notes). Every text
frame is measured at a fixed font size (never shrunk) and what does not fit goes to a next
slide titled "(suite)". ``frame_report`` (from :mod:`.pptx_fit`, also importable from here)
re-measures a finished deck. On an edition's own template only its layouts are used.
"""

from __future__ import annotations

from app.core.markdown import clean_text

from .mdtree import Run
from .ooxml import hex_colour, readable_on
from .pptx_covers import CoverSlides
from .pptx_fit import (
    INSET_LR,
    INSET_TB,
    TITLE_PT,
    Fitter,
    Item,
    frame_report,
)
from .pptx_package import DeckPackage
from .pptx_shapes import BODY_PR_BOTTOM, BODY_PR_CENTRED, BODY_PR_TOP, ShapeWriter
from .pptx_table import plan_table
from .pptx_theme import (
    BODY_BOX,
    KICKER_PT,
    MARGIN,
    RULE,
    TITLE_BOX,
    palette,
)
from .textfit import EMU_PER_PT
from .validate import check_image

__all__ = ["DeckWriter", "frame_report"]

IN = 914400
_SIDE = MARGIN  # left and right margin of pictures, tables and columns
_FOOT = 457200  # room kept under them (0.5 in: the footer)
_ALIGN = {"center": "ctr", "right": "r"}
QUOTE_PT = (28, 24)


class DeckWriter(CoverSlides):
    """Builds one deck: call the ``*_slide(s)`` methods in order, then ``to_bytes``."""

    def __init__(
        self, *, language: str, accent: str, labels: dict, template: bytes | None, footer: str = ""
    ) -> None:
        self.labels = labels
        self.footer_text = clean_text(footer)
        self.package = DeckPackage(language=language, accent=accent, template=template)
        self.designed = self.package.designed
        self.colours = palette(accent)
        self.fit = Fitter(self.package.title_font, self.package.body_font)
        self.shapes = ShapeWriter(self.package, self.fit, self.colours)

    # ------------------------------------------------------------ helpers
    def _titled(self, layout, title: str, page: int, kicker: str = ""):
        """A new content slide with ``title`` (marked "(suite)" after its first page), and on
        our theme the ``kicker`` above it and the rule in the group's colour below it."""
        shapes = self.shapes
        slide = shapes.new_slide(layout)
        suffix = f" {self.labels['continued']}" if page else ""
        text_h = shapes.set_title(slide, clean_text(title) + suffix, TITLE_PT, layout)
        if self.designed:
            shapes.rect(slide, RULE, self.colours.accent)
            if kicker:
                x, y, cx, cy = TITLE_BOX
                h = int(KICKER_PT * 1.2 * EMU_PER_PT) + 2 * INSET_TB
                top = max(int(0.3 * IN), y + cy - INSET_TB - text_h - h)
                self._kicker(slide, kicker, (x, top, cx, h), self.colours.accent_ink, KICKER_PT)
        return slide

    def _kicker(self, slide, text: str, box, colour: str, size: float) -> None:
        text = self.fit.fit_line(clean_text(text).upper(), box[2] - 2 * INSET_LR - IN, size, True)
        if text:
            para = self.shapes.line(slide.part, text, size, colour, bold=True, spacing=100)
            self.shapes.textbox(slide, box, [para], name="Surtitre", body_pr=BODY_PR_BOTTOM)

    def _close(self, slide, layout, notes: str, *, condensed=False, on_accent=False) -> None:
        note = self.labels["condensed"] if condensed else ""
        self.shapes.footer(slide, layout, self.footer_text, note=note, on_accent=on_accent)
        self.package.notes(slide, notes)

    def _room_below_title(self, layout) -> tuple[int, int, int]:
        """(top, width, height) of the room under the title, within the side margins."""
        if self.designed:
            return BODY_BOX[1], self.package.width - 2 * _SIDE, BODY_BOX[3]
        top = self.shapes.below_title(layout)
        return top, self.package.width - 2 * _SIDE, self.package.height - top - _FOOT

    # ------------------------------------------------------------ content
    # (the cover, the dividers and the closing slide: pptx_covers.CoverSlides)
    def bullet_slides(self, title: str, items: list[Item], notes: str, kicker: str = "") -> int:
        """As many content slides as ``items`` need; returns how many were made."""
        layout = self.package.l_content
        pages = self.fit.pack(items, self.shapes.body_room(layout)) or [[]]
        for k, page in enumerate(pages):
            slide = self._titled(layout, title, k, kicker)
            self.shapes.fill_body(slide, layout, page)
            self._close(slide, layout, notes, condensed=any(i.condensed for i in page))
        return len(pages)

    def two_column_slides(
        self,
        title: str,
        items: list[Item],
        notes: str,
        kicker: str = "",
        *,
        intro: Item | None = None,
    ) -> int:
        """A list of short items in two columns under its ``intro`` line; as bullets if
        they do not fit there."""
        layout = self.package.l_title_only
        top, width, height = self._room_below_title(layout)
        gap = int(0.5 * IN)
        intro_h = 0
        if intro is not None:
            intro_h = int(self.fit.item_height_pt(intro, width - 2 * INSET_LR) * EMU_PER_PT)
            intro_h += 2 * INSET_TB + int(0.1 * IN)
        col_w = (width - gap) // 2
        half = (len(items) + 1) // 2
        columns = [items[:half], items[half:]]
        inner = (col_w - 2 * INSET_LR, height - intro_h - 2 * INSET_TB)
        if intro_h > height // 3 or any(len(self.fit.pack(col, inner)) > 1 for col in columns):
            return self.bullet_slides(title, ([intro] if intro else []) + items, notes, kicker)
        slide = self._titled(layout, title, 0, kicker)
        if intro is not None:
            paras = self.shapes.body_paragraphs(slide.part, [intro])
            self.shapes.textbox(slide, (_SIDE, top, width, intro_h), paras, name="Chapeau")
        for k, col in enumerate(columns):
            box = (_SIDE + k * (col_w + gap), top + intro_h, col_w, height - intro_h)
            paras = self.shapes.body_paragraphs(slide.part, col)
            self.shapes.textbox(slide, box, paras, name=f"Colonne {k + 1}")
        condensed = any(i.condensed for i in items) or bool(intro and intro.condensed)
        self._close(slide, layout, notes, condensed=condensed)
        return 1

    def quote_slide(
        self,
        title: str,
        quote: list[Item],
        notes: str,
        *,
        kicker: str = "",
        source: str = "",
        comment: Item | None = None,
    ) -> None:
        """A quotation, large, on a card in a tint of the group's colour; its ``source``
        under it, and the group's ``comment`` under the card."""
        if not self.designed:
            for item in quote:
                item.italic, item.bullet = True, False
            self.bullet_slides(title, quote + ([comment] if comment else []), notes, kicker)
            return
        shapes, c = self.shapes, self.colours
        layout = self.package.l_title_only
        slide = self._titled(layout, title, 0, kicker)
        x, y, cx, cy = BODY_BOX
        comment_h = 0
        if comment is not None:
            self.fit.shorten_to(comment, cx - 2 * INSET_LR, int(1.2 * IN), 22)
            comment_h = int(self.fit.item_height_pt(comment, cx - 2 * INSET_LR, 22) * EMU_PER_PT)
            comment_h += 2 * INSET_TB
            cy -= comment_h + int(0.2 * IN)
        shapes.rect(slide, (x, y, cx, cy), c.tint, name="Carte")
        shapes.rect(slide, (x, y, int(0.09 * IN), cy), c.accent)
        mark = shapes.line(slide.part, "\u201c", 120, c.accent_ink, bold=True)
        mark_h = min(int(2.2 * IN), cy)
        shapes.textbox(
            slide,
            (x + int(0.3 * IN), y, int(1.2 * IN), mark_h),
            [mark],
            name="Guillemet",
            body_pr=BODY_PR_TOP,
        )
        source_h = int(0.5 * IN) if source else 0
        box = (
            x + int(1.45 * IN),
            y + int(0.3 * IN),
            cx - int(1.9 * IN),
            cy - int(0.5 * IN) - source_h,
        )
        room = (box[2] - 2 * INSET_LR, box[3] - 2 * INSET_TB)
        for size in QUOTE_PT:
            need = sum(self.fit.item_height_pt(i, room[0], size) for i in quote) * EMU_PER_PT
            if need <= room[1]:
                break
        else:
            per = room[1] // max(1, len(quote))
            for item in quote:
                self.fit.shorten_to(item, room[0], per, size)
        for item in quote:
            item.italic, item.bullet = True, False
        paras = shapes.body_paragraphs(slide.part, quote, size)
        shapes.textbox(slide, box, paras, name="Citation", body_pr=BODY_PR_CENTRED)
        if source:
            text = self.fit.fit_line("— " + clean_text(source), box[2] - 2 * INSET_LR, 18)
            para = shapes.line(slide.part, text, 18, c.muted)
            shapes.textbox(
                slide,
                (box[0], box[1] + box[3], box[2], source_h),
                [para],
                name="Source",
                body_pr=BODY_PR_TOP,
            )
        if comment is not None:
            paras = shapes.body_paragraphs(slide.part, [comment], 22)
            shapes.textbox(
                slide,
                (x, y + cy + int(0.2 * IN), cx, comment_h),
                paras,
                name="Commentaire",
                body_pr=BODY_PR_TOP,
            )
        cut = any(i.condensed for i in quote) or bool(comment and comment.condensed)
        self._close(slide, layout, notes, condensed=cut)

    def statement_slide(self, title: str, item: Item, notes: str, kicker: str = "") -> None:
        """One short paragraph, large (a conclusion, a recommendation)."""
        if not self.designed:
            self.bullet_slides(title, [item], notes, kicker)
            return
        layout = self.package.l_title_only
        slide = self._titled(layout, title, 0, kicker)
        x, y, cx, cy = BODY_BOX
        box = (x + int(0.3 * IN), y, cx - int(0.6 * IN), cy - int(0.3 * IN))
        item.bullet = False
        self.fit.shorten_to(item, box[2] - 2 * INSET_LR, box[3] - 2 * INSET_TB, 32)
        self.shapes.rect(
            slide, (x, y + int(0.9 * IN), int(0.09 * IN), cy - int(2.1 * IN)), self.colours.accent
        )
        paras = self.shapes.body_paragraphs(slide.part, [item], 32)
        self.shapes.textbox(slide, box, paras, name="Message", body_pr=BODY_PR_CENTRED)
        self._close(slide, layout, notes, condensed=item.condensed)

    def image_slide(self, title: str, data: bytes, notes: str, kicker: str = "") -> bool:
        try:
            info = check_image(data)
        except Exception:
            return False
        layout = self.package.l_title_only
        slide = self._titled(layout, title, 0, kicker)
        top, max_w, max_h = self._room_below_title(layout)
        scale = min(max_w / info.width, max_h / info.height)
        w, h = int(info.width * scale), int(info.height * scale)
        box = ((self.package.width - w) // 2, top, w, h)
        self.shapes.picture(slide, data, box, title)
        self._close(slide, layout, notes)
        return True

    def table_slides(
        self,
        title: str,
        header: list[list[Run]],
        rows: list[list[list[Run]]],
        aligns: list[str],
        notes: str,
        kicker: str = "",
        *,
        intro: Item | None = None,
    ) -> int:
        """A table, its header in the group's colour, rows banded, under its ``intro`` line
        (on the first slide); split across slides."""
        shapes, c = self.shapes, self.colours
        layout = self.package.l_title_only
        ncols = max(1, len(aligns))
        top, width, max_h = self._room_below_title(layout)
        intro_h = 0
        if intro is not None:
            self.fit.shorten_to(intro, width - 2 * INSET_LR, max_h // 4)
            intro_h = int(self.fit.item_height_pt(intro, width - 2 * INSET_LR) * EMU_PER_PT)
            intro_h += 2 * INSET_TB + int(0.05 * IN)
        plan = plan_table(
            self.fit,
            header,
            rows,
            ncols=ncols,
            width=width,
            height=max_h,
            first_height=max_h - intro_h,
        )
        pages, header_h, widths = plan.pages, plan.header_h, plan.widths
        for k, page in enumerate(pages):
            slide = self._titled(layout, title, k, kicker)
            y = top
            if k == 0 and intro is not None:
                paras = shapes.body_paragraphs(slide.part, [intro])
                shapes.textbox(slide, (_SIDE, top, width, intro_h), paras, name="Chapeau")
                y += intro_h
            all_rows = ([(header, header_h)] if header else []) + page
            total = sum(h for _, h in all_rows) or 1
            xml_rows = []
            for r_idx, (row, h) in enumerate(all_rows):
                head = bool(header) and r_idx == 0
                fill = c.accent if head else (c.tint if r_idx % 2 == 0 else c.paper)
                colour = (c.on_accent if head else c.ink) if self.designed else ""
                cells = []
                for col in range(ncols):
                    algn = _ALIGN.get(aligns[col] if col < len(aligns) else "", "l")
                    cell_runs = row[col] if col < len(row) else []
                    runs = shapes.runs_xml(
                        slide.part, cell_runs, plan.size, bold=head, colour=colour
                    )
                    para = f'<a:p><a:pPr algn="{algn}"/>{runs}</a:p>'
                    cells.append((para, fill if self.designed else ""))
                xml_rows.append((h, cells))
            shapes.table(
                slide, (_SIDE, y, sum(widths), total), widths, xml_rows, first_row=bool(header)
            )
            cut = k == 0 and bool(intro and intro.condensed)
            self._close(slide, layout, notes, condensed=cut)
        return len(pages)

    def columns_slides(
        self, title: str, columns: list[tuple[str, str, Item]], notes: str, kicker: str = ""
    ) -> int:
        """Groups side by side: up to 3 columns per slide, each a coloured header with the
        group's name and its position below, measured at 18 pt and cut with "[…]" to fit."""
        shapes = self.shapes
        layout = self.package.l_title_only
        top, width, height = self._room_below_title(layout)
        gap, header_h, size = 228600, 548640, 18
        chunks = [columns[k : k + 3] for k in range(0, len(columns), 3)] or [[]]
        for k, chunk in enumerate(chunks):
            slide = self._titled(layout, title, k, kicker)
            n = max(1, len(chunk))
            col_w = (width - (n - 1) * gap) // n
            body_h = height - header_h
            condensed = False
            for i, (name, colour, item) in enumerate(chunk):
                x = _SIDE + i * (col_w + gap)
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
                    name=f"Groupe {i + 1}",
                    fill=colour,
                    body_pr=BODY_PR_CENTRED,
                )
                item = Item(list(item.runs), bullet=False)
                self.fit.shorten_to(item, col_w - 2 * INSET_LR, body_h - 2 * INSET_TB, size)
                condensed |= item.condensed
                fill = self.colours.tint if self.designed else ""
                shapes.textbox(
                    slide,
                    (x, top + header_h, col_w, body_h),
                    shapes.body_paragraphs(slide.part, [item], size),
                    fill=fill,
                    name=f"Position {i + 1}",
                )
            self._close(slide, layout, notes, condensed=condensed)
        return len(chunks)

    def to_bytes(self) -> bytes:
        self.shapes.flush()
        return self.package.to_bytes()
