"""What an export is made of: plain, frozen data (no database, no Flask).

The web app (or the CLI) reads its models and builds these; :mod:`app.exports` turns them
into bytes. Every text field is Markdown or plain text exactly as typed by participants:
the exports clean and sanitize it themselves, so callers never need to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = [
    "ARGUMENT_KINDS",
    "Argument",
    "Citation",
    "Edition",
    "Group",
    "GroupDeliverable",
    "GroupPosition",
    "Reply",
    "ReviewComment",
    "Section",
    "Source",
    "Synthesis",
    "SynthesisQuestion",
]

#: Kinds of debate arguments, in the order of the argument map.
ARGUMENT_KINDS = ("claim", "support", "oppose", "rebut", "question")

_EMPTY: Mapping[str, bytes] = MappingProxyType({})


@dataclass(frozen=True)
class Edition:
    """A school edition (workshop), e.g. MaliSIG 2023."""

    title: str  #: "MaliSIG 2023"
    slug: str = ""  #: "malisig-2023"
    language: str = "fr"  #: "fr", "en" or a full tag such as "fr-FR"
    date: dt.date | None = None  #: date shown on the cover (ceremony day)
    subtitle: str = ""  #: e.g. "École malienne sur la gouvernance de l'Internet"
    logo: bytes | None = None  #: PNG/JPEG/GIF, checked with check_image at upload
    reference_docx: bytes | None = None  #: styles/margins/header of the Word export
    pptx_template: bytes | None = None  #: layouts/theme of the decks
    file_stem: str = ""  #: file name prefix; default derived from the title ("MaliSIG-2023")


@dataclass(frozen=True)
class Group:
    """A stakeholder group."""

    name: str  #: display name, "Société civile"
    slug: str = ""
    kind: str = ""  #: "government", "private-sector", "civil-society"… (free text)
    colour: str = "#1F6FB2"  #: accent colour "#RRGGBB"
    members: tuple[str, ...] = ()  #: display names, in the order to show them


@dataclass(frozen=True)
class Section:
    """One section of a position paper."""

    key: str  #: "introduction", "q1"… "qN", "conclusion"
    title: str  #: "Introduction", the question text for questions, "Conclusion"
    markdown: str = ""  #: the section body (Palabre's Markdown dialect)
    number: int | None = None  #: question number (None for introduction/conclusion)
    summary: str | None = None  #: Markdown the group marked as its position summary


@dataclass(frozen=True)
class Source:
    """An entry of the resource library cited by the group."""

    id: int | str
    title: str
    author: str = ""  #: author or publisher
    year: int | str | None = None
    url: str = ""
    note: str = ""


@dataclass(frozen=True)
class Citation:
    """A source cited by an argument."""

    source_id: int | str
    page: str = ""
    quote: str = ""


@dataclass(frozen=True)
class Argument:
    """A node of the debate's argument map (children are replies to it)."""

    id: int | str
    question: int | None  #: question number, None for general arguments
    kind: str  #: one of ARGUMENT_KINDS
    text: str  #: Markdown
    author: str = ""
    group: str = ""  #: group display name of the author
    citations: tuple[Citation, ...] = ()
    children: tuple[Argument, ...] = ()


@dataclass(frozen=True)
class GroupDeliverable:
    """Everything the Word document and the deck of one group are made of."""

    edition: Edition
    group: Group
    sections: tuple[Section, ...]  #: in paper order
    sources: tuple[Source, ...] = ()  #: the bibliography (cited sources)
    arguments: tuple[Argument, ...] = ()  #: the group's debate, roots first
    images: Mapping[str, bytes] = field(default_factory=lambda: _EMPTY)  #: "/uploads/…" → bytes
    generated_at: dt.datetime | None = None  #: "created" property; default now (UTC)


@dataclass(frozen=True)
class Reply:
    """A reply in a comment's thread."""

    author: str
    at: dt.datetime  #: when it was written (UTC)
    body: str  #: Markdown


@dataclass(frozen=True)
class ReviewComment:
    """A thread of comments on a passage of a section, for the facilitators' review copy
    (never in a deliverable). Hidden comments are not given."""

    section_key: str  #: the key of the section it is on
    author: str
    at: dt.datetime  #: when it was written (UTC)
    body: str  #: Markdown
    quote: str = ""  #: the passage as its author saw it
    #: where the passage is now, in code points of the section's ``markdown``; None once
    #: it was deleted
    start: int | None = None
    end: int | None = None
    replies: tuple[Reply, ...] = ()
    resolved: bool = False


@dataclass(frozen=True)
class GroupPosition:
    """One group's answer to one question, for the synthesis."""

    group: Group
    position: str  #: Markdown: the section summary, else its first paragraph
    section_markdown: str = ""  #: the full section (goes to the speaker notes)


@dataclass(frozen=True)
class SynthesisQuestion:
    number: int
    title: str  #: the question text
    positions: tuple[GroupPosition, ...]
    arguments: tuple[Argument, ...] = ()  #: main arguments exchanged, with replies


@dataclass(frozen=True)
class Synthesis:
    """The cross-group overview of the closing ceremony."""

    edition: Edition
    groups: tuple[Group, ...]
    questions: tuple[SynthesisQuestion, ...]
    introduction: str = ""  #: optional Markdown shown before the questions
    images: Mapping[str, bytes] = field(default_factory=lambda: _EMPTY)
    generated_at: dt.datetime | None = None
