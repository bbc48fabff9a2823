"""Debate services: arguments, sources, marks, moderation, statistics, exports.

Plain functions: they check the rules of the debate (what may answer what), flush, and
defer the live notification of watchers to after the commit.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.core.errors import BadInput, Conflict, Forbidden, NotFound
from app.core.markdown import clean_text
from app.core.models import utcnow
from app.core.transactions import after_commit
from app.deliberation.models import (
    Argument,
    ArgumentRevision,
    Citation,
    Kind,
    Mark,
    Report,
    Source,
)
from app.extensions import db, socketio
from app.facilitation.services import record_audit
from app.workshops.models import Question
from app.workshops.services import membership_of

MAX_TEXT = 5000
MAX_CITATIONS = 10
# Replies nest freely; a limit far beyond any real discussion keeps rendering bounded.
MAX_DEPTH = 40
NAMESPACE = "/debate"


def room(question: Question) -> str:
    return f"debate:{question.edition_id}:{question.id}"


def _announce(
    question: Question, what: str, argument_id: int | None = None, parent_id: int | None = None
) -> None:
    """After the commit, tell everyone watching the question what changed in its map.

    The message carries no text: each page fetches the argument's fragment rendered for its
    own viewer (marks, moderation buttons and hidden reasons differ per person)."""
    target, number = room(question), question.position
    message = {"question": number, "what": what, "argument": argument_id, "parent": parent_id}

    def emit() -> None:
        socketio.emit("changed", message, to=target, namespace=NAMESPACE)

    after_commit(emit)


# --- reading ------------------------------------------------------------------------------


def get_question(edition, number: int) -> Question:
    for question in edition.questions:
        if question.position == number:
            return question
    raise NotFound()


def get_argument(edition, argument_id: int) -> Argument:
    argument = db.session.get(Argument, argument_id)
    if argument is None or argument.edition_id != edition.id:
        raise NotFound(_("This argument does not exist."))
    return argument


def get_source(edition, source_id: int) -> Source:
    source = db.session.get(Source, source_id)
    if source is None or source.edition_id != edition.id:
        raise NotFound(_("This source does not exist."))
    return source


def sources(edition) -> list[Source]:
    return list(
        db.session.scalars(
            select(Source).where(Source.edition_id == edition.id).order_by(Source.title)
        )
    )


def citing_arguments(source: Source) -> list[Argument]:
    return list(
        db.session.scalars(
            select(Argument)
            .join(Citation, Citation.argument_id == Argument.id)
            .where(
                Citation.source_id == source.id,
                Argument.hidden.is_(False),
                Argument.deleted.is_(False),
            )
            .order_by(Argument.created_at)
        )
    )


@dataclass
class Node:
    argument: Argument
    children: list[Node] = field(default_factory=list)
    up: int = 0
    down: int = 0
    mine: int = 0
    reports: int = 0
    closed: bool = False  # this argument or one above it is locked against replies

    @property
    def balance(self) -> int:
        return self.up - self.down

    @property
    def visible(self) -> bool:
        a = self.argument
        return not (a.hidden or a.deleted or a.merged_into_id)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


def thread(
    question: Question,
    viewer=None,
    *,
    group_id: int | None = None,
    kind: str | None = None,
    unanswered: bool = False,
    sort: str = "time",
    root_id: int | None = None,
) -> list[Node]:
    """The question's map as a forest of claims, with marks; filters keep the matching
    arguments and the path to them. ``root_id`` gives only that argument's subtree."""
    arguments = list(
        db.session.scalars(
            select(Argument)
            .where(Argument.question_id == question.id, Argument.merged_into_id.is_(None))
            .options(selectinload(Argument.citations).joinedload(Citation.source))
            .order_by(Argument.created_at, Argument.id)
        )
    )
    nodes = {a.id: Node(a) for a in arguments}
    for argument_id, value, count in db.session.execute(
        select(Mark.argument_id, Mark.value, func.count())
        .join(Argument, Argument.id == Mark.argument_id)
        .where(Argument.question_id == question.id)
        .group_by(Mark.argument_id, Mark.value)
    ):
        if argument_id in nodes:
            if value > 0:
                nodes[argument_id].up = count
            else:
                nodes[argument_id].down = count
    if viewer is not None and getattr(viewer, "id", None):
        for argument_id, value in db.session.execute(
            select(Mark.argument_id, Mark.value)
            .join(Argument, Argument.id == Mark.argument_id)
            .where(Argument.question_id == question.id, Mark.user_id == viewer.id)
        ):
            if argument_id in nodes:
                nodes[argument_id].mine = value
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.argument.parent_id)
        (parent.children if parent else roots).append(node)

    def matches(node: Node) -> bool:
        a = node.argument
        return (
            (group_id is None or a.group_id == group_id)
            and (kind is None or a.kind == kind)
            and (not unanswered or not any(c.visible for c in node.children))
        )

    def prune(items: list[Node]) -> list[Node]:
        kept = []
        for node in items:
            node.children = prune(node.children)
            if node.children or matches(node):
                kept.append(node)
        return kept

    def close(node: Node, above: bool) -> None:
        node.closed = above or node.argument.locked
        for child in node.children:
            close(child, node.closed)

    for root in roots:
        close(root, False)
    if root_id is not None:
        roots = [nodes[root_id]] if root_id in nodes else []
    if group_id is not None or kind or unanswered:
        roots = prune(roots)
    key = (
        (lambda n: (-n.argument.pinned, -n.balance, n.argument.id))
        if sort == "balance"
        else (lambda n: (-n.argument.pinned, n.argument.id))
    )
    roots.sort(key=key)
    for node in roots:
        for inner in node.walk():
            inner.children.sort(key=key)
    return roots


