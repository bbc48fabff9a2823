"""The Word documents: a group's position paper, and the cross-group synthesis."""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from app.core.markdown import clean_text, is_safe_link

from .docx_writer import DocxWriter, _sub, _w
from .labels import format_date, hex_colour, kind_label, labels, readable_on
from .mdtree import Doc, Heading, Para, Run, parse
from .model import Argument, GroupDeliverable, Section, Source, Synthesis

__all__ = ["group_docx", "parse_sections", "synthesis_docx"]


def parse_sections(sections: Sequence[Section]) -> list[tuple[Section, Doc]]:
    """Parse every section, numbering footnotes across the whole paper."""
    out = []
    base = 0
    for section in sections:
        doc = parse(section.markdown, footnote_base=base)
        base += len(doc.footnotes)
        if doc.footnotes:
            base = max(base, max(doc.footnotes))
        out.append((section, doc))
    return out


def section_heading(section: Section, lab: dict[str, str]) -> str:
    title = clean_text(section.title).strip()
    if section.number is not None:
        return f"{section.number}. {title}" if title else f"{lab['question']} {section.number}"
    return title or lab.get(section.key, section.key.capitalize())


def _cover(w: DocxWriter, *, logo, title, subtitle, lines: list[str], date_text: str) -> None:
    if logo:
        p = w._p(None, align="center")
        w._image(p, "__logo__", "logo", w.body_ctx, max_width=1800000)
        w.add(p)
    w.paragraph([Run(clean_text(title))], "Title")
    if subtitle:
        w.paragraph([Run(clean_text(subtitle))], "Subtitle")
    for line in lines:
        if line:
            w.paragraph([Run(clean_text(line))])
    if date_text:
        w.paragraph([Run(date_text, italic=True)])
    w.page_break()


def group_docx(deliverable: GroupDeliverable) -> bytes:
    """The group's position paper as a .docx (bytes)."""
    ed, group = deliverable.edition, deliverable.group
    lab = labels(ed.language)
    images = dict(deliverable.images)
    if ed.logo:
        images["__logo__"] = ed.logo
    w = DocxWriter(language=ed.language, reference=ed.reference_docx, images=images, labels=lab)
    parsed = parse_sections(deliverable.sections)
    notes: dict[int, list] = {}
    for _, doc in parsed:
        notes.update(doc.footnotes)
    w.set_footnotes(notes)

    members = ", ".join(clean_text(m) for m in group.members if m.strip())
    _cover(
        w,
        logo=ed.logo,
        title=ed.title,
        subtitle=f"{lab['position_paper']} — {group.name}",
        lines=[clean_text(ed.subtitle), f"{lab['members']} : {members}" if members else ""],
        date_text=format_date(ed.date, ed.language),
    )
    w.toc_placeholder()
    w.page_break()

    for section, doc in parsed:
        w.heading(1, [Run(section_heading(section, lab))])
        if not doc.blocks:
            w.paragraph([Run(lab["todo"], italic=True)])
            continue
        # the section's shallowest heading becomes Heading 2, whatever "#" count was typed
        levels = [b.level for b in doc.blocks if isinstance(b, Heading)]
        w.blocks(doc.blocks, heading_offset=2 - min(levels) if levels else 1)

    if deliverable.sources:
        _bibliography(w, deliverable.sources, lab)
    if deliverable.arguments:
        _annex(w, deliverable, lab)

    w.properties(
        title=f"{ed.title} — {group.name}",
        author=group.name,
        subject=ed.title,
        keywords=f"{ed.title}; {group.name}; {lab['position_paper']}",
        created=deliverable.generated_at,
    )
    return w.to_bytes()


def _source_runs(source: Source) -> list[Run]:
    runs = [Run(f"[{clean_text(str(source.id))}] ")]
    author = clean_text(source.author).strip()
    if author:
        runs.append(Run(author + (f" ({source.year})" if source.year else "") + ". "))
    elif source.year:
        runs.append(Run(f"({source.year}). "))
    runs.append(Run(clean_text(source.title).strip() + ".", italic=True))
    url = clean_text(source.url).strip()
    if url and is_safe_link(url):  # an unsafe URL (javascript:, file:…) is left out
        runs += [Run(" "), Run(url, link=url)]
    note = clean_text(source.note).strip()
    if note:
        runs.append(Run(" " + note))
    return runs


def _bibliography(w: DocxWriter, sources: Sequence[Source], lab) -> None:
    w.heading(1, [Run(lab["bibliography"])])
    for source in sources:
        w.paragraph(_source_runs(source), "Bibliography")


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
    style = "List Bullet" if depth == 0 else f"List Bullet {min(depth + 1, 3)}"
    p = w._p(style, num=(w.bullet_num, min(depth, 8)))
    w.runs(p, _argument_runs(arg, language, sources, lab), w.body_ctx)
    w.add(p)
    for child in arg.children:
        _emit_argument(w, child, depth + 1, language, sources, lab)


