"""The live editor's services, used by the debate, the dashboard and the exports."""

import pytest

from app.collaboration import live_editor, services, store, sync
from app.collaboration.services import paper_of
from app.core.errors import BadInput, NotFound
from app.core.transactions import commit
from tests.collaboration.conftest import wait_until
from tests.collaboration.hostile import typed


@pytest.fixture
def intro(demo):
    return paper_of(demo.groups[0]).sections[0]


@pytest.fixture
def author(demo):
    return demo.users["gouvernement1@demo.palabre"]


def test_a_section_is_found_by_its_address(demo, intro):
    assert services.resolve_section("malisig-2023/gouvernement/introduction") == intro
    assert services.section_address(intro) == "malisig-2023/gouvernement/introduction"


@pytest.mark.parametrize(
    "address", ["", "malisig-2023/gouvernement", "malisig-2023/gouvernement/q0", "A/b/q1"]
)
def test_a_malformed_address_is_bad_input(demo, address):
    with pytest.raises(BadInput):
        services.resolve_section(address)


@pytest.mark.parametrize(
    "address",
    ["malisig-2023/gouvernement/q1\n", "malisig-2023/gouvernement/introduction\n", "\n"],
)
def test_an_address_with_a_trailing_newline_is_bad_input(demo, address):
    services.resolve_section(address.rstrip("\n") or "malisig-2023/gouvernement/q1")  # exists
    with pytest.raises(BadInput):
        services.resolve_section(address)


def test_an_unknown_section_is_not_found(demo):
    with pytest.raises(NotFound):
        services.resolve_section("malisig-2023/gouvernement/q9")


def test_appended_markdown_becomes_a_paragraph_of_its_own(intro, author):
    services.append_to_section(intro, "Premier paragraphe.", author)
    services.append_to_section(intro, "Second, avec des accents : été, « guillemets ».", author)
    commit()
    assert services.section_text(intro) == (
        "Premier paragraphe.\n\nSecond, avec des accents : été, « guillemets »."
    )


def test_appended_text_reaches_a_connected_editor(demo, intro, author, editor_for):
    editor = editor_for(demo.users["gouvernement2@demo.palabre"])
    services.append_to_section(intro, "Inséré depuis le débat.", author)
    commit()
    assert wait_until(lambda: editor.value() == "Inséré depuis le débat.")


def test_nothing_is_relayed_when_the_transaction_rolls_back(demo, intro, author, editor_for):
    from app.extensions import db

    editor = editor_for(demo.users["gouvernement2@demo.palabre"])
    services.append_to_section(intro, "Annulé.", author)
    db.session.rollback()
    editor.type(None, "Seul texte.")
    assert services.section_text(intro) == "Seul texte."


def test_authorship_counts_what_each_member_wrote_and_kept(demo, intro, editor_for):
    fatoumata = editor_for(demo.users["gouvernement1@demo.palabre"])
    ibrahim = editor_for(demo.users["gouvernement2@demo.palabre"])
    fatoumata.type(None, "Été 2023 : ")
    assert wait_until(lambda: ibrahim.value() == "Été 2023 : ")
    ibrahim.type(None, "coupures")
    counts = services.authorship(intro)
    assert counts == {
        demo.users["gouvernement1@demo.palabre"].id: len("Été 2023 : "),
        demo.users["gouvernement2@demo.palabre"].id: len("coupures"),
    }


def test_restoring_a_checkpoint_brings_back_its_text_as_a_new_edit(intro, author):
    services.append_to_section(intro, "Version « été » 😀 première.", author)
    commit()
    checkpoint = services.create_checkpoint(intro, author, name="v1")
    services.append_to_section(intro, "Ajout regretté, déjà.", author)
    commit()
    services.restore_checkpoint(intro, checkpoint, author)
    commit()
    assert services.section_text(intro) == "Version « été » 😀 première."
    assert len(services.checkpoints(intro)) >= 2


def test_a_checkpoint_is_taken_automatically_on_the_first_edit(intro, author):
    services.append_to_section(intro, "Début.", author)
    commit()
    assert [c.automatic for c in services.checkpoints(intro)] == [True]


def test_compaction_keeps_storage_close_to_the_document(app, intro, editor_for, demo):
    # 260 updates as fast as the acknowledgements come: past a typist's budget on purpose.
    app.config["SOCKET_BUDGETS"] = {**app.config["SOCKET_BUDGETS"], "/collab:sync": (1e9, 1e9)}
    editor = editor_for(demo.users["gouvernement1@demo.palabre"])
    for n in range(260):
        assert editor.type(None, f"mot{n} ")["ok"]
    state = live_editor.documents().get(intro.id).state()
    assert store.log_size(intro.id)[0] < store.COMPACT_AFTER_UPDATES
    assert store.stored_bytes(intro.id) <= 2 * len(state) + 200 * 60
    assert services.section_text(intro).endswith("mot259 ")


def test_a_second_process_view_catches_up_from_the_database(app, intro, author):
    services.append_to_section(intro, "Écrit par le processus A.", author)
    commit()
    other_process = sync.Documents(store.HOOKS)
    assert other_process.get(intro.id).text() == "Écrit par le processus A."


def test_compaction_merges_every_row_it_deletes(intro):
    from pycrdt import Doc, Text

    for update in typed("Été ", "à ", "Bamako."):
        store.append(intro.id, update, None)
    commit()
    # A live document that applied none of them (another writer committed them).
    store.compact(intro.id, Doc().get_update(), version=None)
    commit()
    merged = Doc()
    merged.apply_update(store.snapshot(intro.id).data)
    assert str(merged.get("markdown", type=Text)) == "Été à Bamako."
    assert store.log_size(intro.id) == (0, 0)


def test_row_ids_are_never_reused_after_a_compaction(intro):
    from pycrdt import Doc

    ids = [store.append(intro.id, update, None) for update in typed("un ", "deux ")]
    store.compact(intro.id, Doc().get_update(), version=None)
    commit()
    assert store.append(intro.id, typed("trois")[0], None) > ids[-1]


def test_compaction_applies_again_only_the_rows_the_document_lacks(intro):
    from pycrdt import Doc, Text

    updates = typed("Été ", "à ", "Bamako.")
    ids = [store.append(intro.id, update, None) for update in updates]
    commit()
    live = Doc()  # a live document that applied the first two rows only
    for update in updates[:2]:
        live.apply_update(update)
    compacted = store.compact(intro.id, live.get_update(), version=None, included=set(ids[:2]))
    commit()
    assert compacted.unapplied == [updates[2]]
    merged = Doc()
    merged.apply_update(store.snapshot(intro.id).data)
    assert str(merged.get("markdown", type=Text)) == "Été à Bamako."
    assert compacted.snapshot_bytes + store.log_size(intro.id)[1] == store.stored_bytes(intro.id)
