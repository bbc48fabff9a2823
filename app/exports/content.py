"""What a group's Word document and its deck both say, whatever the format.

Sections parsed with footnotes numbered across the whole paper, section headings, the
reference of a source, and the document properties: the two writers must agree on them.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.core.markdown import clean_text, is_safe_link

from .mdtree import Doc, Run, parse
from .model import GroupDeliverable, Section, Source, Synthesis

__all__ = [
    "paper_properties",
    "parse_sections",
    "section_heading",
    "source_runs",
    "synthesis_properties",
]


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


def source_runs(source: Source) -> list[Run]:
    """``[1] Author (2023). *Title.* https://… Note`` — an unsafe URL is left out."""
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


def paper_properties(deliverable: GroupDeliverable, *keywords: str) -> dict:
    """The document properties of a group's deliverable (``keywords`` added to the usual)."""
    ed, group = deliverable.edition, deliverable.group
    return dict(
        title=f"{ed.title} — {group.name}",
        author=group.name,
        subject=ed.title,
        keywords="; ".join((ed.title, group.name, *keywords)),
        created=deliverable.generated_at,
    )


def synthesis_properties(s: Synthesis, lab: dict[str, str]) -> dict:
    """The document properties of the synthesis, in Word and PowerPoint alike."""
    title = s.edition.title
    return dict(
        title=f"{title} — {lab['synthesis']}",
        author=title,
        subject=lab["synthesis"],
        keywords=f"{title}; {lab['synthesis']}",
        created=s.generated_at,
    )
