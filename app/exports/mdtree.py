"""Palabre Markdown → a small, format-neutral block tree shared by the Word and deck writers.

Links are filtered here (http/https/mailto only), text is cleaned here, so the writers
never see anything unsafe.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from app.core.markdown import clean_text, is_safe_link, keep_orphan_footnotes, markdown

__all__ = [
    "Block",
    "Code",
    "Doc",
    "Heading",
    "ListBlock",
    "Para",
    "Quote",
    "Rule",
    "Run",
    "Table",
    "parse",
    "plain",
    "split_lead_in",
]


@dataclass(slots=True)
class Run:
    text: str = ""
    bold: bool = False
    italic: bool = False
    code: bool = False
    strike: bool = False
    link: str | None = None  #: a safe URL, or None
    footnote: int | None = None  #: footnote number (1-based) for a reference run
    image: tuple[str, str] | None = None  #: (src, alt)
    br: bool = False  #: hard line break


@dataclass(slots=True)
class Heading:
    level: int
    runs: list[Run]


@dataclass(slots=True)
class Para:
    runs: list[Run]


@dataclass(slots=True)
class ListBlock:
    ordered: bool
    start: int
    items: list[list[Block]]


@dataclass(slots=True)
class Quote:
    blocks: list[Block]


@dataclass(slots=True)
class Code:
    text: str


@dataclass(slots=True)
class Rule:
    pass


@dataclass(slots=True)
class Table:
    aligns: list[str]  #: "", "left", "center", "right" per column
    header: list[list[Run]]
    rows: list[list[list[Run]]]


Block = Heading | Para | ListBlock | Quote | Code | Rule | Table


@dataclass(slots=True)
class Doc:
    blocks: list[Block]
    #: footnote number (1-based, in order of first reference) → its blocks
    footnotes: dict[int, list[Block]] = field(default_factory=dict)


_STYLE_ALIGN = re.compile(r"text-align:\s*(left|right|center)")


def _inline(children, footnote_base: int) -> list[Run]:
    runs: list[Run] = []
    bold = italic = strike = 0
    link_stack: list[str | None] = []
    for tok in children or ():
        t = tok.type
        link = link_stack[-1] if link_stack else None
        if t == "text":
            if tok.content:
                runs.append(Run(tok.content, bold > 0, italic > 0, False, strike > 0, link))
        elif t == "code_inline":
            runs.append(Run(tok.content, bold > 0, italic > 0, True, strike > 0, link))
        elif t == "softbreak":
            runs.append(Run(" ", bold > 0, italic > 0, False, strike > 0, link))
        elif t == "hardbreak":
            runs.append(Run("\n", br=True))
        elif t == "strong_open":
            bold += 1
        elif t == "strong_close":
            bold -= 1
        elif t == "em_open":
            italic += 1
        elif t == "em_close":
            italic -= 1
        elif t == "s_open":
            strike += 1
        elif t == "s_close":
            strike -= 1
        elif t == "link_open":
            href = tok.attrGet("href") or ""
            link_stack.append(href if is_safe_link(href) else None)
        elif t == "link_close":
            if link_stack:
                link_stack.pop()
        elif t == "image":
            alt = "".join(
                c.content for c in tok.children or () if c.type in ("text", "code_inline")
            )
            runs.append(Run(alt, image=(tok.attrGet("src") or "", alt)))
        elif t == "footnote_ref":
            runs.append(Run(footnote=footnote_base + tok.meta["id"] + 1))
        elif tok.content:
            runs.append(Run(tok.content, bold > 0, italic > 0))
    return _merge(runs)


def _merge(runs: list[Run]) -> list[Run]:
    out: list[Run] = []
    for r in runs:
        if (
            out
            and r.image is None
            and r.footnote is None
            and not r.br
            and out[-1].image is None
            and out[-1].footnote is None
            and not out[-1].br
            and (out[-1].bold, out[-1].italic, out[-1].code, out[-1].strike, out[-1].link)
            == (r.bold, r.italic, r.code, r.strike, r.link)
        ):
            out[-1] = replace(out[-1], text=out[-1].text + r.text)
        else:
            out.append(r)
    return out


class _Parser:
    def __init__(self, tokens, footnote_base: int) -> None:
        self.tokens = tokens
        self.i = 0
        self.base = footnote_base
        self.footnotes: dict[int, list[Block]] = {}

    def blocks(self, until: str | None = None) -> list[Block]:
        out: list[Block] = []
        toks = self.tokens
        while self.i < len(toks):
            tok = toks[self.i]
            t = tok.type
            if until is not None and t == until:
                self.i += 1
                return out
            self.i += 1
            if t == "heading_open":
                out.append(Heading(int(tok.tag[1]), _inline(toks[self.i].children, self.base)))
                self.i += 2
            elif t == "paragraph_open":
                runs = _inline(toks[self.i].children, self.base)
                self.i += 2
                if runs:
                    out.append(Para(runs))
            elif t in ("bullet_list_open", "ordered_list_open"):
                ordered = t == "ordered_list_open"
                start = int(tok.attrGet("start") or 1) if ordered else 1
                close = "ordered_list_close" if ordered else "bullet_list_close"
                items: list[list[Block]] = []
                while self.i < len(toks) and toks[self.i].type != close:
                    if toks[self.i].type == "list_item_open":
                        self.i += 1
                        items.append(self.blocks("list_item_close"))
                    else:
                        self.i += 1
                self.i += 1
                out.append(ListBlock(ordered, start, items))
            elif t == "blockquote_open":
                out.append(Quote(self.blocks("blockquote_close")))
            elif t in ("fence", "code_block"):
                out.append(Code(tok.content.rstrip("\n")))
            elif t == "hr":
                out.append(Rule())
            elif t == "table_open":
                out.append(self.table())
            elif t == "footnote_block_open":
                self.footnote_block()
            # other tokens (html is disabled; *_close handled by callers) are skipped
        return out

    def table(self) -> Table:
        toks = self.tokens
        header: list[list[Run]] = []
        rows: list[list[list[Run]]] = []
        aligns: list[str] = []
        row: list[list[Run]] | None = None
        in_head = False
        while self.i < len(toks):
            tok = toks[self.i]
            self.i += 1
            t = tok.type
            if t == "table_close":
                break
            if t == "thead_open":
                in_head = True
            elif t == "thead_close":
                in_head = False
            elif t == "tr_open":
                row = []
            elif t == "tr_close" and row is not None:
                if in_head:
                    header = row
                else:
                    rows.append(row)
            elif t in ("th_open", "td_open") and row is not None:
                if in_head:
                    m = _STYLE_ALIGN.search(tok.attrGet("style") or "")
                    aligns.append(m.group(1) if m else "")
                row.append(_inline(toks[self.i].children, self.base))
                self.i += 2
        width = len(header) or max((len(r) for r in rows), default=0)
        aligns += [""] * (width - len(aligns))
        return Table(aligns, header, [r + [[]] * (width - len(r)) for r in rows])

    def footnote_block(self) -> None:
        toks = self.tokens
        while self.i < len(toks) and toks[self.i].type != "footnote_block_close":
            tok = toks[self.i]
            self.i += 1
            if tok.type == "footnote_open":
                number = self.base + tok.meta["id"] + 1
                self.footnotes[number] = self.blocks("footnote_close")
        self.i += 1


def parse(text: str | None, *, footnote_base: int = 0) -> Doc:
    """Parse Palabre Markdown; footnotes are numbered from ``footnote_base + 1``."""
    tokens = markdown().parse(keep_orphan_footnotes(clean_text(text)))
    p = _Parser(tokens, footnote_base)
    blocks = p.blocks()
    # a footnote anchor token sits inside the last paragraph of a note: nothing to keep
    return Doc(blocks, p.footnotes)


def plain(runs: list[Run]) -> str:
    """The text a reader sees (images by their alt text, footnotes as [n])."""
    parts = []
    for r in runs:
        if r.footnote is not None:
            parts.append(f"[{r.footnote}]")
        else:
            parts.append(r.text)
    return "".join(parts)


def blocks_plain(blocks: list[Block], depth: int = 0) -> list[str]:
    """Blocks as indented plain-text lines (speaker notes, bibliographies)."""
    lines: list[str] = []
    pad = "  " * depth
    for b in blocks:
        if isinstance(b, (Heading, Para)):
            lines.append(pad + plain(b.runs))
        elif isinstance(b, ListBlock):
            for n, item in enumerate(b.items, b.start):
                sub = blocks_plain(item, depth + 1)
                marker = f"{n}. " if b.ordered else "– "
                if sub:
                    sub[0] = pad + marker + sub[0].lstrip()
                lines.extend(sub)
        elif isinstance(b, Quote):
            lines.extend(pad + "« " + s.strip() + " »" for s in blocks_plain(b.blocks))
        elif isinstance(b, Code):
            lines.extend(pad + s for s in b.text.splitlines())
        elif isinstance(b, Table):
            if b.header:
                lines.append(pad + " | ".join(plain(c) for c in b.header))
            lines.extend(pad + " | ".join(plain(c) for c in row) for row in b.rows)
    return lines


_LEAD_END = re.compile(r"^\s*[:：—–-]\s*")


def split_lead_in(runs: list[Run]) -> tuple[str, list[Run]] | None:
    """ "**Des enjeux éducatifs** : à la veille…" → ("Des enjeux éducatifs", rest).

    A lead-in is bold text at the very start, followed by a colon or a dash (or ending
    with a colon itself). Returns None when the runs do not start with one.
    """
    if not runs or not runs[0].bold or runs[0].footnote is not None or runs[0].image:
        return None
    k = 0
    while k < len(runs) and runs[k].bold and runs[k].footnote is None and not runs[k].image:
        k += 1
    lead = "".join(r.text for r in runs[:k]).strip()
    rest = list(runs[k:])
    if lead.endswith(":"):
        lead = lead[:-1].rstrip()
    elif rest and _LEAD_END.match(rest[0].text):
        rest[0] = replace(rest[0], text=_LEAD_END.sub("", rest[0].text, count=1))
        if not rest[0].text:
            rest.pop(0)
    elif not rest:
        return None
    else:
        return None
    if not lead or len(lead) > 120:
        return None
    return lead, rest
