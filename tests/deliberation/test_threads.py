"""The map's filters (``threads.thread``): "sans réponse" reads every reply of an argument,
whatever the other filters keep of them."""

from app.core.transactions import commit
from app.deliberation.moderation import hide
from app.deliberation.threads import thread


def _ids(roots) -> list[int]:
    return [node.argument.id for node in roots]


def test_unanswered_theses_leave_out_a_thesis_that_has_a_reply(q1, claim, reply):
    assert claim.id not in _ids(thread(q1, kind="claim", unanswered=True))


def test_unanswered_theses_keep_a_thesis_nobody_answered(q1, claim):
    assert claim.id in _ids(thread(q1, kind="claim", unanswered=True))


def test_a_thesis_whose_only_reply_is_hidden_counts_as_unanswered(q1, claim, reply, users):
    hide(reply, users["facilitateur@demo.palabre"], "hors sujet")
    commit()
    assert claim.id in _ids(thread(q1, kind="claim", unanswered=True))


def test_a_groups_unanswered_arguments_leave_out_its_thesis_another_group_answered(
    demo, q1, claim, reply
):
    government = next(g for g in demo.groups if g.slug == "gouvernement")
    assert claim.id not in _ids(thread(q1, group_id=government.id, unanswered=True))
