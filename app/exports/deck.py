"""The PowerPoint decks: a group's presentation, and the cross-group synthesis.

A group's deck: cover (edition, group in its colour, logo) · contents · per section a
divider with the question as its title, then its parts (:mod:`.deck_parts`: bullets, two
columns, quote, statement, table, picture), each slide titled by its heading, its bold
lead-in or a short form of the question · notes · sources · closing. The full text of
every slide is in its speaker notes.
"""

from __future__ import annotations

import re

from app.core.markdown import clean_text

from .content import (
    paper_properties,
    parse_sections,
    section_heading,
    source_runs,
    synthesis_properties,
)
from .deck_parts import Part, paper_parts
from .deck_text import condense, is_cut, short_question
from .labels import format_date, kind_label, labels
from .mdtree import Block, Heading, Para, Run, blocks_plain, parse, plain
from .model import Argument, GroupDeliverable, Section, Synthesis
from .pptx_fit import CUT, Item, truncate_runs
from .pptx_writer import DeckWriter

__all__ = ["SYNTHESIS_COLOUR", "condense", "group_pptx", "synthesis_pptx"]

#: the synthesis deck's accent: a neutral deep blue (each group keeps its colour in it)
SYNTHESIS_COLOUR = "#2D4B73"


def _notes_text(blocks: list[Block], footnotes: dict[int, list[Block]]) -> str:
    lines = blocks_plain(blocks)
    refs = sorted(set(re.findall(r"\[(\d+)\]", "\n".join(lines))))
    for ref in refs:
        n = int(ref)
        if n in footnotes:
            lines.append(f"[{n}] " + " ".join(blocks_plain(footnotes[n])))
    return "\n".join(lines)


def _section_titles(section: Section, lab) -> tuple[str, str]:
    """(title of its content slides, kicker above them) of a section."""
    if section.number is not None:
        kicker = f"{lab['question']} {section.number}"
        return short_question(section.title) or kicker, kicker
    name = clean_text(section.title) or lab.get(section.key, section.key)
    return name, name


def _write_part(deck: DeckWriter, part: Part, notes: str, kicker: str, deliverable, lab):
    title = f"{part.title} {lab['continued']}" if part.continued else part.title
    kicker = "" if kicker == part.title else kicker
    if part.kind == "table" and part.table is not None:
        t = part.table
        deck.table_slides(title, t.header, t.rows, t.aligns, notes, kicker, intro=part.intro)
    elif part.kind == "image" and part.image is not None:
        data = deliverable.images.get(part.image[0])
        if data is None or not deck.image_slide(title, data, notes, kicker):
            text = lab["image_missing"].format(alt=part.image[1] or part.image[0])
            deck.bullet_slides(title, [Item([Run(text)], bullet=False)], notes, kicker)
    elif part.kind == "quote":
        deck.quote_slide(
            title, part.items, notes, kicker=kicker, source=part.source, comment=part.comment
        )
    elif part.kind == "statement":
        deck.statement_slide(title, part.items[0], notes, kicker)
    elif part.kind == "columns":
        deck.two_column_slides(title, part.items, notes, kicker, intro=part.intro)
    else:
        deck.bullet_slides(title, part.items, notes, kicker)


def group_pptx(deliverable: GroupDeliverable) -> bytes:
    """The group's presentation as a .pptx (bytes)."""
    ed, group = deliverable.edition, deliverable.group
    lab = labels(ed.language)
    footer = f"{clean_text(group.name)} · {clean_text(ed.title)}"
    deck = DeckWriter(
        language=ed.language,
        accent=group.colour,
        labels=lab,
        template=ed.pptx_template,
        footer=footer,
    )
    members = [clean_text(m) for m in group.members if m.strip()]
    member_line = ", ".join(members)
    date = format_date(ed.date, ed.language)
    deck.title_slide(
        ed.title,
        [clean_text(ed.subtitle), member_line, date],
        f"{ed.title}\n{group.name}\n{lab['members']} : {member_line}\n{date}",
        ed.logo,
        panel=(lab["stakeholder"], group.name),
    )
    parsed = parse_sections(deliverable.sections)
    footnotes: dict[int, list[Block]] = {}
    for _, doc in parsed:
        footnotes.update(doc.footnotes)

    agenda = [_agenda_item(section, lab) for section, _ in parsed]
    deck.bullet_slides(lab["agenda"], agenda, "\n".join(section_heading(s, lab) for s, _ in parsed))

    for section, doc in parsed:
        heading = section_heading(section, lab)
        title, kicker = _section_titles(section, lab)
        if section.number is not None:
            deck.section_slide(kicker, clean_text(section.title), heading, section.number)
        if not doc.blocks:
            todo = [Item([Run(lab["todo"], italic=True)], bullet=False)]
            deck.bullet_slides(title, todo, lab["todo"], "" if kicker == title else kicker)
            continue
        for part in paper_parts(doc.blocks, title):
            _write_part(deck, part, _notes_text(part.blocks, footnotes), kicker, deliverable, lab)

    if footnotes:
        items = []
        for n in sorted(footnotes):
            runs = [Run(f"[{n}] ", bold=True), *condense(_flat_runs(footnotes[n]), 40)]
            items.append(Item(runs, bullet=False, lead=1, condensed=is_cut(runs)))
        notes = "\n".join(
            f"[{n}] " + " ".join(blocks_plain(b)) for n, b in sorted(footnotes.items())
        )
        deck.bullet_slides(lab["notes"], items, notes)
    if deliverable.sources:
        items = [Item(source_runs(s), bullet=False, lead=1) for s in deliverable.sources]
        notes = "\n".join(plain(source_runs(s)) for s in deliverable.sources)
        deck.bullet_slides(lab["sources"], items, notes)
    deck.closing_slide(lab["thanks"], lab["questions"])
    deck.package.properties(**paper_properties(deliverable))
    return deck.to_bytes()


