from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core import authz
from app.core.errors import BadInput, Conflict, Forbidden
from app.core.transactions import commit
from app.deliberation.arguments import add_argument, delete_argument, edit_argument, revisions
from app.deliberation.marks import set_mark
from app.deliberation.models import Argument, Mark
from app.deliberation.moderation import (
    close_report,
    hide,
    merge,
    moderate,
    open_reports,
    report,
    restore,
    toggle,
)
from app.deliberation.paper import insert_into_paper
from app.deliberation.sources import add_source, citing_arguments
from app.deliberation.stats import debate_stats
from app.deliberation.threads import thread
from app.exports.services import export_debate
from app.extensions import db
from app.facilitation.models import AuditEntry


def _audit(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_a_thesis_answers_a_question_and_records_the_authors_group(claim, demo):
    assert claim.parent_id is None
    assert claim.group_id == demo.groups[0].id


def test_a_reply_belongs_to_its_parents_question(reply, claim):
    assert reply.question_id == claim.question_id


def test_replies_nest_to_any_depth(demo, reply, users):
    deeper = add_argument(
        demo,
        users["gouvernement2@demo.palabre"],
        question=None,
        kind="rebut",
        parent=reply,
        text="La loi prévoit un contrôle du juge.",
    )
    again = add_argument(
        demo,
        users["prive1@demo.palabre"],
        question=None,
        kind="question",
        parent=deeper,
        text="Quel juge ?",
    )
    assert again.parent_id == deeper.id


@pytest.mark.parametrize("text", ["", "   ", "x" * 20_000])
def test_an_empty_or_huge_argument_is_refused(demo, q1, users, text):
    with pytest.raises(BadInput):
        add_argument(demo, users["prive1@demo.palabre"], question=q1, kind="claim", text=text)


def test_an_unknown_kind_is_refused(demo, q1, users):
    with pytest.raises(BadInput):
        add_argument(demo, users["prive1@demo.palabre"], question=q1, kind="insult", text="Texte")


def test_a_thesis_cannot_answer_another_argument(demo, q1, claim, users):
    with pytest.raises(BadInput):
        add_argument(
            demo,
            users["prive1@demo.palabre"],
            question=q1,
            kind="claim",
            parent=claim,
            text="Texte",
        )


def test_a_rebuttal_answers_only_a_reply_for_or_against(demo, claim, users):
    with pytest.raises(BadInput):
        add_argument(
            demo,
            users["prive1@demo.palabre"],
            question=None,
            kind="rebut",
            parent=claim,
            text="Texte",
        )


def test_a_reply_to_a_hidden_argument_is_refused(demo, claim, users):
    hide(claim, users["facilitateur@demo.palabre"], "hors sujet")
    with pytest.raises(Conflict):
        add_argument(
            demo,
            users["prive1@demo.palabre"],
            question=None,
            kind="support",
            parent=claim,
            text="Texte",
        )


def test_a_closed_thread_refuses_replies_at_any_depth(demo, claim, reply, users):
    toggle(claim, users["facilitateur@demo.palabre"], "locked")
    with pytest.raises(Conflict):
        add_argument(
            demo,
            users["prive1@demo.palabre"],
            question=None,
            kind="rebut",
            parent=reply,
            text="Texte",
        )


def test_citing_another_editions_source_is_refused(demo, q1, users, create_edition):
    other = create_edition("autre-ecole")
    foreign = add_source(other, None, title="Ailleurs")
    with pytest.raises(BadInput):
        add_argument(
            demo,
            users["prive1@demo.palabre"],
            question=q1,
            kind="claim",
            text="Texte",
            cited=[(foreign.id, "", "")],
        )


def test_a_source_shows_every_argument_citing_it(demo, q1, users):
    source = add_source(demo, users["prive1@demo.palabre"], title="Rapport", year=2023)
    argument = add_argument(
        demo,
        users["prive1@demo.palabre"],
        question=q1,
        kind="claim",
        text="Texte",
        cited=[(source.id, "12", "")],
    )
    assert citing_arguments(source) == [argument]
    assert argument.citations[0].page == "12"


def test_a_source_link_must_be_http(demo, users):
    with pytest.raises(BadInput):
        add_source(demo, users["prive1@demo.palabre"], title="X", url="javascript:alert(1)")


def test_a_member_marks_once_and_may_change_their_mind(claim, users):
    voter = users["prive1@demo.palabre"]
    set_mark(claim, voter, 1)
    set_mark(claim, voter, -1)
    marks = db.session.scalars(select(Mark).where(Mark.argument_id == claim.id)).all()
    assert [m.value for m in marks] == [-1]


def test_nobody_marks_their_own_argument(claim, users):
    with pytest.raises(Forbidden):
        set_mark(claim, users["gouvernement1@demo.palabre"], 1)


def test_the_thread_sorts_by_balance(demo, q1, claim, users):
    other = add_argument(
        demo, users["prive1@demo.palabre"], question=q1, kind="claim", text="Autre thèse"
    )
    set_mark(other, users["societe1@demo.palabre"], 1)
    roots = thread(q1, sort="balance")
    assert roots[0].argument == other


def test_the_unanswered_filter_keeps_arguments_without_replies(q1, claim, reply):
    kept = [n.argument for root in thread(q1, unanswered=True) for n in root.walk()]
    assert reply in kept
    assert all(a.id != claim.id or a.id == reply.parent_id for a in kept)


def test_editing_keeps_the_previous_text(claim, users):
    edit_argument(claim, users["gouvernement1@demo.palabre"], "Nouveau texte.")
    assert [r.text for r in revisions(claim)] == [
        "La coupure est **légale** si une loi la prévoit."
    ]


def test_the_author_may_edit_only_for_thirty_minutes(claim, users):
    author = users["gouvernement1@demo.palabre"]
    assert authz.can(author, "debate.edit", claim)
    claim.created_at = claim.created_at - timedelta(minutes=31)
    assert not authz.can(author, "debate.edit", claim)


def test_deleting_an_answered_argument_leaves_a_placeholder(claim, reply):
    delete_argument(claim)
    assert claim.deleted is True


def test_deleting_an_unanswered_argument_removes_it(claim):
    claim_id = claim.id
    delete_argument(claim)
    commit()
    assert db.session.get(Argument, claim_id) is None


def test_hiding_needs_a_reason_and_is_audited(claim, users):
    with pytest.raises(BadInput):
        hide(claim, users["facilitateur@demo.palabre"], "")
    hide(claim, users["facilitateur@demo.palabre"], "propos blessants")
    assert _audit("argument.hide")[0].reason == "propos blessants"


def test_hiding_a_hidden_argument_is_refused(claim, users):
    hide(claim, users["facilitateur@demo.palabre"], "hors sujet")
    with pytest.raises(Conflict):
        hide(claim, users["facilitateur@demo.palabre"], "encore")


def test_restoring_is_audited(claim, users):
    hide(claim, users["facilitateur@demo.palabre"], "hors sujet")
    restore(claim, users["facilitateur@demo.palabre"], "erreur")
    assert claim.hidden is False
    assert _audit("argument.restore")[0].before["reason"] == "hors sujet"


def test_pinning_is_audited(claim, users):
    toggle(claim, users["facilitateur@demo.palabre"], "pinned")
    assert claim.pinned and _audit("argument.pin")[0].after == {"pinned": True}


def test_a_moderator_edit_is_marked_and_audited(claim, users):
    edit_argument(claim, users["facilitateur@demo.palabre"], "Texte corrigé.", moderator=True)
    assert claim.moderated_edit is True
    assert _audit("argument.moderator_edit")[0].after == {"text": "Texte corrigé."}


def test_merging_moves_replies_and_marks(demo, q1, claim, reply, users):
    duplicate = add_argument(
        demo, users["prive1@demo.palabre"], question=q1, kind="claim", text="Même thèse."
    )
    answer = add_argument(
        demo,
        users["societe2@demo.palabre"],
        question=None,
        kind="support",
        parent=duplicate,
        text="D'accord.",
    )
    set_mark(duplicate, users["societe2@demo.palabre"], 1)
    merge(duplicate, claim, users["facilitateur@demo.palabre"], "doublon")
    assert answer.parent_id == claim.id
    assert db.session.scalar(select(Mark.argument_id)) == claim.id
    assert _audit("argument.merge")[0].after == {"merged_into": claim.id}


def test_merging_into_itself_or_across_questions_is_refused(demo, claim, users):
    other = add_argument(
        demo, users["prive1@demo.palabre"], question=demo.questions[1], kind="claim", text="Q2"
    )
    moderator = users["facilitateur@demo.palabre"]
    with pytest.raises(BadInput):
        merge(claim, claim, moderator)
    with pytest.raises(BadInput):
        merge(claim, other, moderator)
    assert claim.merged_into_id is None


def test_inserting_an_argument_puts_its_text_and_a_footnote_in_the_paper(demo, q1, users):
    from app.collaboration.services import paper_of, section_text

    source = add_source(demo, None, title="Rapport ISOC", author="ISOC", year=2022)
    argument = add_argument(
        demo,
        users["gouvernement1@demo.palabre"],
        question=q1,
        kind="claim",
        text="Les coupures coûtent cher.",
        cited=[(source.id, "4", "")],
    )
    section = paper_of(demo.groups[0]).sections[1]
    insert_into_paper(argument, section, users["gouvernement1@demo.palabre"])
    commit()
    text = section_text(section)
    assert f"Les coupures coûtent cher.[^arg{argument.id}]" in text
    assert f"[^arg{argument.id}]: Rapport ISOC, ISOC, 2022, p. 4" in text


def test_an_argument_goes_only_into_its_own_groups_paper(demo, claim, users):
    from app.collaboration.services import paper_of

    with pytest.raises(Forbidden):
        insert_into_paper(claim, paper_of(demo.groups[1]).sections[0], users["prive1@demo.palabre"])


def test_debate_stats_count_crossing_replies_and_unanswered_objections(demo, reply):
    stats = debate_stats(demo)
    assert stats["unanswered_objections"]["gouvernement"] >= 1
    assert 0 < stats["cross_group_reply_share"] <= 1


def test_export_debate_gives_the_groups_arguments_with_their_replies(demo, claim, reply):
    _sources, arguments = export_debate(demo, demo.groups[0])
    exported = next(a for a in arguments if a.id == claim.id)
    assert [c.id for c in exported.children] == [reply.id]


def _ids(arguments) -> list[int]:
    return [i for a in arguments for i in (a.id, *_ids(a.children))]


def test_a_groups_reply_to_a_reply_it_got_appears_once_in_its_annex(demo, claim, reply, users):
    answer = add_argument(
        demo,
        users["gouvernement2@demo.palabre"],
        question=None,
        kind="support",
        parent=reply,
        text="La loi prévoit un contrôle du juge.",
    )
    commit()
    _sources, arguments = export_debate(demo, demo.groups[0])
    assert _ids(arguments).count(answer.id) == 1


# --- the tree -------------------------------------------------------------------------------


def test_a_locked_thesis_closes_every_reply_below_it(demo, q1, claim, reply, users):
    toggle(claim, users["facilitateur@demo.palabre"], "locked")
    root = next(n for n in thread(q1) if n.argument.id == claim.id)
    assert root.closed and root.children[0].closed


def test_a_subtree_is_the_argument_and_its_replies(q1, claim, reply):
    (node,) = thread(q1, root_id=claim.id)
    assert [n.argument.id for n in node.walk()] == [claim.id, reply.id]


def test_a_deleted_argument_keeps_its_replies_under_a_placeholder(q1, claim, reply):
    delete_argument(claim)
    (node,) = thread(q1, root_id=claim.id)
    assert node.argument.deleted and [c.argument.id for c in node.children] == [reply.id]


def test_the_group_filter_keeps_the_path_to_matching_replies(demo, q1, claim, reply):
    civil = next(g for g in demo.groups if g.slug == "societe-civile")
    roots = thread(q1, group_id=civil.id)
    claim_node = next(n for n in roots if n.argument.id == claim.id)
    assert [c.argument.id for c in claim_node.children] == [reply.id]


def test_a_reply_to_a_deleted_argument_is_refused(demo, claim, reply, users):
    delete_argument(claim)
    with pytest.raises(Conflict):
        add_argument(
            demo,
            users["prive1@demo.palabre"],
            question=None,
            kind="support",
            parent=claim,
            text="Texte",
        )


def test_a_hidden_argument_cannot_be_marked(claim, users):
    hide(claim, users["facilitateur@demo.palabre"], "hors sujet")
    with pytest.raises(Conflict):
        set_mark(claim, users["prive1@demo.palabre"], 1)


def test_a_mark_is_plus_or_minus_one(claim, users):
    with pytest.raises(BadInput):
        set_mark(claim, users["prive1@demo.palabre"], 5)


def test_text_is_stripped_of_control_characters_but_keeps_markdown(demo, q1, users):
    argument = add_argument(
        demo,
        users["prive1@demo.palabre"],
        question=q1,
        kind="claim",
        text="**Coût** élevé\x00 pour l'économie",
    )
    assert "\x00" not in argument.text and argument.text.startswith("**Coût**")


# --- moderation -------------------------------------------------------------------------------


def test_locking_a_thread_is_audited(claim, users):
    toggle(claim, users["facilitateur@demo.palabre"], "locked", "le débat tourne en rond")
    entry = _audit("argument.lock")[0]
    assert (entry.before, entry.after, entry.reason) == (
        {"locked": False},
        {"locked": True},
        "le débat tourne en rond",
    )


def test_closing_a_report_is_audited(claim, users):
    entry = report(claim, users["prive1@demo.palabre"], "hors sujet")
    close_report(entry, users["facilitateur@demo.palabre"])
    assert entry.closed and _audit("report.close")[0].target_id == claim.id
    with pytest.raises(Conflict):
        close_report(entry, users["facilitateur@demo.palabre"])


def test_hiding_answers_the_reports_about_the_argument(demo, claim, users):
    report(claim, users["prive1@demo.palabre"], "insultant")
    hide(claim, users["facilitateur@demo.palabre"], "insultant")
    assert open_reports(demo) == []
    assert _audit("argument.hide")[0].after == {"hidden": True, "reports_closed": 1}


def test_a_report_needs_a_reason(claim, users):
    with pytest.raises(BadInput):
        report(claim, users["prive1@demo.palabre"], "  ")


def test_restoring_a_visible_argument_is_refused(claim, users):
    with pytest.raises(Conflict):
        restore(claim, users["facilitateur@demo.palabre"])
    assert _audit("argument.restore") == []


def test_merging_into_one_of_its_replies_is_refused(claim, reply, users):
    with pytest.raises(BadInput):
        merge(claim, reply, users["facilitateur@demo.palabre"])
    assert claim.merged_into_id is None and _audit("argument.merge") == []


def test_merging_twice_is_refused(demo, q1, claim, users):
    duplicate = add_argument(
        demo, users["prive1@demo.palabre"], question=q1, kind="claim", text="Doublon."
    )
    merge(duplicate, claim, users["facilitateur@demo.palabre"])
    with pytest.raises(Conflict):
        merge(duplicate, claim, users["facilitateur@demo.palabre"])


def test_a_merged_duplicate_leaves_the_thread(demo, q1, claim, users):
    duplicate = add_argument(
        demo, users["prive1@demo.palabre"], question=q1, kind="claim", text="Doublon."
    )
    merge(duplicate, claim, users["facilitateur@demo.palabre"])
    assert duplicate.id not in {n.argument.id for r in thread(q1) for n in r.walk()}


def test_a_mark_already_given_to_the_target_is_not_counted_twice(demo, q1, claim, users):
    voter = users["societe2@demo.palabre"]
    duplicate = add_argument(
        demo, users["prive1@demo.palabre"], question=q1, kind="claim", text="Doublon."
    )
    set_mark(claim, voter, 1)
    set_mark(duplicate, voter, -1)
    merge(duplicate, claim, users["facilitateur@demo.palabre"])
    marks = db.session.scalars(select(Mark).where(Mark.user_id == voter.id)).all()
    assert [(m.argument_id, m.value) for m in marks] == [(claim.id, 1)]


@pytest.mark.parametrize(
    ("operation", "extra", "error"),
    [("explode", {}, BadInput), ("merge", {"into_id": None}, BadInput), ("hide", {}, BadInput)],
)
def test_a_malformed_moderation_changes_nothing(claim, users, operation, extra, error):
    entries = len(db.session.scalars(select(AuditEntry)).all())
    with pytest.raises(error):
        moderate(claim, users["facilitateur@demo.palabre"], operation, **extra)
    assert not claim.hidden and claim.merged_into_id is None
    assert len(db.session.scalars(select(AuditEntry)).all()) == entries


@pytest.mark.parametrize(
    ("operation", "action"),
    [
        ("hide", "argument.hide"),
        ("pin", "argument.pin"),
        ("lock", "argument.lock"),
        ("edit", "argument.moderator_edit"),
    ],
)
def test_each_moderation_operation_writes_its_audit_entry(claim, users, operation, action):
    moderator = users["facilitateur@demo.palabre"]
    moderate(claim, moderator, operation, reason="raison", text="Texte corrigé.")
    (entry,) = _audit(action)
    assert entry.actor_id == moderator.id and entry.target_id == claim.id


# --- statistics -------------------------------------------------------------------------------


@pytest.fixture
def small_debate(create_edition, add_member):
    """Government claims (one sourced), civil society objects; government answers one."""
    edition = create_edition("stats")
    gov = add_member(edition, "participant", "gouvernement")
    civil = add_member(edition, "participant", "societe-civile")
    q1, q2 = edition.questions
    source = add_source(edition, gov, title="Rapport")
    sourced = add_argument(
        edition, gov, question=q1, kind="claim", text="A", cited=[(source.id, "", "")]
    )
    bare = add_argument(edition, gov, question=q2, kind="claim", text="B")
    answered = add_argument(
        edition, civil, question=None, kind="oppose", parent=sourced, text="Contre A"
    )
    add_argument(edition, civil, question=None, kind="oppose", parent=bare, text="Contre B")
    add_argument(edition, gov, question=None, kind="rebut", parent=answered, text="Non")
    add_argument(edition, civil, question=None, kind="support", parent=sourced, text="Pour")
    set_mark(sourced, civil, 1)
    commit()
    return edition, gov, civil


def test_debate_stats_per_edition(small_debate):
    edition, _gov, _civil = small_debate
    stats = debate_stats(edition)
    assert (stats["arguments"], stats["claims"], stats["replies"]) == (6, 2, 4)
    assert stats["cross_group_reply_share"] == 1.0
    assert stats["sourced_claim_share"] == 0.5


def test_debate_stats_per_group(small_debate):
    edition, _gov, _civil = small_debate
    groups = debate_stats(edition)["groups"]
    assert groups["gouvernement"]["unanswered_objections"] == 1
    assert groups["societe-civile"]["unanswered_objections"] == 0
    assert (groups["gouvernement"]["claims"], groups["gouvernement"]["replies"]) == (2, 1)
    assert groups["societe-civile"]["con"] == 2


def test_debate_stats_per_question_and_member(small_debate):
    edition, gov, civil = small_debate
    stats = debate_stats(edition)
    assert [(q["position"], q["pro"], q["con"]) for q in stats["questions"]] == [
        (1, 1, 1),
        (2, 0, 1),
    ]
    assert stats["pro_con"][0] == {"label": "Q1", "pro": 1, "con": 1}
    assert stats["members"][gov.id] == {"arguments": 2, "replies": 1, "marks": 0}
    assert stats["members"][civil.id] == {"arguments": 0, "replies": 3, "marks": 1}


def test_debate_stats_ignore_hidden_arguments(small_debate, create_user, add_member):
    edition, gov, _civil = small_debate
    facilitator = add_member(edition, "facilitator")
    thesis = add_argument(edition, gov, question=edition.questions[0], kind="claim", text="C")
    hide(thesis, facilitator, "hors sujet")
    assert debate_stats(edition)["claims"] == 2


def test_debate_stats_of_an_empty_debate(create_edition):
    stats = debate_stats(create_edition("vide"))
    assert stats["arguments"] == 0 and stats["cross_group_reply_share"] is None


def _first_cited(arguments) -> list[int]:
    order = []
    for argument in arguments:
        order += [c.source_id for c in argument.citations if c.source_id not in order]
        order += [n for n in _first_cited(argument.children) if n not in order]
    return order


def test_a_groups_bibliography_is_numbered_from_1_in_the_order_first_cited(demo):
    for group in demo.groups:
        sources, arguments = export_debate(demo, group)
        numbers = [source.id for source in sources]
        assert numbers == list(range(1, len(sources) + 1))
        assert _first_cited(arguments) == numbers
