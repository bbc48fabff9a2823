"""The Word documents: a group's position paper, and the cross-group synthesis."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lxml import etree

from app.core.markdown import clean_text

from .content import (
    paper_properties,
    parse_sections,
    section_heading,
    source_runs,
    synthesis_properties,
)
from .docx_outline import LOGO
from .docx_writer import DocxWriter
from .labels import format_date, kind_label, labels
from .mdtree import Heading, Para, Run, parse
from .model import Argument, Edition, GroupDeliverable, Section, Source, Synthesis
from .ooxml import hex_colour, readable_on, w_tag

__all__ = ["group_docx", "synthesis_docx", "write_paper"]


def _writer(ed: Edition, images: Mapping[str, bytes], lab) -> DocxWriter:
    images = dict(images)
    if ed.logo:
        images[LOGO] = ed.logo
    return DocxWriter(language=ed.language, reference=ed.reference_docx, images=images, labels=lab)


def group_docx(deliverable: GroupDeliverable) -> bytes:
    """The group's position paper as a .docx (bytes)."""
    return write_paper(deliverable)[0].to_bytes()


def write_paper(
    deliverable: GroupDeliverable, *, sections: Sequence[Section] | None = None, note: str = ""
) -> tuple[DocxWriter, dict[str, list]]:
    """The group's paper written (``sections`` instead of the deliverable's, a ``note``
    line on the cover) but not saved: the writer, and per section key the body elements
    written for it, its heading first."""
    ed, group = deliverable.edition, deliverable.group
    lab = labels(ed.language)
    w = _writer(ed, deliverable.images, lab)
    parsed = parse_sections(deliverable.sections if sections is None else sections)
    notes: dict[int, list] = {}
    for _, doc in parsed:
        notes.update(doc.footnotes)
    w.inline.set_footnotes(notes)

    members = ", ".join(clean_text(m) for m in group.members if m.strip())
    w.outline.cover(
        logo=ed.logo,
        title=ed.title,
        subtitle=f"{lab['position_paper']} — {group.name}",
        lines=[
            clean_text(ed.subtitle),
            f"{lab['members']} : {members}" if members else "",
            note,
        ],
        date_text=format_date(ed.date, ed.language),
        colour=group.colour,
    )
    w.outline.toc_placeholder()
    w.outline.page_break()

    written: dict[str, list] = {}
    for section, doc in parsed:
        first = len(w.package.body)
        w.outline.heading(1, [Run(section_heading(section, lab))])
        if not doc.blocks:
            w.inline.paragraph([Run(lab["todo"], italic=True)])
        else:
            # the section's shallowest heading becomes Heading 2, whatever "#" count was typed
            levels = [b.level for b in doc.blocks if isinstance(b, Heading)]
            w.blocks.write(doc.blocks, heading_offset=2 - min(levels) if levels else 1)
        written[section.key] = list(w.package.body)[first:]

    if deliverable.sources:
        _bibliography(w, deliverable.sources, lab)
    if deliverable.arguments:
        _annex(w, deliverable, lab)

    w.package.properties(**paper_properties(deliverable, lab["position_paper"]))
    return w, written


def _bibliography(w: DocxWriter, sources: Sequence[Source], lab) -> None:
    w.outline.heading(1, [Run(lab["bibliography"])])
    for source in sources:
        w.inline.paragraph(source_runs(source), "Bibliography")


def _argument_runs(arg: Argument, language: str, sources: dict, lab) -> list[Run]:
    runs = [Run(kind_label(arg.kind, language) + " : ", bold=True)]
    doc = parse(arg.text)
    first = True
    for block in doc.blocks:
        if isinstance(block, Para):
            if not first:
                runs.append(Run(" "))
            runs.extend(r for r in block.runs if r.footnote is None and r.image is None)
            first = False
    byline = ", ".join(x for x in (clean_text(arg.author), clean_text(arg.group)) if x.strip())
    if byline:
        runs.append(Run(f" — {byline}", italic=True))
    if arg.citations:
        cites = []
        for c in arg.citations:
            src = sources.get(c.source_id)
            text = f"[{c.source_id}]" + (f" {clean_text(src.title)}" if src else "")
            if c.page:
                text += f", {lab['page']} {clean_text(c.page)}"
            if c.quote:
                text += f", « {clean_text(c.quote)} »"
            cites.append(text)
        runs.append(Run(f" ({lab['cited']} : " + " ; ".join(cites) + ")"))
    return runs


