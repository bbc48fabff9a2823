"""Text items in a row that yrs squashes into one as it applies them are bounded: it copies
the text gathered so far at each step and keeps that memory (20,000 one-letter items in a
123 KB message: +243 MB), so one message could exhaust a school's laptop."""

from __future__ import annotations

import pytest
from pycrdt import Doc

from app.collaboration import sync
from app.collaboration.yupdate import MAX_RUN, parse_update
from app.core.errors import BadInput
from tests.collaboration.hostile import string_after, string_item, typed, update

CLIENT = 99


def chain(count: int) -> bytes:
    """``count`` one-letter items, each written right after the one before."""
    rest = [string_after("b", (CLIENT, i)) for i in range(count - 1)]
    return update(CLIENT, 0, string_item("a"), *rest)


def test_a_long_run_of_items_that_squash_is_refused():
    with pytest.raises(BadInput, match="in a row"):
        sync.parse_section_update(chain(20_000))


def test_a_run_within_the_bound_is_read():
    assert sync.parse_section_update(chain(MAX_RUN)).longest_run == MAX_RUN


def test_items_that_do_not_follow_each_other_are_not_a_run():
    # Each written before the first: yrs cannot squash them.
    rest = [string_after("b", (CLIENT, 0)) for _ in range(MAX_RUN * 4)]
    assert parse_update(update(CLIENT, 0, string_item("a"), *rest)).longest_run == 2


def test_what_an_editor_sends_after_a_day_of_typing_has_no_run():
    doc = Doc(client_id=CLIENT)
    before = doc.get_state()
    typed(*[f"mot {n} " for n in range(500)], doc=doc)
    assert parse_update(doc.get_update(before)).longest_run == 1