# --- writing ------------------------------------------------------------------------------


def clean_argument(text: str) -> str:
    text = clean_text(text or "").strip()
    if not text:
        raise BadInput(_("An argument cannot be empty."))
    if len(text) > MAX_TEXT:
        raise BadInput(_("An argument has at most %(n)d characters.", n=MAX_TEXT))
    return text


def _citations(edition, cited) -> list[Citation]:
    result, seen = [], set()
    for item in list(cited or [])[: MAX_CITATIONS + 1]:
        source_id, page, quote = (*tuple(item), "", "")[:3]
        try:
            source_id = int(source_id)
        except (TypeError, ValueError):
            raise BadInput(_("Unknown source.")) from None
        source = db.session.get(Source, source_id)
        if source is None or source.edition_id != edition.id:
            raise BadInput(_("This source is not in this edition's library."))
        if source_id in seen:
            continue
        seen.add(source_id)
        result.append(
            Citation(
                source_id=source_id,
                page=clean_text(page or "").strip()[:40],
                quote=clean_text(quote or "").strip()[:1000],
            )
        )
    if len(result) > MAX_CITATIONS:
        raise BadInput(_("An argument cites at most %(n)d sources.", n=MAX_CITATIONS))
    return result


def _ancestors(argument: Argument | None) -> list[Argument]:
    """The argument and every argument above it, up to its thesis."""
    chain = []
    while argument is not None and len(chain) <= MAX_DEPTH:
        chain.append(argument)
        argument = db.session.get(Argument, argument.parent_id) if argument.parent_id else None
    return chain


def add_argument(
    edition,
    author,
    *,
    question: Question | None,
    kind: str,
    text: str,
    parent: Argument | None = None,
    cited=(),
) -> Argument:
    if kind not in set(Kind):
        raise BadInput(_("Unknown kind of argument."))
    if kind == Kind.CLAIM:
        if parent is not None:
            raise BadInput(_("A thesis answers a question, not another argument."))
        if question is None or question.edition_id != edition.id:
            raise BadInput(_("Choose the question this thesis answers."))
    else:
        if parent is None:
            raise BadInput(_("A reply answers an argument."))
        if parent.edition_id != edition.id:
            raise NotFound(_("This argument does not exist."))
        if parent.hidden or parent.deleted or parent.merged_into_id:
            raise Conflict(_("This argument cannot receive replies."))
        chain = _ancestors(parent)
        if any(a.locked for a in chain):
            raise Conflict(_("This thread is closed to new replies."))
        if len(chain) >= MAX_DEPTH:
            raise BadInput(_("This thread is too deep: answer higher up."))
        if kind == Kind.REBUT and parent.kind not in (Kind.SUPPORT, Kind.OPPOSE):
            raise BadInput(_("A rebuttal answers an argument for or against."))
        question = parent.question
    membership = membership_of(author, edition)
    argument = Argument(
        edition_id=edition.id,
        question_id=question.id,
        parent_id=parent.id if parent else None,
        kind=kind,
        text=clean_argument(text),
        author_id=author.id,
        group_id=membership.group_id if membership else None,
    )
    argument.citations = _citations(edition, cited)
    db.session.add(argument)
    db.session.flush()
    _announce(question, "added", argument.id, argument.parent_id)
    return argument


