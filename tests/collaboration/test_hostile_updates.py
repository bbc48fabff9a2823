"""Hostile Yjs bytes are refused in pure Python before they reach yrs; a bad stored row
never makes a section unreadable; a client id belongs to its user."""

from __future__ import annotations

import threading

import pytest
from pycrdt import Doc, Text
from sqlalchemy import insert

from app.collaboration import live_editor, services, store, sync
from app.collaboration.models import SectionUpdate
from app.collaboration.yupdate import MAX_CLOCK, MAX_DEPTH, UpdateFormatError, parse_update
from app.core.errors import BadInput, Forbidden
from app.core.transactions import commit
from app.extensions import db
from tests.collaboration.hostile import (
    any_item,
    nested_array,
    string_item,
    typed,
    update,
)


@pytest.fixture
def intro(demo):
    return services.resolve_section("malisig-2023/gouvernement/introduction")


@pytest.fixture
def members(demo):
    return demo.users["gouvernement1@demo.palabre"], demo.users["gouvernement2@demo.palabre"]


def test_values_nested_past_the_bound_are_refused_without_recursion():
    hostile = update(7, 0, any_item(nested_array(100_000)))
    with pytest.raises(UpdateFormatError, match="nested too deep"):
        parse_update(hostile)


def test_values_nested_within_the_bound_are_read():
    assert parse_update(update(7, 0, any_item(nested_array(MAX_DEPTH - 1)))).kinds == {8}


def test_a_clock_past_what_yrs_keeps_is_refused():
    with pytest.raises(UpdateFormatError, match="clock"):
        parse_update(update(7, 2**40, string_item("abc")))


def test_a_clock_near_2_63_is_refused():
    with pytest.raises(UpdateFormatError):
        parse_update(update(7, 2**63 - 5, string_item("abc")))


def test_a_clock_that_overflows_with_its_length_is_refused():
    with pytest.raises(UpdateFormatError, match="clock"):
        parse_update(update(7, MAX_CLOCK - 1, string_item("abc")))


def test_a_client_id_past_what_javascript_counts_is_refused():
    with pytest.raises(UpdateFormatError, match="client"):
        parse_update(update(2**54, 0, string_item("abc")))


def test_a_varint_longer_than_eight_bytes_is_refused():
    with pytest.raises(UpdateFormatError, match="varint"):
        parse_update(b"\x01\x01" + b"\xff" * 12 + b"\x01")


def test_a_section_update_holds_only_text_of_its_markdown_root():
    with pytest.raises(BadInput):
        sync.parse_section_update(update(7, 0, string_item("abc", root="autre")))


def test_a_section_update_holds_no_other_content():
    with pytest.raises(BadInput):
        sync.parse_section_update(update(7, 0, any_item(nested_array(3))))


def test_an_update_missing_what_it_builds_on_asks_for_a_resync(intro):
    _first, second = typed("Les coupures ", "coûtent cher.")
    live = live_editor.documents().get(intro.id)
    with pytest.raises(sync.Resync):
        sync.check_update(live, second, sync.parse_section_update(second))
    assert live.text() == ""


def test_an_update_deleting_what_the_server_lacks_asks_for_a_resync(intro):
    doc = Doc()
    (_first,) = typed("à effacer", doc=doc)
    before = doc.get_state()
    del doc.get("markdown", type=Text)[0:3]
    deletion = doc.get_update(before)
    live = live_editor.documents().get(intro.id)
    with pytest.raises(sync.Resync):
        sync.check_update(live, deletion, sync.parse_section_update(deletion))


def test_an_update_that_fits_is_proven_on_a_copy_not_applied(intro):
    (first,) = typed("Été à Bamako.")
    live = live_editor.documents().get(intro.id)
    sync.check_update(live, first, sync.parse_section_update(first))
    assert live.text() == ""


def _store_raw(section_id: int, data: bytes) -> int:
    row_id = store.append(section_id, data, None)
    commit()
    return row_id


def test_a_bad_stored_row_is_set_aside_and_the_rest_served(intro):
    good = typed("Première phrase. ")[0]
    _store_raw(intro.id, good)
    bad_id = _store_raw(intro.id, update(7, 2**63 - 5, string_item("abc")))
    other = typed("Seconde phrase.")[0]
    _store_raw(intro.id, other)
    live = sync.Documents(store.HOOKS).get(intro.id)  # as a fresh process would load it
    commit()
    assert "Première phrase." in live.text() and "Seconde phrase." in live.text()
    assert [row.id for row in store.quarantined([intro.id])] == [bad_id]


