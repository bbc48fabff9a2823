"""The facilitators' review copy: a group's Word document with its comments in the margin.

Each thread becomes a Word comment on the passage it is about, its replies Word replies
(``commentsExtended``: ``paraIdParent``), a resolved thread marked done there. Finding the
passage in what the Markdown became: two private-use characters (``marks``) are put
around it in the section's Markdown, where that changes nothing else the Markdown says;
after writing, each run is cut at its marks and the marks become the comment's range. A
passage they could not go around is looked for by its text in the section's paragraphs;
one not found (deleted, or across blocks) is commented on the section's heading, its
quote first.
"""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Sequence
from dataclasses import fields, is_dataclass, replace

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from lxml import etree

from .docx_comment_parts import write_comments
from .docx_writer import DocxWriter
from .labels import labels
from .mdtree import blocks_plain, parse
from .model import GroupDeliverable, ReviewComment, Section
from .ooxml import XML_SPACE, w_sub, w_tag
from .word import write_paper

__all__ = ["review_docx"]


_FIRST, _LAST = 0xF0000, 0xFFFFD  # Supplementary Private Use Area-A
_MAX_MARKED = (_LAST - _FIRST) // 2  # threads past it go on their heading
_MARKS = re.compile("[\U000f0000-\U000ffffd]")
#: what opens a line of Markdown before its text: quote, heading, list item, table row
_LINE_MARKUP = re.compile(
    r"(?:[ \t]*(?:>|#{1,6}(?=[ \t])|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t])|\|))*[ \t]*"
)


def _opening(n: int) -> str:
    return chr(_FIRST + 2 * n)


def _closing(n: int) -> str:
    return chr(_FIRST + 2 * n + 1)


def review_docx(deliverable: GroupDeliverable, threads: Sequence[ReviewComment]) -> bytes:
    """The group's Word document with ``threads`` as Word comments (a .docx, bytes)."""
    lab = labels(deliverable.edition.language)
    markdown = {s.key: s.markdown or "" for s in deliverable.sections}
    threads = [t for t in threads if t.section_key in markdown]
    sections, marked = _marked(deliverable.sections, threads)
    w, written = write_paper(deliverable, sections=sections, note=lab["review_copy"])
    _search(threads, marked, written, markdown)
    placed = _cut_at_marks(w.package.body)
    _clean_marks(w)
    order = {el: k for k, el in enumerate(w.package.body.iter())}
    ranges, on_heading = {}, set()
    for n, thread in enumerate(threads):
        start, end = placed.get(_opening(n)), placed.get(_closing(n))
        if start is None or end is None or order[start] > order[end]:
            for el in (start, end):
                if el is not None:
                    el.getparent().remove(el)
            start, end = _on_heading(written[thread.section_key][0])
            on_heading.add(n)
        ranges[n] = (start, end)
    ids = write_comments(w, threads, lab, on_heading)
    for n, (start, end) in ranges.items():
        _range(start, end, ids[n])
    w.package.properties(**_properties(deliverable, lab))
    return w.to_bytes()


def _properties(deliverable: GroupDeliverable, lab) -> dict:
    ed, group = deliverable.edition, deliverable.group
    return dict(
        title=f"{ed.title} — {group.name} — {lab['review_copy']}",
        author=group.name,
        subject=ed.title,
        keywords="; ".join((ed.title, group.name, lab["position_paper"], lab["review_copy"])),
        created=deliverable.generated_at,
    )


# --- the passages in the Markdown ----------------------------------------------------------


def _unmarked(value):
    """A parsed document (or any part of it) without the marks."""
    if isinstance(value, str):
        return _MARKS.sub("", value)
    if isinstance(value, list | tuple):
        return type(value)(_unmarked(v) for v in value)
    if isinstance(value, dict):
        return {k: _unmarked(v) for k, v in value.items()}
    if is_dataclass(value):
        return replace(value, **{f.name: _unmarked(getattr(value, f.name)) for f in fields(value)})
    return value


def _span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The passage ``start``–``end`` without the line breaks and the line's markup (``- ``,
    ``## ``, ``> ``…) it may begin with, nor the blanks it may end with."""
    start, end = max(0, start), min(len(text), end)
    while start < end:
        if text[start] == "\n":
            start += 1
        elif start == 0 or text[start - 1] == "\n":
            skip = _LINE_MARKUP.match(text, start).end()
            if skip == start:
                break
            start = skip
        else:
            break
    while end > start and text[end - 1] in "\n \t":
        end -= 1
    return (start, end) if start < end else None


def _insert(text: str, marks: list[tuple[int, str]]) -> str:
    out, at = [], 0
    # at one place, a passage's end goes before another's start
    for index, mark in sorted(marks, key=lambda m: (m[0], 0 if ord(m[1]) % 2 else 1)):
        out += [text[at:index], mark]
        at = index
    return "".join(out) + text[at:]


def _marked(
    sections: Sequence[Section], threads: list[ReviewComment]
) -> tuple[list[Section], set[int]]:
    """The sections with each thread's passage between its marks where they change nothing
    else of what the Markdown says; which threads were so marked."""
    marked: set[int] = set()
    out = []
    for section in sections:
        text = section.markdown or ""
        mine = [
            n
            for n, t in enumerate(threads[:_MAX_MARKED])
            if t.section_key == section.key and t.start is not None and t.end is not None
        ]
        if not mine or _MARKS.search(text):
            out.append(section)
            continue
        reference = parse(text)
        marks: list[tuple[int, str]] = []
        for n in mine:
            span = _span(text, threads[n].start, threads[n].end)
            if span is None:
                continue
            trial = [*marks, (span[0], _opening(n)), (span[1], _closing(n))]
            if _unmarked(parse(_insert(text, trial))) == reference:
                marks = trial
                marked.add(n)
        out.append(replace(section, markdown=_insert(text, marks)))
    return out, marked