def edit_argument(argument: Argument, editor, text: str, *, moderator: bool = False) -> None:
    new_text = clean_argument(text)
    if new_text == argument.text:
        return
    db.session.add(
        ArgumentRevision(argument_id=argument.id, text=argument.text, editor_id=editor.id)
    )
    before = argument.text
    argument.text = new_text
    argument.edited_at = utcnow()
    if moderator:
        argument.moderated_edit = True
        record_audit(
            argument.edition,
            editor,
            "argument.moderator_edit",
            argument,
            before={"text": before},
            after={"text": new_text},
        )
    db.session.flush()
    _announce(argument.question, "edited", argument.id)


def revisions(argument: Argument) -> list[ArgumentRevision]:
    return list(
        db.session.scalars(
            select(ArgumentRevision)
            .where(ArgumentRevision.argument_id == argument.id)
            .order_by(ArgumentRevision.id.desc())
        )
    )


def delete_argument(argument: Argument) -> None:
    """Gone when nobody answered it; a visible placeholder when replies exist."""
    question = argument.question
    has_replies = db.session.scalar(
        select(func.count(Argument.id)).where(Argument.parent_id == argument.id)
    )
    if has_replies:
        argument.deleted = True
    else:
        db.session.delete(argument)
    db.session.flush()
    _announce(question, "deleted", argument.id)


def set_mark(argument: Argument, user, value: int) -> None:
    """+1 convincing, -1 not convincing, 0 takes one's mark back."""
    if value not in (-1, 0, 1):
        raise BadInput(_("A mark is convincing or not convincing."))
    if argument.author_id == user.id:
        raise Forbidden(_("You cannot mark your own argument."))
    if argument.hidden or argument.deleted or argument.merged_into_id:
        raise Conflict(_("This argument cannot be marked."))
    mark = db.session.scalar(
        select(Mark).where(Mark.argument_id == argument.id, Mark.user_id == user.id)
    )
    if value == 0:
        if mark is not None:
            db.session.delete(mark)
    elif mark is None:
        db.session.add(Mark(argument_id=argument.id, user_id=user.id, value=value))
    else:
        mark.value = value
    db.session.flush()
    _announce(argument.question, "marked", argument.id)


def add_source(
    edition,
    user,
    *,
    title: str,
    author: str = "",
    year=None,
    url: str = "",
    note: str = "",
    upload=None,
) -> Source:
    title = clean_text(title or "").strip()
    if not title:
        raise BadInput(_("A source needs a title."))
    url = (url or "").strip()
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        raise BadInput(_("A link starts with http:// or https://."))
    if year not in (None, ""):
        try:
            year = int(year)
        except (TypeError, ValueError):
            raise BadInput(_("The year is a number.")) from None
        if not 1800 <= year <= 2100:
            raise BadInput(_("The year is a number.")) from None
    else:
        year = None
    source = Source(
        edition_id=edition.id,
        title=title[:300],
        author=clean_text(author or "").strip()[:200],
        year=year,
        url=url[:1000],
        note=clean_text(note or "").strip()[:2000],
        upload_id=upload.id if upload is not None else None,
        added_by_id=getattr(user, "id", None),
    )
    db.session.add(source)
    db.session.flush()
    return source


# --- moderation ---------------------------------------------------------------------------


def report(argument: Argument, reporter, reason: str) -> Report:
    reason = clean_text(reason or "").strip()
    if not reason:
        raise BadInput(_("Say why you report this argument."))
    entry = Report(argument_id=argument.id, reporter_id=reporter.id, reason=reason[:1000])
    db.session.add(entry)
    db.session.flush()
    return entry


def get_report(edition, report_id: int) -> Report:
    entry = db.session.get(Report, report_id)
    if entry is None or entry.argument.edition_id != edition.id:
        raise NotFound(_("This report does not exist."))
    return entry


