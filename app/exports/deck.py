"""The PowerPoint decks: a group's presentation, and the cross-group synthesis."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.core.markdown import clean_text

from .content import (
    paper_properties,
    parse_sections,
    section_heading,
    source_runs,
    synthesis_properties,
)
from .labels import format_date, kind_label, labels
from .mdtree import (
    Block,
    Code,
    Heading,
    ListBlock,
    Para,
    Quote,
    Rule,
    Run,
    Table,
    blocks_plain,
    parse,
    plain,
    split_lead_in,
)
from .model import Argument, GroupDeliverable, Synthesis
from .pptx_fit import Item, truncate_runs
from .pptx_writer import DeckWriter

__all__ = ["condense", "group_pptx", "synthesis_pptx"]

#: a bullet keeps its lead sentence(s) up to this many words
LEAD_WORDS = 26
#: a bold lead-in paragraph longer than this becomes its own slide title
LEADIN_SLIDE_WORDS = 45

_SENTENCE_END = re.compile(r"[.!?…](?:[»\")\]]*)(?=[\s\u00a0]+[«\"“(A-ZÀ-ÖØ-Þ0-9])")


def condense(runs: list[Run], max_words: int = LEAD_WORDS) -> list[Run]:
    """The lead sentence(s) of a paragraph, at most ``max_words`` words (then "…").

    Footnote references and images are dropped (their text goes to the speaker notes).
    """
    runs = [r for r in runs if r.footnote is None and r.image is None]
    text = "".join(r.text for r in runs)
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    cut = len(text)
    for end in ends:
        if len(text[:end].split()) >= 6:  # a short first sentence keeps the next one
            cut = end
            break
    kept = text[:cut]
    words = kept.split()
    if len(words) > max_words:
        # cut at the max_words-th word boundary
        pos = 0
        for _ in range(max_words):
            pos = text.find(words[_], pos) + len(words[_])
        out = truncate_runs(runs, pos)
        return [*out, Run(" …")]
    out = truncate_runs(runs, cut)
    if cut < len(text.rstrip()):
        return out
    return out


@dataclass
class Part:
    title: str
    items: list[Item] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)  #: the source, for the notes
    kind: str = "bullets"  #: "bullets", "table", "image"
    table: Table | None = None
    image: tuple[str, str] | None = None


def _list_items(block: ListBlock, depth: int, out: list[Item]) -> None:
    for n, item in enumerate(block.items, block.start):
        first = True
        for sub in item:
            if isinstance(sub, Para) and first:
                lead = split_lead_in(sub.runs)
                if lead:
                    runs = [Run(lead[0], bold=True), Run(" : "), *condense(lead[1])]
                else:
                    runs = condense(sub.runs)
                out.append(Item(runs, depth, number=n if block.ordered else None))
                first = False
            elif isinstance(sub, ListBlock):
                if first:
                    out.append(Item([Run("")], depth, number=n if block.ordered else None))
                    first = False
                _list_items(sub, depth + 1, out)


def paper_parts(blocks: list[Block], default_title: str) -> list[Part]:
    """Split a section into slide-sized parts: headings and bold lead-ins start one."""
    parts: list[Part] = [Part(default_title)]

    def current() -> Part:
        if parts[-1].kind != "bullets":
            parts.append(Part(_base_title(parts)))
        return parts[-1]

    for block in blocks:
        if isinstance(block, Heading):
            parts.append(Part(plain(block.runs).strip() or default_title, blocks=[block]))
        elif isinstance(block, Para):
            images = [r for r in block.runs if r.image is not None]
            if images and not plain([r for r in block.runs if r.image is None]).strip():
                src, alt = images[0].image  # type: ignore[misc]
                parts.append(
                    Part(alt or _base_title(parts), blocks=[block], kind="image", image=(src, alt))
                )
                continue
            lead = split_lead_in(block.runs)
            if lead and len(plain(lead[1]).split()) > LEADIN_SLIDE_WORDS:
                part = Part(lead[0], blocks=[block])
                parts.append(part)
                for sentence in _sentences(lead[1])[:4]:
                    part.items.append(Item(condense(sentence)))
                continue
            part = current()
            part.blocks.append(block)
            if lead:
                part.items.append(Item([Run(lead[0], bold=True), Run(" : "), *condense(lead[1])]))
            else:
                part.items.append(Item(condense(block.runs)))
        elif isinstance(block, ListBlock):
            part = current()
            part.blocks.append(block)
            _list_items(block, 0, part.items)
        elif isinstance(block, Quote):
            part = current()
            part.blocks.append(block)
            for sub in block.blocks:
                if isinstance(sub, Para):
                    part.items.append(
                        Item([Run("« "), *condense(sub.runs), Run(" »")], bullet=False, italic=True)
                    )
        elif isinstance(block, Table):
            parts.append(Part(_base_title(parts), blocks=[block], kind="table", table=block))
        elif isinstance(block, Code):
            current().blocks.append(block)  # notes only
        elif isinstance(block, Rule):
            continue
    return [p for p in parts if p.items or p.kind != "bullets"]


def _base_title(parts: list[Part]) -> str:
    for p in reversed(parts):
        if p.kind == "bullets":
            return p.title
    return parts[0].title


def _sentences(runs: list[Run]) -> list[list[Run]]:
    text = "".join(r.text for r in runs if r.footnote is None and r.image is None)
    runs = [r for r in runs if r.footnote is None and r.image is None]
    bounds = [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]
    out, start = [], 0
    for end in bounds:
        if end <= start:
            continue
        piece = _slice_runs(runs, start, end)
        if plain(piece).strip():
            out.append(piece)
        start = end
    return out


def _slice_runs(runs: list[Run], start: int, end: int) -> list[Run]:
    out, pos = [], 0
    for r in runs:
        t = r.text
        a, b = max(start, pos), min(end, pos + len(t))
        if a < b:
            out.append(
                Run(
                    t[a - pos : b - pos].lstrip() if a == start else t[a - pos : b - pos],
                    r.bold,
                    r.italic,
                    r.code,
                    r.strike,
                    r.link,
                )
            )
        pos += len(t)
    return out


def _notes_text(blocks: list[Block], footnotes: dict[int, list[Block]]) -> str:
    lines = blocks_plain(blocks)
    refs = sorted(set(re.findall(r"\[(\d+)\]", "\n".join(lines))))
    for ref in refs:
        n = int(ref)
        if n in footnotes:
            lines.append(f"[{n}] " + " ".join(blocks_plain(footnotes[n])))
    return "\n".join(lines)


def group_pptx(deliverable: GroupDeliverable) -> bytes:
    """The group's presentation as a .pptx (bytes)."""
    ed, group = deliverable.edition, deliverable.group
    lab = labels(ed.language)
    deck = DeckWriter(
        language=ed.language, accent=group.colour, labels=lab, template=ed.pptx_template
    )
    members = [clean_text(m) for m in group.members if m.strip()]
    member_line = ", ".join(members)
    date = format_date(ed.date, ed.language)
    deck.title_slide(
        ed.title,
        [f"{lab['stakeholder']} : {group.name}", member_line or "", date],
        f"{ed.title}\n{group.name}\n{lab['members']} : {member_line}\n{date}",
        ed.logo,
    )
    parsed = parse_sections(deliverable.sections)
    footnotes: dict[int, list[Block]] = {}
    for _, doc in parsed:
        footnotes.update(doc.footnotes)

    agenda = [Item([Run(_agenda_label(section, lab))]) for section, _ in parsed]
    deck.bullet_slides(lab["agenda"], agenda, "\n".join(section_heading(s, lab) for s, _ in parsed))

    for section, doc in parsed:
        heading = section_heading(section, lab)
        if section.number is not None:
            label = f"{lab['question']} {section.number}"
            deck.section_slide(label, clean_text(section.title), heading)
            default_title = label
        else:
            default_title = clean_text(section.title) or lab.get(section.key, section.key)
        if not doc.blocks:
            deck.bullet_slides(
                default_title, [Item([Run(lab["todo"], italic=True)], bullet=False)], lab["todo"]
            )
            continue
        for part in paper_parts(doc.blocks, default_title):
            notes = _notes_text(part.blocks, footnotes)
            if part.kind == "table" and part.table is not None:
                t = part.table
                deck.table_slides(part.title, t.header, t.rows, t.aligns, notes)
            elif part.kind == "image" and part.image is not None:
                data = deliverable.images.get(part.image[0])
                if data is None or not deck.image_slide(part.title, data, notes):
                    deck.bullet_slides(
                        part.title,
                        [
                            Item(
                                [
                                    Run(
                                        lab["image_missing"].format(
                                            alt=part.image[1] or part.image[0]
                                        )
                                    )
                                ],
                                bullet=False,
                            )
                        ],
                        notes,
                    )
            else:
                deck.bullet_slides(part.title, part.items, notes)

    if footnotes:
        items = [
            Item([Run(f"[{n}] "), *condense(_flat_runs(footnotes[n]), 40)], bullet=False)
            for n in sorted(footnotes)
        ]
        notes = "\n".join(
            f"[{n}] " + " ".join(blocks_plain(b)) for n, b in sorted(footnotes.items())
        )
        deck.bullet_slides(lab["notes"], items, notes)
    if deliverable.sources:
        items = [Item(source_runs(s)) for s in deliverable.sources]
        notes = "\n".join(plain(source_runs(s)) for s in deliverable.sources)
        deck.bullet_slides(lab["sources"], items, notes)
    deck.closing_slide(lab["thanks"], f"{lab['questions']}  —  {group.name}")
    deck.package.properties(**paper_properties(deliverable))
    return deck.to_bytes()


