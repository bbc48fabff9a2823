"""Comments: threads, replies, resolve and reopen, mentions, moderation, and the passage
they stick to as the text changes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.collaboration.services import edit_section, section_text
from app.core.errors import BadInput, Conflict
from app.core.transactions import commit
from app.extensions import db
from app.facilitation.models import AuditEntry
from app.review import comments
from app.review.models import Comment, Notification
from tests.review.conftest import anchor, new_id, passage


def _comment(world, author=None, quote="coûtent cher", body="Quelle source ?", **more):
    created, _new = comments.create_comment(
        world.section,
        author or world.teammate,
        uid=more.pop("uid", None) or new_id(),
        body=body,
        **{**passage(world.section, quote), **more},
    )
    commit()
    return created


def _thread(world, viewer=None):
    return comments.threads(world.section, viewer or world.author)[0]


def _count(model) -> int:
    return len(db.session.scalars(select(model)).all())


def test_a_comment_sticks_to_its_passage(world):
    comment = _comment(world)
    thread = _thread(world)
    start, end = thread["range"]
    assert section_text(world.section)[start:end] == "coûtent cher"
    assert thread["quote"] == "coûtent cher" and thread["passage"] == "present"
    assert thread["author"]["name"] == "Awa" and thread["badge"] is False
    assert comment.group.slug == "gouvernement"


def test_the_anchor_follows_the_text_edited_before_the_passage(world):
    _comment(world)
    edit_section(world.section, lambda text: text.insert(0, "Préambule : été. "), world.author)
    commit()
    start, end = _thread(world)["range"]
    assert section_text(world.section)[start:end] == "coûtent cher"


def test_a_comment_whose_passage_was_deleted_says_so(world):
    _comment(world)
    text = section_text(world.section)
    at = text.index("coûtent cher")

    def cut(ytext) -> None:
        current = str(ytext)
        del ytext[len(current[:at].encode()) : len(current[: at + 12].encode())]

    edit_section(world.section, cut, world.author)
    commit()
    thread = _thread(world)
    assert (thread["passage"], thread["range"]) == ("deleted", None)
    assert thread["quote"] == "coûtent cher"  # still shown, as « passage supprimé »


def test_a_replayed_comment_is_the_same_comment(world):
    uid = new_id()
    first = _comment(world, uid=uid)
    again, created = comments.create_comment(
        world.section,
        world.teammate,
        uid=uid,
        body="Quelle source ?",
        **passage(world.section, "coûtent cher"),
    )
    assert (again.id, created) == (first.id, False)
    with pytest.raises(Conflict):
        comments.create_comment(
            world.section,
            world.author,
            uid=uid,
            body="Autre",
            **passage(world.section, "coûtent cher"),
        )
    assert _count(Comment) == 1


def test_a_reply_tells_the_thread_and_a_mention_tells_the_member(world):
    root = _comment(world)  # by Awa
    answer, _new = comments.reply(root, world.facilitator, uid=new_id(), body="Voir l'ISOC.")
    commit()
    assert [r["body"] for r in _thread(world)["replies"]] == ["Voir l'ISOC."]
    kinds = {(n.user_id, n.kind) for n in db.session.scalars(select(Notification))}
    assert kinds == {(world.teammate.id, "reply")}
    comments.reply(root, world.teammate, uid=new_id(), body="Merci @Awa Traoré et @Fanta Coach")
    commit()
    kinds = {(n.user_id, n.kind) for n in db.session.scalars(select(Notification))}
    assert (world.author.id, "mention") in kinds
    assert (world.facilitator.id, "mention") in kinds  # mentioned: not told twice
    assert (world.facilitator.id, "reply") not in kinds
    assert answer.parent_id == root.id


def test_the_longest_name_is_the_one_mentioned(world):
    comment = _comment(world, body="@Awa Traoré, tu as vu ?")
    assert comment.mentions == [world.author.id]  # not "Awa", the teammate


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("Demande à @Zoé Dehors", "not a member"),  # outside the edition
        ("Demande à @Personne", "not a member"),
        ("Demande à @Paul Public", "cannot read"),  # an observer never reads comments
        ("Demande à @Moussa Keïta", "cannot read"),  # the other group, in "Rédaction"
    ],
)
def test_a_mention_of_someone_who_cannot_hear_it_is_refused(world, body, why):
    with pytest.raises(BadInput, match=why):
        _comment(world, body=body)
    db.session.rollback()
    assert _count(Comment) == 0 and _count(Notification) == 0


def test_an_email_address_is_not_a_mention(world):
    assert _comment(world, body="Écrire à contact@isoc.ml").mentions == []


def test_resolve_and_reopen(world):
    root = _comment(world)
    comments.set_resolved(root, world.author, True)
    comments.set_resolved(root, world.author, True)  # a replay changes nothing
    commit()
    assert _thread(world)["resolved"]["by"]["name"] == "Awa Traoré"
    comments.set_resolved(root, world.teammate, False)
    commit()
    assert _thread(world)["resolved"] is None


def test_a_facilitator_hides_a_comment_with_a_reason_audited(world):
    root = _comment(world, body="Hors sujet total")
    with pytest.raises(BadInput):
        comments.moderate(root, world.facilitator, "hide", "  ")
    comments.moderate(root, world.facilitator, "hide", "Propos blessants")
    commit()
    seen = _thread(world, world.author)
    assert seen["hidden"] and seen["body"] == "" and seen["hidden_reason"] == "Propos blessants"
    assert _thread(world, world.facilitator)["body"] == "Hors sujet total"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "comment.hide"))
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        world.facilitator.id,
        "comment",
        root.id,
    )
    assert entry.reason == "Propos blessants"
    with pytest.raises(Conflict):
        comments.reply(root, world.author, uid=new_id(), body="Pourquoi ?")
    comments.moderate(root, world.facilitator, "restore")
    commit()
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "comment.restore"))
    assert _thread(world)["body"] == "Hors sujet total"


def test_hostile_markdown_is_shown_not_run(world):
    body = '<script>alert(1)</script> [lien](javascript:alert(2)) <img src=x onerror="alert(3)">'
    _comment(world, body=body)
    html = _thread(world)["html"]
    assert "<script" not in html and "<img" not in html and "href" not in html
    assert "&lt;script&gt;" in html  # shown as text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"body": "   "}, "empty"),
        ({"body": "x" * 2001}, "2,000"),
        ({"quote": ""}, "Select the passage"),
        ({"uid": "not-a-uuid"}, "UUID"),
        ({"start": "%%%"}, "cannot be read"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_kept(world, change, message):
    with pytest.raises(BadInput, match=message):
        _comment(world, **change)
    db.session.rollback()
    assert _count(Comment) == 0


def test_a_range_the_section_does_not_have_is_refused(world):
    from app.review.anchors import Anchor, to_text

    beyond = to_text(Anchor(client=424242, clock=3, assoc=0))
    with pytest.raises(BadInput, match="not in the section"):
        _comment(world, start=beyond)
    inverted = {
        "start": anchor(world.section, 20, 0),
        "end": anchor(world.section, 5, -1),
    }
    with pytest.raises(BadInput, match="Select the passage"):
        _comment(world, **inverted)
    db.session.rollback()
    assert _count(Comment) == 0
