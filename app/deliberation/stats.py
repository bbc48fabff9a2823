"""The debate's measures, for the facilitators' dashboard (read by facilitation)."""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import func, select

from app.deliberation.models import Argument, Citation, Kind, Mark
from app.deliberation.threads import visible_arguments
from app.extensions import db


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _measures(arguments: list[Argument], by_id: dict[int, Argument], cited: set[int]) -> dict:
    """Counts and shares over a set of arguments (replies look up their parent in by_id)."""
    replies = [a for a in arguments if a.parent_id in by_id]
    crossing = [a for a in replies if a.group_id != by_id[a.parent_id].group_id]
    claims = [a for a in arguments if a.kind == Kind.CLAIM]
    return {
        "arguments": len(arguments),
        "claims": len(claims),
        "replies": len(replies),
        "cross_group_replies": len(crossing),
        "cross_group_reply_share": _share(len(crossing), len(replies)),
        "sourced_claims": sum(c.id in cited for c in claims),
        "sourced_claim_share": _share(sum(c.id in cited for c in claims), len(claims)),
        "pro": sum(a.kind == Kind.SUPPORT for a in arguments),
        "con": sum(a.kind == Kind.OPPOSE for a in arguments),
    }


def debate_stats(edition) -> dict:
    """The measures deliberation research uses, for the facilitators' dashboard.

    Only visible arguments count (not hidden, deleted or merged). Groups are the author's
    group when they wrote. An objection (*contre*) is *unanswered* until a member of the
    group whose argument it opposes replies to it; it counts for that group.

    Returns ``arguments, claims, replies, cross_group_reply_share, sourced_claim_share``
    for the edition; ``groups``: the same per group slug, plus ``unanswered_objections``;
    ``questions``: the same per question (``position``, ``pro``, ``con``);
    ``unanswered_objections`` {group slug: n}; ``pro_con`` [{label, pro, con}] per question;
    ``members`` {user id: {arguments, replies, marks}} (arguments = theses written).
    """
    arguments = list(db.session.scalars(visible_arguments(edition)))
    by_id = {a.id: a for a in arguments}
    cited = set(
        db.session.scalars(
            select(Citation.argument_id)
            .join(Argument, Argument.id == Citation.argument_id)
            .where(Argument.edition_id == edition.id)
        )
    )
    slugs = {g.id: g.slug for g in edition.groups}
    answered_by: dict[int, set] = defaultdict(set)
    for a in arguments:
        if a.parent_id in by_id:
            answered_by[a.parent_id].add(a.group_id)
    unanswered: Counter = Counter()
    for a in arguments:
        if a.kind == Kind.OPPOSE and a.parent_id in by_id:
            target_group = by_id[a.parent_id].group_id
            if target_group not in answered_by[a.id]:
                unanswered[slugs.get(target_group, "?")] += 1
    groups = {}
    for group in edition.groups:
        measures = _measures([a for a in arguments if a.group_id == group.id], by_id, cited)
        measures["unanswered_objections"] = unanswered.get(group.slug, 0)
        groups[group.slug] = measures
    questions = []
    for question in edition.questions:
        measures = _measures([a for a in arguments if a.question_id == question.id], by_id, cited)
        questions.append({"position": question.position, **measures})
    members: dict[int, dict[str, int]] = defaultdict(
        lambda: {"arguments": 0, "replies": 0, "marks": 0}
    )
    for a in arguments:
        if a.author_id:
            members[a.author_id]["replies" if a.parent_id else "arguments"] += 1
    for user_id, count in db.session.execute(
        select(Mark.user_id, func.count())
        .join(Argument, Argument.id == Mark.argument_id)
        .where(Argument.edition_id == edition.id)
        .group_by(Mark.user_id)
    ):
        members[user_id]["marks"] = count
    overall = _measures(arguments, by_id, cited)
    return {
        **overall,
        "groups": groups,
        "questions": questions,
        "unanswered_objections": {g.slug: unanswered.get(g.slug, 0) for g in edition.groups},
        "pro_con": [
            {"label": f"Q{q['position']}", "pro": q["pro"], "con": q["con"]} for q in questions
        ],
        "members": {user_id: dict(counts) for user_id, counts in members.items()},
    }
