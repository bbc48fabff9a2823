"""Markdown blocks in Word: paragraphs, headings, quotes, code, lists and tables.

Blocks go to the body, or into a ``container`` (a list of elements: a table cell, a list
item's extra paragraphs), where headings become bold paragraphs and pictures stay inline.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from .docx_inline import InlineWriter, Where
from .docx_outline import Outline
from .docx_package import WordPackage
from .docx_styles import list_style
from .mdtree import Block, Code, Heading, ListBlock, Para, Quote, Rule, Run, Table
from .ooxml import w_sub, w_tag

__all__ = ["BlockWriter"]

_CELL_ALIGN = {"center": "center", "right": "right"}


class BlockWriter:
    """Writes parsed Markdown (:mod:`app.exports.mdtree`) with the inline writer's runs."""

    def __init__(self, package: WordPackage, inline: InlineWriter, outline: Outline) -> None:
        self.package = package
        self.inline = inline
        self.outline = outline

    def write(
        self,
        blocks: list[Block],
        *,
        heading_offset: int = 1,
        list_depth: int = 0,
        quote: bool = False,
        container: list | None = None,
        where: Where | None = None,
        cell_width: int | None = None,
    ) -> None:
        inline = self.inline
        where = where or inline.body
        append = container.append if container is not None else self.package.add
        base = "Quote" if quote else None
        for block in blocks:
            if isinstance(block, Heading):
                if container is not None:
                    p = inline.p(base)
                    bold = [Run(r.text, bold=True) if not r.footnote else r for r in block.runs]
                    inline.runs(p, bold, where)
                    append(p)
                else:
                    self.outline.heading(block.level + heading_offset, block.runs, toc=False)
            elif isinstance(block, Para):
                if _is_lone_image(block.runs) and container is None:
                    self._figure(block.runs[0].image, append, where, cell_width)
                    continue
                p = inline.p(base)
                inline.runs(p, block.runs, where)
                append(p)
            elif isinstance(block, ListBlock):
                self._list(block, list_depth, append, where, quote)
            elif isinstance(block, Quote):
                self.write(
                    block.blocks,
                    heading_offset=heading_offset,
                    list_depth=list_depth,
                    quote=True,
                    container=container,
                    where=where,
                )
            elif isinstance(block, Code):
                p = inline.p("Code Block")
                inline.r(p, block.text)
                append(p)
            elif isinstance(block, Rule):
                p = inline.p(base, align="center")
                inline.r(p, "* * *")
                append(p)
            elif isinstance(block, Table):
                append(self._table(block, where, cell_width or self.package.text_width))
                if container is None:
                    append(inline.p(None))  # Word glues consecutive tables otherwise

    def _figure(self, image, append: Callable, where: Where, cell_width) -> None:
        """A picture alone in its paragraph: centred, with its alt text as caption."""
        src, alt = image
        p = self.inline.p(None, align="center")
        self.inline.image(p, src, alt, where, cell_width)
        append(p)
        if alt and src in self.inline.images:
            cap = self.inline.p("Caption", align="center")
            self.inline.r(cap, alt)
            append(cap)

    def bullet(self, runs: list[Run], depth: int) -> None:
        """A bulleted paragraph at ``depth`` in the body (the debate's arguments)."""
        depth = min(depth, 8)
        p = self.inline.p(list_style("Bullet", depth), num=(self.package.numbering.bullets, depth))
        self.inline.runs(p, runs, self.inline.body)
        self.package.add(p)

    def _list(self, block: ListBlock, depth: int, append, where: Where, quote: bool) -> None:
        depth = min(depth, 8)
        if block.ordered:
            num = self.package.numbering.ordered(depth, block.start)
            style = list_style("Number", depth)
        else:
            num = self.package.numbering.bullets
            style = list_style("Bullet", depth)
        cont = list_style("Continue", depth)
        inline = self.inline
        for item in block.items:
            numbered = False
            for sub in item or [Para([])]:
                if isinstance(sub, Para) and not numbered:
                    p = inline.p(style, num=(num, depth))
                    inline.runs(p, sub.runs, where)
                    append(p)
                    numbered = True
                elif isinstance(sub, ListBlock):
                    if not numbered:
                        append(inline.p(style, num=(num, depth)))
                        numbered = True
                    self._list(sub, depth + 1, append, where, quote)
                elif isinstance(sub, Para | Heading):
                    p = inline.p(cont)
                    inline.runs(p, sub.runs, where)
                    append(p)
                else:
                    holder: list = []
                    self.write([sub], container=holder, where=where, quote=quote)
                    for el in holder:
                        append(el)
                    numbered = True

    # ------------------------------------------------------------------ tables
    def new_table(self, grid: list[int], *, markdown: bool = False):
        """A full-width ``w:tbl`` in the grid style with columns of ``grid`` twips; a
        ``markdown`` table also gets the header-row look, and plain borders when the
        document has no "Table Grid" style."""
        tbl = etree.Element(w_tag("tbl"))
        tblpr = w_sub(tbl, "tblPr")
        has_grid = "Table Grid" in self.package.style_ids
        w_sub(tblpr, "tblStyle", val=self.package.style_ids.get("Table Grid", "TableGrid"))
        w_sub(tblpr, "tblW", w=5000, type="pct")
        if markdown:
            if not has_grid:
                borders = w_sub(tblpr, "tblBorders")
                for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
                    w_sub(borders, side, val="single", sz=4, space=0, color="auto")
            look = dict(firstRow=1, lastRow=0, firstColumn=0, lastColumn=0, noHBand=0, noVBand=1)
            w_sub(tblpr, "tblLook", val="04A0", **look)
        cols = w_sub(tbl, "tblGrid")
        for width in grid:
            w_sub(cols, "gridCol", w=width)
        return tbl

    @staticmethod
    def new_row(tbl, *, header: bool = False):
        """A row of ``tbl``; a ``header`` row repeats on every page."""
        tr = w_sub(tbl, "tr")
        if header:
            w_sub(w_sub(tr, "trPr"), "tblHeader")
        return tr

    @staticmethod
    def new_cell(tr, width: int, fill: str | None = None):
        """A cell of ``width`` twips, shaded with ``fill`` (hex) if given."""
        tc = w_sub(tr, "tc")
        tcpr = w_sub(tc, "tcPr")
        w_sub(tcpr, "tcW", w=width, type="dxa")
        if fill:
            w_sub(tcpr, "shd", val="clear", color="auto", fill=fill)
        return tc

    def _table(self, table: Table, where: Where, width: int):
        ncols = max(1, len(table.aligns))
        col = int(width / 635 / ncols)  # EMU → twips
        tbl = self.new_table([col] * ncols, markdown=True)
        rows = ([table.header] if table.header else []) + table.rows
        for k, row in enumerate(rows):
            header = k == 0 and bool(table.header)
            tr = self.new_row(tbl, header=header)
            for c in range(ncols):
                cell = row[c] if c < len(row) else []
                tc = self.new_cell(tr, col)
                p = self.inline.p(None, align=_CELL_ALIGN.get(table.aligns[c]))
                runs = [
                    Run(r.text, True, r.italic, r.code, r.strike, r.link)
                    if header and r.footnote is None and r.image is None
                    else r
                    for r in cell
                ]
                self.inline.runs(p, runs, where)
                tc.append(p)
        return tbl

    def cell_blocks(self, tc, blocks: list[Block], width: int) -> None:
        """``blocks`` written into the table cell ``tc`` (never empty: Word needs a w:p)."""
        holder: list = []
        self.write(blocks, container=holder, cell_width=width)
        if not holder:
            holder.append(self.inline.p(None))
        for el in holder:
            tc.append(el)


def _is_lone_image(runs: list[Run]) -> bool:
    real = [r for r in runs if not (r.image is None and not r.text.strip() and r.footnote is None)]
    return len(real) == 1 and real[0].image is not None