# --- the passages in the document ----------------------------------------------------------


def _passage_text(thread: ReviewComment, markdown: str) -> str:
    """What the reader sees of the passage, its Markdown marks gone."""
    return " ".join(blocks_plain(parse(markdown[thread.start : thread.end]).blocks)).strip()


def _search(threads, marked: set[int], written: dict[str, list], markdown: dict) -> None:
    """Put the marks of the threads not marked in the Markdown around the first text of a
    paragraph of their section that is what the reader sees of their passage."""
    for n, thread in enumerate(threads):
        if n in marked or n >= _MAX_MARKED or thread.start is None or thread.end is None:
            continue
        wanted = _passage_text(thread, markdown[thread.section_key])
        if not wanted:
            continue
        for p in _paragraphs(written[thread.section_key]):
            texts = list(p.iter(w_tag("t")))
            joined = "".join(t.text or "" for t in texts)
            real = [k for k, c in enumerate(joined) if not _MARKS.match(c)]
            at = "".join(joined[k] for k in real).find(wanted)
            if at < 0:
                continue
            _mark_text(texts, real[at + len(wanted) - 1] + 1, _closing(n))
            _mark_text(texts, real[at], _opening(n))
            break


def _paragraphs(elements: list):
    for el in elements[1:]:  # not the heading
        if el.tag == w_tag("p"):
            yield el
        else:
            yield from el.iter(w_tag("p"))


def _mark_text(texts: list, index: int, mark: str) -> None:
    """Insert ``mark`` at ``index`` of the text these ``w:t`` hold together."""
    for t in texts:
        value = t.text or ""
        if index <= len(value):
            t.text = value[:index] + mark + value[index:]
            return
        index -= len(value)
    texts[-1].text = (texts[-1].text or "") + mark


def _cut_at_marks(body) -> dict[str, etree._Element]:
    """Cut every run holding a mark at the mark, which becomes an empty
    ``commentRangeStart`` (an opening) or ``commentRangeEnd`` (a closing) between the
    two halves; returns them by mark."""
    placed: dict[str, etree._Element] = {}
    for t in list(body.iter(w_tag("t"))):
        while t is not None and t.text and _MARKS.search(t.text):
            t = _cut(t, placed)
    return placed


def _cut(t, placed: dict) -> etree._Element | None:
    """Cut ``t``'s run at its first mark; the ``w:t`` holding the rest, if any."""
    text = t.text
    at = _MARKS.search(text).start()
    mark = text[at]
    run = t.getparent()
    rest = etree.Element(w_tag("r"))
    rpr = run.find(w_tag("rPr"))
    if rpr is not None:
        rest.append(copy.deepcopy(rpr))
    after = etree.SubElement(rest, w_tag("t"))
    after.text = text[at + 1 :]
    after.set(XML_SPACE, "preserve")
    for sibling in list(t.itersiblings()):
        rest.append(sibling)
    t.text = text[:at]
    if not t.text:
        run.remove(t)
    marker = etree.Element(w_tag("commentRangeStart" if ord(mark) % 2 == 0 else "commentRangeEnd"))
    run.addnext(marker)
    marker.addnext(rest)
    if len(run) == (1 if rpr is not None else 0):
        run.getparent().remove(run)
    if mark in placed:  # a mark twice (an alt text shown twice): keep the first
        marker.getparent().remove(marker)
    else:
        placed[mark] = marker
    if not after.text:
        rest.remove(after)
        if len(rest) == (1 if rpr is not None else 0):
            rest.getparent().remove(rest)
        return None
    return after


def _clean_marks(w: DocxWriter) -> None:
    """No mark left anywhere: text, attributes (a picture's description), footnotes."""
    roots = [w.package.body]
    with contextlib.suppress(KeyError):  # no footnotes
        roots.append(w.package.part.part_related_by(RT.FOOTNOTES).element)
    for root in roots:
        for t in root.iter(w_tag("t")):
            if t.text and _MARKS.search(t.text):
                t.text = _MARKS.sub("", t.text)
        for el in root.iter():
            for name, value in el.attrib.items():
                if _MARKS.search(value):
                    el.set(name, _MARKS.sub("", value))


def _on_heading(heading) -> tuple:
    """A range around the text of the section's heading."""
    start = etree.Element(w_tag("commentRangeStart"))
    first = next((c for c in heading if c.tag in (w_tag("r"), w_tag("hyperlink"))), None)
    if first is None:
        heading.append(start)
    else:
        first.addprevious(start)
    end = etree.SubElement(heading, w_tag("commentRangeEnd"))
    return start, end


def _range(start, end, ids: list[int]) -> None:
    """The range of a thread (and its replies, on the same passage) and their references."""
    start.set(w_tag("id"), str(ids[0]))
    end.set(w_tag("id"), str(ids[0]))
    at_start, at_end = start, end
    for cid in ids[1:]:
        at_start = _after(at_start, "commentRangeStart", cid)
        at_end = _after(at_end, "commentRangeEnd", cid)
    for cid in ids:
        reference = etree.Element(w_tag("r"))
        w_sub(w_sub(reference, "rPr"), "rStyle", val="CommentReference")
        w_sub(reference, "commentReference", id=cid)
        at_end.addnext(reference)
        at_end = reference


def _after(el, tag: str, cid: int):
    new = etree.Element(w_tag(tag))
    new.set(w_tag("id"), str(cid))
    el.addnext(new)
    return new