def _agenda_label(section, lab) -> str:
    if section.number is None:
        return clean_text(section.title) or lab.get(section.key, section.key)
    words = clean_text(section.title).split()
    short = " ".join(words[:14]) + (" …" if len(words) > 14 else "")
    return f"{section.number}. {short}"


def _first_words(runs: list[Run], n: int) -> list[Run]:
    text = "".join(r.text for r in runs if r.image is None)
    words = text.split()
    if len(words) <= n:
        return [r for r in runs if r.image is None]
    pos = 0
    for word in words[:n]:
        pos = text.find(word, pos) + len(word)
    return [*truncate_runs([r for r in runs if r.image is None], pos), Run(" …")]


def _flat_runs(blocks: list[Block]) -> list[Run]:
    out: list[Run] = []
    for b in blocks:
        if isinstance(b, Para | Heading):
            if out:
                out.append(Run(" "))
            out.extend(b.runs)
    return out


# ---------------------------------------------------------------------- synthesis
def _argument_items(arg: Argument, depth: int, language: str, out: list[Item]) -> None:
    runs = [Run(f"{kind_label(arg.kind, language)} ", bold=True)]
    if arg.group:
        runs.append(Run(f"({clean_text(arg.group)}) : ", bold=True))
    doc = parse(arg.text)
    body = _flat_runs(doc.blocks)
    out.append(Item(runs + condense(body, 20), min(depth, 2)))
    for child in arg.children:
        _argument_items(child, depth + 1, language, out)


