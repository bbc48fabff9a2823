"""Build the synthesis input from the groups' deliverables."""

from __future__ import annotations

import re
from collections.abc import Sequence

from .model import (
    Argument,
    Edition,
    GroupDeliverable,
    GroupPosition,
    Synthesis,
    SynthesisQuestion,
)

__all__ = ["first_paragraph", "synthesis_from_deliverables"]

_FOOTNOTE_CALL = re.compile(r"\[\^[^\]\s]+\](?!:)")


def first_paragraph(markdown: str, min_words: int = 20) -> str:
    """The opening of a section, its position by convention: the first paragraph, plus
    what follows while it is shorter than ``min_words`` (a "… :" followed by a list).
    A section that is only a list gives its list: that is the group's position.

    Its footnote calls are left out: cut from their definitions, they would show as
    "[^isoc]"; the group's paper keeps them."""
    kept: list[str] = []
    words = 0
    for chunk in markdown.replace("\r\n", "\n").split("\n\n"):
        stripped = chunk.strip()
        if not stripped or stripped.startswith(("#", "|", "![", "[^")):
            if kept and stripped.startswith(("#", "|")):
                break
            continue
        kept.append(stripped)
        words += len(stripped.split())
        if words >= min_words and not stripped.endswith(":"):  # "…:" announces what follows
            break
    return _FOOTNOTE_CALL.sub("", "\n\n".join(kept))


def synthesis_from_deliverables(
    edition: Edition,
    deliverables: Sequence[GroupDeliverable],
    *,
    max_arguments: int = 6,
    introduction: str = "",
) -> Synthesis:
    """Each group's position per question (its marked summary, else the first paragraph)
    and the main arguments exchanged (the claims with the most replies, all groups)."""
    numbers = sorted({s.number for d in deliverables for s in d.sections if s.number is not None})
    questions = []
    for n in numbers:
        title = next(
            (s.title for d in deliverables for s in d.sections if s.number == n and s.title), ""
        )
        positions = []
        arguments: dict = {}
        for d in deliverables:
            section = next((s for s in d.sections if s.number == n), None)
            if section is not None:
                text = section.summary if section.summary else first_paragraph(section.markdown)
                positions.append(GroupPosition(d.group, text or "", section.markdown))
            for arg in d.arguments:
                if arg.question == n:
                    arguments.setdefault(arg.id, arg)
        ranked = sorted(arguments.values(), key=lambda a: -_size(a))[:max_arguments]
        questions.append(SynthesisQuestion(n, title, tuple(positions), tuple(ranked)))
    groups = tuple(d.group for d in deliverables)
    return Synthesis(edition, groups, tuple(questions), introduction)


def _size(arg: Argument) -> int:
    return 1 + sum(_size(c) for c in arg.children)