def _agenda_item(section: Section, lab) -> Item:
    if section.number is None:
        return Item([Run(clean_text(section.title) or lab.get(section.key, section.key))])
    return Item([Run(short_question(section.title))], number=section.number)


def _first_words(runs: list[Run], n: int) -> list[Run]:
    text = "".join(r.text for r in runs if r.image is None)
    words = text.split()
    if len(words) <= n:
        return [r for r in runs if r.image is None]
    pos = 0
    for word in words[:n]:
        pos = text.find(word, pos) + len(word)
    return [*truncate_runs([r for r in runs if r.image is None], pos), Run(CUT)]


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
    body = condense(_flat_runs(doc.blocks), 20)
    out.append(Item(runs + body, min(depth, 2), lead=len(runs), condensed=is_cut(body)))
    for child in arg.children:
        _argument_items(child, depth + 1, language, out)


def _argument_notes(arg: Argument, depth: int, language: str, out: list[str]) -> None:
    who = f" ({clean_text(arg.group)})" if arg.group else ""
    text = " ".join(blocks_plain(parse(arg.text).blocks))
    out.append("  " * depth + f"{kind_label(arg.kind, language)}{who} : {text}")
    for child in arg.children:
        _argument_notes(child, depth + 1, language, out)


def synthesis_pptx(s: Synthesis) -> bytes:
    """The closing ceremony's overview: per question, each group's position side by side
    (one slide per group when there are many) and the main arguments exchanged."""
    ed = s.edition
    lab = labels(ed.language)
    accent = SYNTHESIS_COLOUR  # every group's: none of them in particular
    footer = f"{lab['synthesis']} · {clean_text(ed.title)}"
    deck = DeckWriter(
        language=ed.language, accent=accent, labels=lab, template=ed.pptx_template, footer=footer
    )
    date = format_date(ed.date, ed.language)
    names = " · ".join(clean_text(g.name) for g in s.groups)
    deck.title_slide(
        ed.title,
        [clean_text(ed.subtitle), names, date],
        f"{ed.title}\n{names}",
        ed.logo,
        panel=("", lab["synthesis"]),
    )
    agenda = [Item([Run(short_question(q.title))], number=q.number) for q in s.questions]
    deck.bullet_slides(
        lab["agenda"], agenda, "\n".join(f"{q.number}. {q.title}" for q in s.questions)
    )
    if s.introduction.strip():
        doc = parse(s.introduction)
        for part in paper_parts(doc.blocks, lab["introduction"]):
            if part.kind in ("bullets", "columns", "statement"):
                deck.bullet_slides(part.title, part.items, _notes_text(part.blocks, doc.footnotes))
    for q in s.questions:
        label = f"{lab['question']} {q.number}"
        deck.section_slide(label, clean_text(q.title), f"{q.number}. {q.title}", q.number)
        notes: list[str] = []
        columns = []
        for pos in q.positions:
            body = [r for r in _flat_runs(parse(pos.position).blocks) if r.footnote is None]
            runs = _first_words(body, 90) or [Run(lab["no_position"], italic=True)]
            columns.append((clean_text(pos.group.name), pos.group.colour, Item(runs)))
            full = "\n".join(blocks_plain(parse(pos.section_markdown or pos.position).blocks))
            notes.append(f"{pos.group.name} :\n{full}")
        short = short_question(q.title)
        deck.columns_slides(f"{label} — {lab['positions']}", columns, "\n\n".join(notes), short)
        if q.arguments:
            arg_items: list[Item] = []
            arg_lines: list[str] = []
            for arg in q.arguments:
                _argument_items(arg, 0, ed.language, arg_items)
                _argument_notes(arg, 0, ed.language, arg_lines)
            arg_notes = "\n".join(arg_lines)
            deck.bullet_slides(f"{label} — {lab['exchanges']}", arg_items, arg_notes, short)
    deck.closing_slide(lab["thanks"], lab["questions"])
    deck.package.properties(**synthesis_properties(s, lab))
    return deck.to_bytes()
