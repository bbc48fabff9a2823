"""Reading the map: a question's arguments as a forest of nodes with their marks.

One query for the arguments (citations loaded with them), one for the mark counts and one
for the viewer's own marks, however large the map: the page, the fragments the live page
fetches and the SVG map (``maps``) all read this forest."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from app.core.errors import NotFound
from app.deliberation.models import Argument, Citation, Mark
from app.extensions import db
from app.workshops.models import Question


def get_question(edition, number: int) -> Question:
    for question in edition.questions:
        if question.position == number:
            return question
    raise NotFound()


def visible_arguments(edition) -> Select:
    """The edition's arguments that still stand in the map: not hidden, deleted or merged
    (what the measures and the Word annex count; add an order where it matters)."""
    return select(Argument).where(
        Argument.edition_id == edition.id,
        Argument.hidden.is_(False),
        Argument.deleted.is_(False),
        Argument.merged_into_id.is_(None),
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
            # Whether it matches, before its replies are pruned: "answered" reads them all,
            # not only the replies that match the filters themselves.
            matched = matches(node)
            node.children = prune(node.children)
            if node.children or matched:
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