def open_reports(edition) -> list[Report]:
    return list(
        db.session.scalars(
            select(Report)
            .join(Argument, Argument.id == Report.argument_id)
            .where(Argument.edition_id == edition.id, Report.closed.is_(False))
            .order_by(Report.created_at)
        )
    )


def hidden_arguments(edition) -> list[Argument]:
    return list(
        db.session.scalars(
            select(Argument).where(Argument.edition_id == edition.id, Argument.hidden.is_(True))
        )
    )


def _close_reports_of(argument: Argument) -> int:
    """Acting on an argument answers the reports about it."""
    entries = db.session.scalars(
        select(Report).where(Report.argument_id == argument.id, Report.closed.is_(False))
    ).all()
    for entry in entries:
        entry.closed = True
    return len(entries)


def close_report(entry: Report, actor) -> None:
    if entry.closed:
        raise Conflict(_("This report is already closed."))
    entry.closed = True
    record_audit(entry.argument.edition, actor, "report.close", entry.argument)
    db.session.flush()


def hide(argument: Argument, actor, reason: str) -> None:
    reason = clean_text(reason or "").strip()
    if not reason:
        raise BadInput(_("Say why you hide this argument: its author will read it."))
    if argument.hidden:
        raise Conflict(_("This argument is already hidden."))
    argument.hidden = True
    argument.hidden_reason = reason[:1000]
    closed = _close_reports_of(argument)
    record_audit(
        argument.edition,
        actor,
        "argument.hide",
        argument,
        reason=reason,
        before={"hidden": False},
        after={"hidden": True, **({"reports_closed": closed} if closed else {})},
    )
    db.session.flush()
    _announce(argument.question, "hidden", argument.id)


def restore(argument: Argument, actor, reason: str = "") -> None:
    if not argument.hidden:
        raise Conflict(_("This argument is not hidden."))
    argument.hidden = False
    record_audit(
        argument.edition,
        actor,
        "argument.restore",
        argument,
        reason=reason,
        before={"hidden": True, "reason": argument.hidden_reason},
        after={"hidden": False},
    )
    argument.hidden_reason = ""
    db.session.flush()
    _announce(argument.question, "restored", argument.id)


def toggle(argument: Argument, actor, flag: str, reason: str = "") -> None:
    """Pin or unpin an argument, lock or unlock its thread."""
    if flag not in ("pinned", "locked"):
        raise BadInput(_("Unknown action."))
    before = getattr(argument, flag)
    setattr(argument, flag, not before)
    action = {"pinned": "argument.pin", "locked": "argument.lock"}[flag]
    record_audit(
        argument.edition,
        actor,
        action,
        argument,
        reason=reason,
        before={flag: before},
        after={flag: not before},
    )
    db.session.flush()
    _announce(argument.question, flag, argument.id)


def merge(duplicate: Argument, into: Argument, actor, reason: str = "") -> None:
    """Fold a duplicate into another argument of the same question: replies and marks follow."""
    if duplicate.id == into.id:
        raise BadInput(_("An argument cannot be merged into itself."))
    if duplicate.question_id != into.question_id:
        raise BadInput(_("Only arguments of the same question can be merged."))
    if duplicate.merged_into_id or into.merged_into_id:
        raise Conflict(_("This argument was already merged."))
    ancestor = into
    while ancestor is not None:
        if ancestor.id == duplicate.id:
            raise BadInput(_("An argument cannot be merged into one of its replies."))
        ancestor = db.session.get(Argument, ancestor.parent_id) if ancestor.parent_id else None
    for reply in db.session.scalars(select(Argument).where(Argument.parent_id == duplicate.id)):
        reply.parent_id = into.id
    voters = set(db.session.scalars(select(Mark.user_id).where(Mark.argument_id == into.id)))
    for mark in db.session.scalars(select(Mark).where(Mark.argument_id == duplicate.id)):
        if mark.user_id in voters or mark.user_id == into.author_id:
            db.session.delete(mark)
        else:
            mark.argument_id = into.id
    duplicate.merged_into_id = into.id
    closed = _close_reports_of(duplicate)
    record_audit(
        duplicate.edition,
        actor,
        "argument.merge",
        duplicate,
        reason=reason,
        before={"merged_into": None},
        after={"merged_into": into.id, **({"reports_closed": closed} if closed else {})},
    )
    db.session.flush()
    _announce(duplicate.question, "merged", duplicate.id, into.id)