def synthesis_pptx(s: Synthesis) -> bytes:
    """The closing ceremony's overview: per question, each group's position side by side
    (one slide per group when there are many) and the main arguments exchanged."""
    ed = s.edition
    lab = labels(ed.language)
    accent = s.groups[0].colour if s.groups else "#1F6FB2"
    deck = DeckWriter(language=ed.language, accent=accent, labels=lab, template=ed.pptx_template)
    date = format_date(ed.date, ed.language)
    names = " · ".join(clean_text(g.name) for g in s.groups)
    deck.title_slide(ed.title, [lab["synthesis"], names, date], f"{ed.title}\n{names}", ed.logo)
    agenda = [
        Item([Run(f"{q.number}. " + " ".join(clean_text(q.title).split()[:14]))])
        for q in s.questions
    ]
    deck.bullet_slides(
        lab["agenda"], agenda, "\n".join(f"{q.number}. {q.title}" for q in s.questions)
    )
    if s.introduction.strip():
        doc = parse(s.introduction)
        for part in paper_parts(doc.blocks, lab["introduction"]):
            if part.kind == "bullets":
                deck.bullet_slides(part.title, part.items, _notes_text(part.blocks, doc.footnotes))
    for q in s.questions:
        label = f"{lab['question']} {q.number}"
        deck.section_slide(label, clean_text(q.title), f"{q.number}. {q.title}")
        notes: list[str] = []
        columns = []
        for pos in q.positions:
            body = [r for r in _flat_runs(parse(pos.position).blocks) if r.footnote is None]
            runs = _first_words(body, 90) or [Run(lab["no_position"], italic=True)]
            columns.append((clean_text(pos.group.name), pos.group.colour, Item(runs)))
            full = "\n".join(blocks_plain(parse(pos.section_markdown or pos.position).blocks))
            notes.append(f"{pos.group.name} :\n{full}")
        deck.columns_slides(f"{label} — {lab['positions']}", columns, "\n\n".join(notes))
        if q.arguments:
            arg_items: list[Item] = []
            for arg in q.arguments:
                _argument_items(arg, 0, ed.language, arg_items)
            arg_notes = "\n".join(plain(i.runs) for i in arg_items)
            deck.bullet_slides(f"{label} — {lab['exchanges']}", arg_items, arg_notes)
    deck.closing_slide(lab["thanks"], lab["questions"])
    deck.package.properties(**synthesis_properties(s, lab))
    return deck.to_bytes()
