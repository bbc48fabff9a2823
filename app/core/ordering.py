"""Rows kept in order by a ``position`` column (questions, phases, a paper's sections)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.extensions import db


def renumber(rows: Sequence, *, start: int = 1, key: Callable[[int], str] | None = None) -> None:
    """Number ``rows`` ``start``, ``start + 1``… in list order (and name each row
    ``key(position)``, if given).

    Two flushes, through negative positions (and temporary keys) first: a unique
    (parent, position) or (parent, key) constraint is checked row by row, so swapping two
    neighbours in one flush would see a duplicate."""
    for index, row in enumerate(rows):
        row.position = -index - 1
        if key is not None:
            row.key = f"tmp-{index}"
        db.session.add(row)
    db.session.flush()
    for position, row in enumerate(rows, start=start):
        row.position = position
        if key is not None:
            row.key = key(position)
    db.session.flush()
