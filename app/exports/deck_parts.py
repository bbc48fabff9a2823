"""What a section of a paper becomes on slides: parts, each with its layout and its title.

A heading or a long bold lead-in starts a part titled by it; a quotation, a table, a
picture, a list of many short items (two columns) and a section made of one short
paragraph (a statement) each get their own layout. A paragraph keeps its lead sentence(s)
and, when the rest is left out, ends with the visible marker ``CUT`` ("[…]"): the item is
then ``condensed``, the slide says so and its notes hold the full text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .deck_text import LEAD_WORDS, condense, condensed_item, lead_in, lead_item, sentences
from .mdtree import Block, Code, Heading, ListBlock, Para, Quote, Run, Table, plain
from .pptx_fit import CUT, Item

__all__ = ["Part", "paper_parts"]

#: a paragraph keeps its lead sentence(s) within LEAD_WORDS (:mod:`.deck_text`), or more on
#: a slide of few items: WORDS_PER_SLIDE shared, at most MAX_LEAD_WORDS each
WORDS_PER_SLIDE, MAX_LEAD_WORDS = 90, 60
#: a bold lead-in paragraph longer than this becomes its own slide titled by the lead-in
LEADIN_SLIDE_WORDS = 45
#: …showing at most this many of its sentences
LEADIN_SENTENCES = 5
#: a list of at least COLUMN_ITEMS items of at most SHORT_WORDS words: two columns
COLUMN_ITEMS, SHORT_WORDS = 6, 10
#: a section that is one paragraph of at most this many words: a statement slide
STATEMENT_WORDS = 35
#: a paragraph of at most this many words right after a quotation is shown under it
COMMENT_WORDS = 30
_SOURCE = re.compile(r"^\s*[—–-]\s*")


def _recondense(part: Part) -> None:
    """Items condensed again with the words a slide of that few items can show."""
    budget = max(LEAD_WORDS, min(MAX_LEAD_WORDS, WORDS_PER_SLIDE // max(1, len(part.items))))
    if budget == LEAD_WORDS:
        return
    for k, item in enumerate(part.items):
        if item.full is not None and item.condensed:
            again = lead_item(item.full, budget, level=item.level, number=item.number)
            again.bullet = item.bullet
            part.items[k] = again


@dataclass
class Part:
    title: str
    items: list[Item] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)  #: the source, for the notes
    #: "bullets", "columns", "quote", "statement", "table", "image"
    kind: str = "bullets"
    table: Table | None = None
    image: tuple[str, str] | None = None
    intro: Item | None = None  #: columns, table: the line above them
    source: str = ""  #: quote: its attribution
    comment: Item | None = None  #: quote: a short paragraph after it, shown under it
    continued: bool = False  #: goes on from an earlier part of the same title


def _list_items(block: ListBlock, depth: int, out: list[Item]) -> None:
    for n, item in enumerate(block.items, block.start):
        first = True
        number = n if block.ordered else None
        for sub in item:
            if isinstance(sub, Para) and first:
                out.append(lead_item(sub.runs, level=depth, number=number))
                first = False
            elif isinstance(sub, ListBlock):
                if first:
                    out.append(Item([Run("")], depth, number=number))
                    first = False
                _list_items(sub, depth + 1, out)


def _short_flat_list(block: ListBlock) -> bool:
    if block.ordered or len(block.items) < COLUMN_ITEMS:
        return False
    for item in block.items:
        if len(item) != 1 or not isinstance(item[0], Para):
            return False
        if len(plain(item[0].runs).split()) > SHORT_WORDS:
            return False
    return True


class _Builder:
    """Parts in order; ``base`` is the title of the current heading (or the section's)."""

    def __init__(self, default_title: str) -> None:
        self.base = default_title
        self.parts: list[Part] = [Part(default_title)]
        self.closed: set[int] = set()  #: parts nothing more goes into (a lead-in's)

    def _new(self, kind: str) -> Part:
        shown = any(p.title == self.base and (p.items or p.kind != "bullets") for p in self.parts)
        part = Part(self.base, kind=kind, continued=shown)
        self.parts.append(part)
        return part

    def fresh(self, kind: str) -> Part:
        """The last part if it is an empty bullets part (a heading's), else a new one."""
        last = self.parts[-1]
        if last.kind == "bullets" and not last.items and id(last) not in self.closed:
            last.kind = kind
            return last
        return self._new(kind)

    def bullets(self) -> Part:
        last = self.parts[-1]
        if last.kind != "bullets" or id(last) in self.closed:
            return self._new("bullets")
        return last

    def add(self, block: Block) -> None:
        if isinstance(block, Heading):
            self.base = plain(block.runs).strip() or self.base
            self.parts.append(Part(self.base, blocks=[block]))
        elif isinstance(block, Para):
            self.paragraph(block)
        elif isinstance(block, ListBlock):
            self.list(block)
        elif isinstance(block, Quote):
            part = self.fresh("quote")
            part.blocks.append(block)
            paras = [b for b in block.blocks if isinstance(b, Para)]
            if len(paras) > 1 and _SOURCE.match(plain(paras[-1].runs)):
                part.source = _SOURCE.sub("", plain(paras[-1].runs)).strip()
                paras = paras[:-1]
            part.items = [Item([r for r in p.runs if r.footnote is None]) for p in paras]
        elif isinstance(block, Table):
            intro, intro_block = self.take_intro()
            part = self.fresh("table")
            part.intro = intro
            part.blocks += [intro_block, block] if intro_block is not None else [block]
            part.table = block
        elif isinstance(block, Code):
            self.parts[-1].blocks.append(block)  # notes only

    def paragraph(self, block: Para) -> None:
        images = [r for r in block.runs if r.image is not None]
        if images and not plain([r for r in block.runs if r.image is None]).strip():
            src, alt = images[0].image  # type: ignore[misc]
            part = self.fresh("image")
            part.title, part.continued = alt or part.title, part.continued and not alt
            part.blocks.append(block)
            part.image = (src, alt)
            return
        last = self.parts[-1]
        if (
            last.kind == "quote"
            and last.comment is None
            and len(plain(block.runs).split()) <= COMMENT_WORDS
            and not any(r.image for r in block.runs)
        ):
            last.comment = Item([r for r in block.runs if r.footnote is None], bullet=False)
            last.blocks.append(block)
            return
        lead = lead_in(block.runs)
        if lead and len(plain(lead[2]).split()) > LEADIN_SLIDE_WORDS:
            part = Part(lead[1], blocks=[block])
            self.parts.append(part)
            self.closed.add(id(part))
            found = sentences(lead[2])
            if found and found[0]:
                first = found[0][0]
                found[0][0] = Run(
                    first.text[:1].upper() + first.text[1:],
                    first.bold,
                    first.italic,
                    first.code,
                    first.strike,
                    first.link,
                )
            for sentence in found[:LEADIN_SENTENCES]:
                part.items.append(condensed_item(condense(sentence)))
            if len(found) > LEADIN_SENTENCES and not part.items[-1].condensed:
                part.items[-1] = condensed_item([*part.items[-1].runs, Run(CUT)])
            return
        part = self.bullets()
        part.blocks.append(block)
        part.items.append(lead_item(block.runs))

    def take_intro(self) -> tuple[Item | None, Para | None]:
        """The last paragraph if it ends with a colon: it introduces what follows (a table,
        columns) and goes on that slide."""
        last = self.parts[-1]
        if (
            last.kind == "bullets"
            and id(last) not in self.closed
            and last.items
            and last.blocks
            and isinstance(last.blocks[-1], Para)
            and plain(last.items[-1].runs).rstrip().endswith(":")
        ):
            intro = last.items.pop()
            intro.bullet = False
            return intro, last.blocks.pop()  # type: ignore[return-value]
        return None, None

    def list(self, block: ListBlock) -> None:
        if not _short_flat_list(block):
            part = self.bullets()
            part.blocks.append(block)
            _list_items(block, 0, part.items)
            return
        intro, intro_block = self.take_intro()
        part = self.fresh("columns")
        part.intro = intro
        part.blocks += [intro_block, block] if intro_block is not None else [block]
        _list_items(block, 0, part.items)


def paper_parts(blocks: list[Block], default_title: str) -> list[Part]:
    """Split a section into slide-sized parts, each with its layout (``Part.kind``)."""
    builder = _Builder(default_title)
    for block in blocks:
        builder.add(block)
    parts = [p for p in builder.parts if p.items or p.kind != "bullets"]
    for part in parts:
        if part.kind == "bullets" and id(part) not in builder.closed:
            _recondense(part)
    if (
        len(parts) == 1
        and parts[0].kind == "bullets"
        and len(parts[0].items) == 1
        and len(blocks) == 1
        and isinstance(blocks[0], Para)
        and len(plain(blocks[0].runs).split()) <= STATEMENT_WORDS
    ):
        parts[0].kind = "statement"
        parts[0].items = [Item([r for r in blocks[0].runs if r.footnote is None], bullet=False)]
    return parts