def _annex(w: DocxWriter, deliverable: GroupDeliverable, lab) -> None:
    w.heading(1, [Run(lab["annex"])])
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
        w.heading(2, [Run(title)], toc=False)

        for arg in by_question[q]:
            _emit_argument(w, arg, 0, deliverable.edition.language, sources, lab)


# ---------------------------------------------------------------------- synthesis
def synthesis_docx(s: Synthesis) -> bytes:
    """The cross-group synthesis as a .docx: per question, each group's position side by
    side and the main arguments exchanged."""
    ed = s.edition
    lab = labels(ed.language)
    images = dict(s.images)
    if ed.logo:
        images["__logo__"] = ed.logo
    w = DocxWriter(language=ed.language, reference=ed.reference_docx, images=images, labels=lab)
    _cover(
        w,
        logo=ed.logo,
        title=ed.title,
        subtitle=lab["synthesis"],
        lines=[clean_text(ed.subtitle), " · ".join(clean_text(g.name) for g in s.groups)],
        date_text=format_date(ed.date, ed.language),
    )
    w.toc_placeholder()
    w.page_break()
    if s.introduction.strip():
        w.heading(1, [Run(lab["introduction"])])
        w.blocks(parse(s.introduction).blocks)
    for q in s.questions:
        w.heading(1, [Run(f"{q.number}. {clean_text(q.title)}")])
        w.heading(2, [Run(lab["positions"])], toc=False)
        if q.positions:
            w.add(_positions_table(w, q, lab))
            w.add(w._p(None))
        if q.arguments:
            w.heading(2, [Run(lab["exchanges"])], toc=False)
            for arg in q.arguments:
                _emit_argument(w, arg, 0, ed.language, {}, lab)
    w.properties(
        title=f"{ed.title} — {lab['synthesis']}",
        author=ed.title,
        subject=lab["synthesis"],
        keywords=f"{ed.title}; {lab['synthesis']}",
        created=s.generated_at,
    )
    return w.to_bytes()


def _positions_table(w: DocxWriter, q, lab):
    """Groups side by side (one column each) up to 3 groups, else one row per group."""
    positions = q.positions
    side_by_side = len(positions) <= 3
    ncols = len(positions) if side_by_side else 2
    widths = (
        [w.text_width // ncols] * ncols
        if side_by_side
        else [w.text_width // 4, w.text_width - w.text_width // 4]
    )
    tbl = etree.Element(_w("tbl"))
    tblpr = _sub(tbl, "tblPr")
    _sub(tblpr, "tblStyle", val=w.style_ids.get("Table Grid", "TableGrid"))
    _sub(tblpr, "tblW", w=5000, type="pct")
    grid = _sub(tbl, "tblGrid")
    for width in widths:
        _sub(grid, "gridCol", w=width // 635)

    def cell(tr, width, fill: str | None = None):
        tc = _sub(tr, "tc")
        tcpr = _sub(tc, "tcPr")
        _sub(tcpr, "tcW", w=width // 635, type="dxa")
        if fill:
            _sub(tcpr, "shd", val="clear", color="auto", fill=fill)
        return tc

    def group_label(tc, group) -> None:
        colour = hex_colour(group.colour)
        p = w._p(None)
        r = w._r(p, clean_text(group.name), Run(bold=True))
        rpr = r.find(_w("rPr"))
        color = etree.Element(_w("color"))
        color.set(_w("val"), readable_on(colour))
        rpr.insert(len(rpr) - 1, color)
        tc.append(p)

    def position_blocks(pos):
        blocks = parse(pos.position).blocks
        return blocks or [Para([Run(lab["no_position"], italic=True)])]

    if side_by_side:
        tr = _sub(tbl, "tr")
        _sub(_sub(tr, "trPr"), "tblHeader")
        for pos, width in zip(positions, widths, strict=True):
            group_label(cell(tr, width, hex_colour(pos.group.colour)), pos.group)
        tr = _sub(tbl, "tr")
        for pos, width in zip(positions, widths, strict=True):
            w.cell_blocks(cell(tr, width), position_blocks(pos), width)
    else:
        for pos in positions:
            tr = _sub(tbl, "tr")
            group_label(cell(tr, widths[0], hex_colour(pos.group.colour)), pos.group)
            w.cell_blocks(cell(tr, widths[1]), position_blocks(pos), widths[1])
    return tbl