def test_a_row_set_aside_is_kept_in_the_database(intro):
    bad = update(7, 0, any_item(nested_array(100_000)))
    bad_id = _store_raw(intro.id, bad)
    sync.Documents(store.HOOKS).get(intro.id)
    commit()
    assert db.session.get(SectionUpdate, bad_id).data == bad


def test_a_row_set_aside_is_neither_compacted_nor_deleted(intro):
    bad_id = _store_raw(intro.id, update(7, 0, any_item(nested_array(100_000))))
    live = sync.Documents(store.HOOKS).get(intro.id)
    store.compact(intro.id, live.state(), version=live.version)
    commit()
    assert db.session.get(SectionUpdate, bad_id) is not None


def test_organizers_see_the_updates_set_aside(app, demo, intro, client_for):
    _store_raw(intro.id, update(7, 2**63 - 5, string_item("abc")))
    sync.Documents(store.HOOKS).get(intro.id)
    commit()
    organizer = demo.users["organisateur@demo.palabre"]
    page = client_for(organizer).get("/editions/malisig-2023/manage/set-aside")
    assert page.status_code == 200
    assert "malisig-2023/gouvernement/introduction" in page.get_data(as_text=True)


def test_a_row_whose_id_is_below_the_snapshot_is_still_loaded(intro):
    # What the old schema produced: a row compacted away, then its id handed out again.
    services.accept_update(intro, typed("Avant. ")[0], None)
    commit()
    live = live_editor.documents().get(intro.id)
    store.compact(intro.id, live.state(), version=live.version)
    commit()
    late = typed("Après la compaction.")[0]
    db.session.execute(
        insert(SectionUpdate.__table__).values(
            id=1, section_id=intro.id, data=late, user_id=None, created_at=store.utcnow()
        )
    )
    commit()
    assert "Après la compaction." in sync.Documents(store.HOOKS).get(intro.id).text()


def test_an_update_with_another_members_client_id_is_refused(intro, members):
    awa, ibrahim = members
    doc = Doc()
    first, second = typed("Écrit par Awa. ", "Et par Ibrahim ?", doc=doc)
    services.accept_update(intro, first, awa.id)
    commit()
    with pytest.raises(Forbidden):
        services.accept_update(intro, second, ibrahim.id)


def test_a_member_writes_on_with_their_own_client_id(intro, members):
    awa, _ = members
    first, second = typed("Écrit par Awa. ", "Encore elle.", doc=Doc())
    services.accept_update(intro, first, awa.id)
    commit()
    services.accept_update(intro, second, awa.id)
    commit()
    assert services.section_text(intro) == "Écrit par Awa. Encore elle."


def test_relaying_what_another_member_wrote_is_not_forging(intro, members):
    awa, ibrahim = members
    (first,) = typed("Écrit par Awa.", doc=Doc())
    services.accept_update(intro, first, awa.id)
    commit()
    services.accept_update(intro, first, ibrahim.id)  # a step 2 carrying it again
    commit()
    assert services.authorship(intro) == {awa.id: len("Écrit par Awa.")}


def test_concurrent_writers_and_compactions_lose_no_row(app, intro, monkeypatch):
    monkeypatch.setattr(store, "COMPACT_AFTER_UPDATES", 7)
    section_id = intro.id
    errors: list[BaseException] = []

    def write(name: str) -> None:
        with app.app_context():
            try:
                doc = Doc()
                for n in range(40):
                    (data,) = typed(f"{{{name}.{n}}}", doc=doc)
                    section = services.resolve_section("malisig-2023/gouvernement/introduction")
                    services.accept_update(section, data, None)
                    commit()
            except BaseException as error:
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=write, args=(name,)) for name in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    text = sync.Documents(store.HOOKS).get(section_id).text()
    expected = {f"{{{name}.{n}}}" for name in "abc" for n in range(40)}
    assert {marker for marker in expected if marker not in text} == set()
    assert store.snapshot(section_id).version >= 1  # compactions did run meanwhile