OPERATIONS = ("hide", "restore", "pin", "lock", "edit", "merge")


def moderate(
    argument: Argument,
    actor,
    operation: str,
    *,
    reason: str = "",
    into_id=None,
    text: str = "",
) -> None:
    """One moderation action by name, as the page's form or the /debate event sends it.
    The caller has checked ``debate.moderate``; every action writes an audit entry."""
    if operation == "hide":
        hide(argument, actor, reason)
    elif operation == "restore":
        restore(argument, actor, reason)
    elif operation == "pin":
        toggle(argument, actor, "pinned", reason)
    elif operation == "lock":
        toggle(argument, actor, "locked", reason)
    elif operation == "edit":
        edit_argument(argument, actor, text, moderator=True)
    elif operation == "merge":
        try:
            if isinstance(into_id, bool):
                raise TypeError
            into_id = int(into_id)
        except (TypeError, ValueError):
            raise BadInput(_("Give the number of the argument to merge into.")) from None
        merge(argument, get_argument(argument.edition, into_id), actor, reason)
    else:
        raise BadInput(_("Unknown action."))


# --- the bridge into the paper ---------------------------------------------------------------


def _source_line(source: Source, page: str = "") -> str:
    parts = [source.title]
    if source.author:
        parts.append(source.author)
    if source.year:
        parts.append(str(source.year))
    if source.url:
        parts.append(f"<{source.url}>")
    if page:
        parts.append(f"p. {page}")
    return ", ".join(parts)


def argument_markdown(argument: Argument) -> str:
    """The argument's text, followed by a footnote citing its sources."""
    text = argument.text.strip()
    if not argument.citations:
        return text
    label = f"arg{argument.id}"
    notes = "; ".join(_source_line(c.source, c.page) for c in argument.citations)
    return f"{text}[^{label}]\n\n[^{label}]: {notes}"


def insert_into_paper(argument: Argument, section, actor) -> None:
    from app.collaboration.services import append_to_section

    if section.paper.group_id != argument.group_id:
        raise Forbidden(_("An argument goes into its own group's paper."))
    append_to_section(section, argument_markdown(argument), actor)


# --- what other areas read ----------------------------------------------------------------


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
    arguments = list(
        db.session.scalars(
            select(Argument).where(
                Argument.edition_id == edition.id,
                Argument.hidden.is_(False),
                Argument.deleted.is_(False),
                Argument.merged_into_id.is_(None),
            )
        )
    )
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


def export_debate(edition, group):
    """The group's arguments (with the replies they got) and the sources they cite, for
    the annex and bibliography of its Word document."""
    from app.exports import model

    arguments = list(
        db.session.scalars(
            select(Argument)
            .where(
                Argument.edition_id == edition.id,
                Argument.hidden.is_(False),
                Argument.deleted.is_(False),
                Argument.merged_into_id.is_(None),
            )
            .order_by(Argument.id)
        )
    )
    children = defaultdict(list)
    for a in arguments:
        children[a.parent_id].append(a)
    names = {g.id: g.name for g in edition.groups}
    cited_sources: dict[int, Source] = {}

    def build(a: Argument, depth: int = 0):
        for citation in a.citations:
            cited_sources[citation.source_id] = citation.source
        return model.Argument(
            id=a.id,
            question=a.question.position,
            kind=a.kind,
            text=a.text,
            author=a.author.name if a.author else "",
            group=names.get(a.group_id, ""),
            citations=tuple(
                model.Citation(source_id=c.source_id, page=c.page, quote=c.quote)
                for c in a.citations
            ),
            children=tuple(build(c, depth + 1) for c in children[a.id]) if depth < 6 else (),
        )

    own = {a.id for a in arguments if a.group_id == group.id}
    roots = [build(a) for a in arguments if a.id in own and a.parent_id not in own]
    sources_out = tuple(
        model.Source(id=s.id, title=s.title, author=s.author, year=s.year, url=s.url, note=s.note)
        for s in sorted(cited_sources.values(), key=lambda s: s.title)
    )
    return sources_out, tuple(roots)
