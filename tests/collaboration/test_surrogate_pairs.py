"""No update may cut a character outside the BMP in two: yrs would cut the UTF-16 units of
its item at one place and its UTF-8 text at another, and the clients that receive such an
update then write structs that never integrate (their copies diverge for good)."""

from __future__ import annotations

import pytest
from pycrdt import Doc

from app.collaboration import live_editor, services, store, sync
from app.core.errors import BadInput
from app.core.transactions import commit
from tests.collaboration.hostile import deletes, string_after, string_item, typed, update

AUTHOR = 424_242  # the client id of the member who typed the emoji
HOSTILE = 777


@pytest.fixture
def intro(demo):
    return services.resolve_section("malisig-2023/gouvernement/introduction")


@pytest.fixture
def stored(intro):
    """ "a😀b" stored by AUTHOR (clocks: a 0, 😀 1 and 2, b 3), then loaded as a fresh
    process would: the pair is known from the database, not from a check."""
    (first,) = typed("a😀b", doc=Doc(client_id=AUTHOR))
    services.accept_update(intro, first, None)
    commit()
    return sync.Documents(store.HOOKS).get(intro.id)


def check(live: sync.LiveDoc, data: bytes) -> None:
    sync.check_update(live, data, sync.parse_section_update(data))


def test_an_insert_inside_a_pair_of_its_own_text_is_refused(intro):
    hostile = update(HOSTILE, 0, string_item("a😀"), string_after("|", (HOSTILE, 1)))
    with pytest.raises(BadInput, match="surrogate pair"):
        check(live_editor.documents().get(intro.id), hostile)


def test_an_insert_after_the_first_half_of_a_stored_pair_is_refused(stored):
    with pytest.raises(BadInput, match="surrogate pair"):
        check(stored, update(HOSTILE, 0, string_after("|", (AUTHOR, 1))))


def test_an_insert_before_the_second_half_of_a_stored_pair_is_refused(stored):
    hostile = update(HOSTILE, 0, string_after("|", (AUTHOR, 0), right=(AUTHOR, 2)))
    with pytest.raises(BadInput, match="surrogate pair"):
        check(stored, hostile)


def test_deleting_half_of_a_stored_pair_is_refused(stored):
    with pytest.raises(BadInput, match="surrogate pair"):
        check(stored, b"\x00" + deletes(AUTHOR, (2, 2)))


def test_an_insert_right_after_a_whole_pair_is_accepted(stored):
    check(stored, update(HOSTILE, 0, string_after("|", (AUTHOR, 2), right=(AUTHOR, 3))))


def test_deleting_a_whole_pair_is_accepted(stored):
    check(stored, b"\x00" + deletes(AUTHOR, (1, 2)))


def test_an_editor_typing_around_emoji_is_accepted(intro):
    doc = Doc(client_id=AUTHOR)
    for data in typed("😀", "👩‍👩‍👧 ", "fin 😀", doc=doc):
        services.accept_update(intro, data, None)
        commit()
    assert sync.Documents(store.HOOKS).get(intro.id).text() == "😀👩‍👩‍👧 fin 😀"
