"""Tables on slides: column widths from what the columns hold, the largest type size at
which the table fits on one slide (else the smallest, its rows split across slides), every
row's height measured as :mod:`.pptx_fit` measures text."""

from __future__ import annotations

from dataclasses import dataclass

from .mdtree import Run
from .pptx_fit import INSET_LR, INSET_TB, TABLE_PT, Fitter, run_text
from .textfit import EMU_PER_PT, Segment, paragraph_lines

__all__ = ["TABLE_SIZES", "TablePlan", "plan_table"]

#: type sizes tried, largest first: a small table is read from the back of the room too
TABLE_SIZES = (20, 18, TABLE_PT)
_PAD = 182880  # room around a cell's longest line (0.2 in)

Cell = list[Run]


@dataclass
class TablePlan:
    size: float
    widths: list[int]
    header_h: int
    pages: list[list[tuple[list[Cell], int]]]  #: per slide: (row, height)


def _cell_segments(cell: Cell, bold: bool) -> list[Segment]:
    return [Segment(run_text(r), bold or r.bold) for r in cell]


def _widths(fit: Fitter, grid: list[list[Cell]], ncols: int, width: int, size: float) -> list[int]:
    """Columns as wide as their longest line (the header's in bold), scaled to the room:
    up to a quarter wider when the table is narrow, shared in proportion when it is not
    (each column keeps at least half of an equal share)."""
    m = fit.m_body
    natural = [0.0] * ncols
    for r, row in enumerate(grid):
        for c in range(ncols):
            cell = row[c] if c < len(row) else []
            text_w = sum(m.width(s.text, s.bold) for s in _cell_segments(cell, r == 0))
            natural[c] = max(natural[c], text_w * size * EMU_PER_PT + 2 * INSET_LR + _PAD)
    total = sum(natural) or 1.0
    if total <= width:
        scale = min(width / total, 1.25)
        return [int(n * scale) for n in natural]
    floor = width / (2 * ncols)
    shares = [max(floor, width * n / total) for n in natural]
    k = width / sum(shares)
    return [int(s * k) for s in shares]


def plan_table(
    fit: Fitter,
    header: list[Cell],
    rows: list[list[Cell]],
    *,
    ncols: int,
    width: int,
    height: int,
    first_height: int,
) -> TablePlan:
    """How ``header`` and ``rows`` go on slides of ``height`` (``first_height`` on the first,
    under its intro line)."""
    m = fit.m_body
    grid = ([header] if header else []) + rows
    plan = None
    for size in TABLE_SIZES:
        widths = _widths(fit, grid, ncols, width, size)
        line = m.line_height_pt(size) * EMU_PER_PT

        def row_h(row: list[Cell], bold: bool = False, widths=widths, size=size, line=line):
            lines = max(
                (
                    paragraph_lines(
                        _cell_segments(row[c] if c < len(row) else [], bold),
                        size,
                        widths[c] - 2 * INSET_LR,
                        m,
                    )
                    for c in range(ncols)
                ),
                default=1,
            )
            return int(lines * line) + 2 * INSET_TB

        header_h = row_h(header, True) if header else 0
        pages: list[list] = [[]]
        used, room = header_h, first_height
        for row in rows:
            h = row_h(row)
            if pages[-1] and used + h > room:
                pages.append([])
                used, room = header_h, height
            pages[-1].append((row, h))
            used += h
        plan = TablePlan(size, widths, header_h, pages)
        if len(pages) == 1:
            break
    assert plan is not None
    return plan
