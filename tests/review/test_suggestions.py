"""Suggestions: accepted as an ordinary edit, rejected, refused when the passage changed;
all of one author at once; the deliverables hold none that waits, and no comment."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select

from app.collaboration.models import SectionUpdate
from app.collaboration.services import edit_section, section_text
from app.core import authz
from app.core.errors import BadInput, Conflict
from app.core.transactions import commit
from app.exports.services import group_deliverable
from app.exports.word import group_docx
from app.extensions import db
from app.facilitation.models import AuditEntry
from app.review import comments, suggestions
from app.review.models import Notification, Suggestion
from tests.review.conftest import TEXT, anchor, new_id, passage, suggest


def _suggest(world, quote="coûtent cher", inserted="coûtent très cher", author=None):
    return suggest(world.section, author or world.teammate, quote, inserted)


def test_accepting_applies_the_edit_in_the_accepters_name(world):
    suggestion = _suggest(world)
    before = db.session.scalar(select(SectionUpdate.id).order_by(SectionUpdate.id.desc()))
    suggestions.decide(suggestion, world.author, "accept")
    commit()
    assert section_text(world.section) == TEXT.replace("coûtent cher", "coûtent très cher")
    assert suggestion.status == "accepted" and suggestion.decided_by_id == world.author.id
    edit = db.session.scalar(select(SectionUpdate).where(SectionUpdate.id > before))
    assert edit.user_id == world.author.id  # the accepter made the edit
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "suggestion.accept"))
    assert entry.actor_id == world.author.id and entry.after["author"] == world.teammate.id
    told = db.session.scalar(select(Notification))
    assert (told.user_id, told.kind) == (world.teammate.id, "suggestion_accepted")


def test_a_pure_insertion_and_a_pure_deletion(world):
    at = TEXT.index("Elles")
    where = anchor(world.section, at, 0)
    insertion, _new = suggestions.create_suggestion(
        world.section, world.teammate, uid=new_id(), start=where, inserted="Hélas, "
    )
    deletion = _suggest(world, quote=" d'Internet", inserted="")
    suggestions.decide(insertion, world.author, "accept")
    suggestions.decide(deletion, world.author, "accept")
    commit()
    assert section_text(world.section) == TEXT.replace(" d'Internet", "").replace(
        "Elles", "Hélas, Elles"
    )


def test_rejecting_leaves_the_text_and_tells_the_author(world):
    suggestion = _suggest(world)
    suggestions.decide(suggestion, world.author, "reject")
    commit()
    assert section_text(world.section) == TEXT
    assert suggestion.status == "rejected"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "suggestion.reject"))
    assert db.session.scalar(select(Notification.kind)) == "suggestion_rejected"
    with pytest.raises(Conflict):
        suggestions.decide(suggestion, world.author, "accept")


def test_accept_is_refused_when_the_passage_changed(world):
    suggestion = _suggest(world)
    at = TEXT.index("cher")

    def retouch(ytext) -> None:
        ytext.insert(len(str(ytext)[:at].encode()), "si ")

    edit_section(world.section, retouch, world.author)
    commit()
    changed = section_text(world.section)
    with pytest.raises(Conflict) as refused:
        suggestions.decide(suggestion, world.author, "accept")
    assert refused.value.code == "passage_changed"
    db.session.rollback()
    assert section_text(world.section) == changed
    assert db.session.get(Suggestion, suggestion.id).status == "pending"


def test_a_forged_accept_is_refused_by_the_rule(world):
    suggestion = _suggest(world)
    for who in ("other", "observer", "outsider", "facilitator", "organizer"):
        assert not authz.can(getattr(world, who), "review.decide", suggestion), who
    assert authz.can(world.author, "review.decide", suggestion)


def test_accept_all_of_one_author(world):
    first = _suggest(world, "coûtent cher", "coûtent très cher")
    second = _suggest(world, "privent", "empêchent")
    other = _suggest(world, "leurs cours", "leur école", author=world.author)
    result = suggestions.decide_all(world.section, world.author, world.teammate.id, "accept")
    commit()
    assert result == {"done": [first.uid, second.uid], "skipped": []}
    text = section_text(world.section)
    assert "coûtent très cher" in text and "empêchent" in text and "leurs cours" in text
    assert other.status == "pending"


def test_accept_all_skips_what_an_earlier_one_changed(world):
    first = _suggest(world, "coûtent cher", "coûtent très cher")
    overlapping = _suggest(world, "cher", "bien cher")
    result = suggestions.decide_all(world.section, world.author, world.teammate.id, "accept")
    commit()
    assert result == {"done": [first.uid], "skipped": [overlapping.uid]}
    assert overlapping.status == "pending"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"deleted": "", "inserted": ""}, BadInput),
        ({"inserted": "x" * 5001}, BadInput),
        ({"deleted": "autre chose"}, Conflict),  # not what the passage holds
        ({"uid": "123"}, BadInput),
        ({"end": None, "deleted": "coûtent cher"}, BadInput),  # a passage needs its end
    ],
)
def test_bad_suggestions_are_refused(world, change, error):
    where = passage(world.section, "coûtent cher")
    values = {
        "uid": new_id(),
        "start": where["start"],
        "end": where["end"],
        "deleted": "coûtent cher",
        "inserted": "coûtent peu",
    }
    with pytest.raises(error):
        suggestions.create_suggestion(world.section, world.teammate, **{**values, **change})
    db.session.rollback()
    assert db.session.scalars(select(Suggestion)).all() == []


def test_deliverables_hold_no_comment_and_no_pending_suggestion(world):
    _suggest(world, "coûtent cher", "SUGGESTION-EN-ATTENTE")
    comments.create_comment(
        world.section,
        world.teammate,
        uid=new_id(),
        body="COMMENTAIRE-INTERNE",
        **passage(world.section, "privent"),
    )
    commit()
    assert suggestions.pending_count(world.edition) == 1
    assert suggestions.pending_count(world.edition, world.group) == 1
    document = group_docx(group_deliverable(world.group))
    with zipfile.ZipFile(io.BytesIO(document)) as docx:
        xml = docx.read("word/document.xml").decode()
    assert "coûtent cher" in xml
    assert "SUGGESTION-EN-ATTENTE" not in xml and "COMMENTAIRE-INTERNE" not in xml