def _emit_argument(w: DocxWriter, arg: Argument, depth: int, language: str, sources, lab):
    w.blocks.bullet(_argument_runs(arg, language, sources, lab), depth)
    for child in arg.children:
        _emit_argument(w, child, depth + 1, language, sources, lab)


def _annex(w: DocxWriter, deliverable: GroupDeliverable, lab) -> None:
    w.outline.heading(1, [Run(lab["annex"])])
    titles = {s.number: s for s in deliverable.sections if s.number is not None}
    sources = {s.id: s for s in deliverable.sources}
    by_question: dict[int | None, list[Argument]] = {}
    for arg in deliverable.arguments:
        by_question.setdefault(arg.question, []).append(arg)
    order = sorted(q for q in by_question if q is not None) + (
        [None] if None in by_question else []
    )
    for q in order:
        if q is None:
            title = lab["general"]
        elif q in titles:
            title = section_heading(titles[q], lab)
        else:
            title = f"{lab['question']} {q}"
        w.outline.heading(2, [Run(title)], toc=False)

        for arg in by_question[q]:
            _emit_argument(w, arg, 0, deliverable.edition.language, sources, lab)


# ---------------------------------------------------------------------- synthesis
def synthesis_docx(s: Synthesis) -> bytes:
    """The cross-group synthesis as a .docx: per question, each group's position side by
    side and the main arguments exchanged."""
    ed = s.edition
    lab = labels(ed.language)
    w = _writer(ed, s.images, lab)
    w.outline.cover(
        logo=ed.logo,
        title=ed.title,
        subtitle=lab["synthesis"],
        lines=[clean_text(ed.subtitle), " · ".join(clean_text(g.name) for g in s.groups)],
        date_text=format_date(ed.date, ed.language),
    )
    w.outline.toc_placeholder()
    w.outline.page_break()
    if s.introduction.strip():
        w.outline.heading(1, [Run(lab["introduction"])])
        w.blocks.write(parse(s.introduction).blocks)
    for q in s.questions:
        w.outline.heading(1, [Run(f"{q.number}. {clean_text(q.title)}")])
        w.outline.heading(2, [Run(lab["positions"])], toc=False)
        if q.positions:
            w.package.add(_positions_table(w, q, lab))
            w.package.add(w.inline.p(None))
        if q.arguments:
            w.outline.heading(2, [Run(lab["exchanges"])], toc=False)
            for arg in q.arguments:
                _emit_argument(w, arg, 0, ed.language, {}, lab)
    w.package.properties(**synthesis_properties(s, lab))
    return w.to_bytes()


def _positions_table(w: DocxWriter, q, lab):
    """Groups side by side (one column each) up to 3 groups, else one row per group."""
    positions = q.positions
    side_by_side = len(positions) <= 3
    ncols = len(positions) if side_by_side else 2
    text_width = w.package.text_width
    widths = (
        [text_width // ncols] * ncols
        if side_by_side
        else [text_width // 4, text_width - text_width // 4]
    )
    tables = w.blocks
    tbl = tables.new_table([width // 635 for width in widths])

    def cell(tr, width, fill: str | None = None):
        return tables.new_cell(tr, width // 635, fill)

    def group_label(tc, group) -> None:
        p = w.inline.p(None)
        rpr = w.inline.r(p, clean_text(group.name), Run(bold=True)).find(w_tag("rPr"))
        color = etree.Element(w_tag("color"))
        color.set(w_tag("val"), readable_on(hex_colour(group.colour)))
        rpr.insert(len(rpr) - 1, color)  # before w:lang, which stays last
        tc.append(p)

    def position_blocks(pos):
        blocks = parse(pos.position).blocks
        return blocks or [Para([Run(lab["no_position"], italic=True)])]

    if side_by_side:
        tr = tables.new_row(tbl, header=True)
        for pos, width in zip(positions, widths, strict=True):
            group_label(cell(tr, width, hex_colour(pos.group.colour)), pos.group)
        tr = tables.new_row(tbl)
        for pos, width in zip(positions, widths, strict=True):
            tables.cell_blocks(cell(tr, width), position_blocks(pos), width)
    else:
        for pos in positions:
            tr = tables.new_row(tbl)
            group_label(cell(tr, widths[0], hex_colour(pos.group.colour)), pos.group)
            tables.cell_blocks(cell(tr, widths[1]), position_blocks(pos), widths[1])
    return tbl
