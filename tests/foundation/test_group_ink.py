"""A group badge writes its name in the ink that reads on the group's colour (WCAG AA)."""

from __future__ import annotations

import pytest

from app.core.templating import readable_ink


@pytest.mark.parametrize("colour", ["#1f5f8b", "#2e7d32", "#a85d1c", "#546e7a"])
def test_white_stays_on_the_palette_s_dark_colours(colour):
    assert readable_ink(colour) == "#fff"


@pytest.mark.parametrize("colour", ["#b5651d", "#f2c14e", "#ffffff"])
def test_black_is_written_where_white_would_not_read(colour):
    assert readable_ink(colour) == "#000"


def test_a_colour_that_is_not_rrggbb_keeps_white():
    assert readable_ink("not-a-colour") == "#fff"
