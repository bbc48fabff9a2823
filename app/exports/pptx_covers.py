"""The slides that frame a deck, on the designed theme: the cover (the group's panel in its
colour, the edition, the logo), the dividers (the question, large, on the group's colour,
its number drawn large beside it) and the closing slide. On an edition's template: its
layouts' placeholders only. Mixed into :class:`.pptx_writer.DeckWriter`."""

from __future__ import annotations

from app.core.markdown import clean_text

from .mdtree import Run
from .pptx_fit import INSET_LR, INSET_TB, SECTION_TITLE_PT, Item
from .pptx_shapes import BODY_PR_BOTTOM, BODY_PR_CENTRED, BODY_PR_TOP
from .pptx_theme import CLOSE_TITLE_BOX, MARGIN, PANEL_W, SECTION_TITLE_BOX, TITLE_SLIDE_BOX
from .textfit import EMU_PER_PT, Segment, paragraph_lines
from .validate import check_image

__all__ = ["CoverSlides"]

IN = 914400


class CoverSlides:
    """Needs the writer's ``package``, ``shapes``, ``fit``, ``colours``, ``designed``,
    ``footer_text``, ``_kicker`` and ``_close``."""

    def title_slide(
        self,
        title: str,
        lines: list[str],
        notes: str,
        logo: bytes | None,
        *,
        panel: tuple[str, str] = ("", ""),
    ) -> None:
        """The cover: on our theme, ``panel`` (label, name: the group) on its colour at the
        left, the edition's ``title`` and ``lines`` at the right, the logo above them."""
        shapes, c, m = self.shapes, self.colours, self.fit.m_body
        layout = self.package.l_title
        slide = shapes.new_slide(layout)
        if self.designed:
            shapes.rect(slide, (0, 0, PANEL_W, self.package.height), c.accent)
            label, name = (clean_text(x) for x in panel)
            # the group's name ends on the line the edition's title ends on, its label above
            pad = int(0.55 * IN)
            bottom = TITLE_SLIDE_BOX[1] + TITLE_SLIDE_BOX[3]
            room = (PANEL_W - 2 * pad - 2 * INSET_LR, bottom - int(1.2 * IN) - 2 * INSET_TB)
            text_h, group = 0, None
            if name:
                size = self.fit.fit_block(name, room, (48, 44, 40, 36, 32, 28, 24))
                name, size = self.fit.fit_title(name, room, size)
                n_lines = self.fit.title_lines(name, room[0], size)
                text_h = int(n_lines * self.fit.m_title.line_height_pt(size) * EMU_PER_PT)
                group = shapes.line(slide.part, name, size, c.on_accent, bold=True)
            if label:  # first: what is read first
                h = int(0.45 * IN)
                box = (pad, bottom - INSET_TB - text_h - h, PANEL_W - 2 * pad, h)
                self._kicker(slide, label, box, c.on_accent, 16)
            if group:
                box = (pad, int(1.2 * IN), PANEL_W - 2 * pad, bottom - int(1.2 * IN))
                shapes.textbox(slide, box, [group], name="Groupe", body_pr=BODY_PR_BOTTOM)
        shapes.set_title(slide, title, 40, layout, colour=c.ink if self.designed else "")
        if self.designed:
            shapes.rect(
                slide,
                (TITLE_SLIDE_BOX[0] + INSET_LR, int(3.66 * IN), int(0.9 * IN), int(0.06 * IN)),
                c.accent,
            )
        width, height = shapes.body_room(layout)
        # lines by role: the first (a subtitle) larger and bold, the second (the members) in
        # ink, the others (the date) in slate; the last ones dropped if they do not fit
        kept = [(clean_text(x), k) for k, x in enumerate(lines) if x and x.strip()]

        def need(x: str, k: int) -> float:
            size = 20 if k == 0 else 18
            lines = paragraph_lines([Segment(x, k == 0)], size, width, m)
            return (lines * m.line_height_pt(size) + 6) * EMU_PER_PT

        while kept:
            if sum(need(x, k) for x, k in kept) <= height:
                break
            kept.pop()
        paras = [
            shapes.line(
                slide.part,
                x,
                20 if k == 0 else 18,
                (c.ink if k == 1 else c.muted) if self.designed else "",
                bold=k == 0,
                before=6,
            )
            for x, k in kept
        ]
        if paras and not shapes.text_shape(slide, layout, 1, paras, "Sous-titre"):
            shapes.textbox(slide, shapes.fallback_box(), paras)
        if logo:
            self._logo(slide, logo)
        self.package.notes(slide, notes)

    def _logo(self, slide, logo: bytes) -> None:
        try:
            info = check_image(logo)
        except Exception:  # a bad logo never breaks the deck
            return
        max_w, max_h = int(2.8 * IN), int(1.05 * IN)
        scale = min(max_w / info.width, max_h / info.height)
        w, h = int(info.width * scale), int(info.height * scale)
        box = (self.package.width - w - MARGIN, int(0.5 * IN), w, h)
        self.shapes.picture(slide, logo, box, "Logo")

    def section_slide(self, label: str, text: str, notes: str, number: int | None = None) -> None:
        """A divider: the question ``text`` as the large title; ``label`` ("Question 2")
        above it; on our theme, on the group's colour with the number drawn large."""
        shapes, c = self.shapes, self.colours
        layout = self.package.l_section
        title = clean_text(text) or label
        if not self.designed:
            slide = shapes.new_slide(layout)
            shapes.set_title(slide, title, SECTION_TITLE_PT, layout)
            if label and title != label:
                width, height = shapes.body_room(layout)
                item = Item([Run(clean_text(label))], bullet=False)
                self.fit.shorten_to(item, width, height)
                shapes.fill_body(slide, layout, [item])
            self._close(slide, layout, notes)
            return
        slide = shapes.new_slide(layout, background=c.accent)
        x, y, cx, _ = SECTION_TITLE_BOX
        if label and title != label:
            self._kicker(slide, label, (x, y - int(0.6 * IN), cx, int(0.5 * IN)), c.on_accent, 20)
        shapes.set_title(slide, title, SECTION_TITLE_PT, layout, colour=c.on_accent)
        digits = str(number) if number is not None else ""
        if 0 < len(digits) <= 2:
            size = 240 if len(digits) == 1 else 180
            para = shapes.line(slide.part, digits, size, c.ghost, bold=True, algn="r")
            box = (
                self.package.width - MARGIN - int(3.4 * IN),
                int(1.1 * IN),
                int(3.4 * IN),
                int(4.7 * IN),
            )
            shapes.textbox(slide, box, [para], name="Numéro", body_pr=BODY_PR_CENTRED)
        self._close(slide, layout, notes, on_accent=True)

    def closing_slide(self, title: str, subtitle: str, notes: str = "") -> None:
        if not self.designed:
            self.title_slide(title, [subtitle], notes or f"{title}\n{subtitle}", None)
            return
        shapes, c = self.shapes, self.colours
        layout = self.package.l_title_only
        slide = shapes.new_slide(layout, background=c.accent)
        x, y, cx, cy = CLOSE_TITLE_BOX
        text, size = self.fit.fit_title(title, (cx - 2 * INSET_LR, cy - 2 * INSET_TB), 66)
        para = shapes.line(slide.part, text, size, c.on_accent, bold=True)
        shapes.text_shape(
            slide, layout, 0, [para], "Titre", body_pr=BODY_PR_BOTTOM, box=CLOSE_TITLE_BOX
        )
        shapes.rect(
            slide,
            (x + INSET_LR, y + cy + int(0.15 * IN), int(0.9 * IN), int(0.06 * IN)),
            c.on_accent,
        )
        lines = [(clean_text(subtitle), 32, c.on_accent, False)]
        if self.footer_text:
            lines.append((self.footer_text, 20, c.on_accent, False))
        paras = [shapes.line(slide.part, t, s, col, bold=b, before=9) for t, s, col, b in lines]
        box = (x, y + cy + int(0.35 * IN), cx, int(2.0 * IN))
        shapes.textbox(slide, box, paras, name="Sous-titre", body_pr=BODY_PR_TOP)
        self.package.notes(slide, notes or f"{title}\n{subtitle}")
