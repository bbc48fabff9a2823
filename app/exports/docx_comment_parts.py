"""The review copy's comments part (``comments.xml``, ``commentsExtended.xml``): each
thread and its replies as Word comments, a reply pointing at its thread
(``paraIdParent``), a resolved thread marked done. Where they go in the text is
``docx_comments``'s business."""

from __future__ import annotations

import datetime as dt

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from lxml import etree

from app.core.markdown import clean_text

from .docx_inline import Where
from .docx_writer import DocxWriter
from .mdtree import Heading, Para, Run, blocks_plain, parse
from .ooxml import w_tag

__all__ = ["write_comments"]

W14_NS = "http://schemas.microsoft.com/office/word/2010/wordml"
W15_NS = "http://schemas.microsoft.com/office/word/2012/wordml"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_EXTENDED_RT = "http://schemas.microsoft.com/office/2011/relationships/commentsExtended"
_EXTENDED_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.commentsExtended+xml"


def _utc(at: dt.datetime) -> dt.datetime:
    at = at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).replace(microsecond=0)


def _initials(name: str) -> str:
    return "".join(word[0] for word in name.split() if word[:1].isalnum())[:4].upper()


def _body_paragraphs(markdown: str) -> list[list[Run]]:
    out: list[list[Run]] = []
    for block in parse(markdown).blocks:
        if isinstance(block, Para | Heading):
            out.append(block.runs)
        else:
            out.extend([Run(line)] for line in blocks_plain([block]))
    return out or [[Run("")]]


def write_comments(w: DocxWriter, threads, lab, on_heading: set[int]) -> dict[int, list[int]]:
    """Every thread (and reply) written in comments.xml and commentsExtended.xml; the ids
    of each thread's comments, by its number. A thread on its section's heading starts
    with its quote (and says when its passage was deleted)."""
    doc = w.package.doc
    ids: dict[int, list[int]] = {}
    extended = etree.Element(f"{{{W15_NS}}}commentsEx", nsmap={"w15": W15_NS, "mc": MC_NS})
    extended.set(f"{{{MC_NS}}}Ignorable", "w15")
    part = None
    for n, thread in enumerate(threads):
        lead = None
        if n in on_heading:
            lead = lab["quoted"].format(quote=clean_text(thread.quote))
            if thread.start is None or thread.end is None:
                lead = f"{lab['passage_deleted']} {lead}"
        notes = [(thread.author, thread.at, thread.body, lead)] + [
            (r.author, r.at, r.body, None) for r in thread.replies
        ]
        parent = None
        ids[n] = []
        for author, at, body, first_line in notes:
            author = clean_text(author)
            comment = doc.comments.add_comment(author=author, initials=_initials(author))
            part = part or doc.part.part_related_by(RT.COMMENTS)
            el = part.element.get_comment_by_id(comment.comment_id)
            el.date = _utc(at)
            last = _comment_content(w, part, el, body, first_line)
            para = f"{len(extended) + 1:08X}"
            last.set(f"{{{W14_NS}}}paraId", para)
            ex = etree.SubElement(extended, f"{{{W15_NS}}}commentEx")
            ex.set(f"{{{W15_NS}}}paraId", para)
            if parent is not None:
                ex.set(f"{{{W15_NS}}}paraIdParent", parent)
            ex.set(f"{{{W15_NS}}}done", "1" if thread.resolved else "0")
            parent = parent or para
            ids[n].append(comment.comment_id)
    if part is not None:
        _extended_part(w, extended)
    return ids


def _comment_content(w: DocxWriter, part, el, body: str, lead: str | None):
    """The comment's text in ``el`` (its first paragraph already holds Word's mark);
    returns its last paragraph."""
    where = Where(part, allow_footnotes=False, allow_images=False)
    paragraphs = _body_paragraphs(body)
    if lead:
        paragraphs.insert(0, [Run(lead, italic=True)])
    first = el.find(w_tag("p"))
    last = first
    for k, runs in enumerate(paragraphs):
        if k:
            last = w.inline.p("CommentText")
            el.append(last)
        w.inline.runs(last, runs, where)
    return last


def _extended_part(w: DocxWriter, extended) -> None:
    package = w.package.doc.part.package
    part = XmlPart(PackURI("/word/commentsExtended.xml"), _EXTENDED_CT, extended, package)
    w.package.doc.part.relate_to(part, _EXTENDED_RT)
