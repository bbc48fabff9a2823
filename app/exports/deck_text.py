"""What a paragraph becomes on a slide: its lead sentence(s) within a budget of words,
the visible marker ``CUT`` ("[…]") where the rest is left out, its bold lead-in kept whole;
and the short form of a question that titles its slides."""

from __future__ import annotations

import re

from app.core.markdown import clean_text

from .mdtree import Run, plain, split_lead_in
from .pptx_fit import CUT, Item, truncate_runs

__all__ = [
    "LEAD_WORDS",
    "condense",
    "condensed_item",
    "is_cut",
    "lead_in",
    "lead_item",
    "runs_text",
    "sentences",
    "short_question",
]

#: a paragraph longer than this keeps its lead sentence(s), at most this many words…
LEAD_WORDS = 26
#: …and, when its whole sentences that fit make fewer words than this, its first words
SHORT_LEAD = 10
#: a question longer than this is titled by a short form of it on its content slides
QUESTION_WORDS = 12

_SENTENCE_END = re.compile(r"[.!?…](?:[»\")\]]*)(?=[\s\u00a0]+[«\"“(A-ZÀ-ÖØ-Þ0-9])")
_ASKING = re.compile(
    r"^(?:quel(?:le)?s?\s+(?:est|sont)\s+|what\s+(?:is|are)\s+|which\s+(?:is|are)\s+)", re.I
)
_CLAUSE = re.compile(r"\s+(?:au vu d|à la lumière d|compte tenu d|in (?:the )?light of|given )|,")


def runs_text(runs: list[Run]) -> str:
    """The text of ``runs`` (footnote calls and images count for nothing)."""
    return "".join(r.text for r in runs)


def is_cut(runs: list[Run]) -> bool:
    return bool(runs) and runs[-1].text == CUT


def _word_end(text: str, n: int) -> int:
    """The index just after the ``n``-th word of ``text``."""
    pos = 0
    for word in text.split()[:n]:
        pos = text.find(word, pos) + len(word)
    return pos


def condense(runs: list[Run], max_words: int = LEAD_WORDS) -> list[Run]:
    """``runs`` if at most ``max_words`` words, else as many of their whole sentences as fit
    in ``max_words`` (else, or when those say less than SHORT_LEAD words, the first
    ``max_words`` words), followed by CUT.

    Footnote references and images are dropped (their text goes to the speaker notes).
    """
    runs = [r for r in runs if r.footnote is None and r.image is None]
    text = runs_text(runs)
    if len(text.split()) <= max_words:
        return runs
    cut = 0
    for m in _SENTENCE_END.finditer(text):
        if len(text[: m.end()].split()) > max_words:
            break
        cut = m.end()
    if len(text[:cut].split()) < min(SHORT_LEAD, max_words):  # a short opening says too little
        cut = _word_end(text, max_words)
        clause = max(text.rfind(sep, 0, cut) for sep in (", ", "; ", " — ", " – ", " : "))
        if clause >= cut * 0.6:  # end on a clause, not on "et" or "de"
            cut = clause
    out = truncate_runs(runs, cut)
    while out and not out[-1].text.rstrip(" ,;:—–-"):
        out.pop()
    if out:
        last = out[-1]
        out[-1] = Run(
            last.text.rstrip(" ,;:—–-"), last.bold, last.italic, last.code, last.strike, last.link
        )
    return [*out, Run(CUT)]


def condensed_item(runs: list[Run], **kw) -> Item:
    """An item of ``runs``, marked condensed if they end with CUT."""
    return Item(runs, condensed=is_cut(runs), **kw)


def lead_in(runs: list[Run]) -> tuple[str, str, list[Run]] | None:
    """(lead-in as shown, lead-in as a title, rest) of a paragraph opening with bold text
    followed by a colon ("**Des enjeux éducatifs** : …") or ending with a full stop
    ("**Des enjeux éducatifs.** La fuite…"); None otherwise."""
    found = split_lead_in(runs)
    if found:
        return found[0] + "\u00a0:", found[0], found[1]
    k = 0
    while k < len(runs) and runs[k].bold and runs[k].footnote is None and not runs[k].image:
        k += 1
    lead = runs_text(runs[:k]).strip()
    rest = list(runs[k:])
    if 0 < len(lead) <= 120 and lead[-1] in ".!?" and runs_text(rest).strip():
        while rest and not rest[0].text.strip():
            rest.pop(0)
        first = rest[0]
        rest[0] = Run(
            first.text.lstrip(), first.bold, first.italic, first.code, first.strike, first.link
        )
        return lead, lead.rstrip(".").strip(), rest
    return None


def lead_item(runs: list[Run], max_words: int = LEAD_WORDS, **kw) -> Item:
    """A paragraph as a slide item: its bold lead-in kept whole (in the group's colour),
    the rest condensed to ``max_words``."""
    found = lead_in(runs)
    if found:
        rest = condense(found[2], max_words)
        return condensed_item([Run(found[0], bold=True), Run(" "), *rest], lead=1, full=runs, **kw)
    return condensed_item(condense(runs, max_words), full=runs, **kw)


def short_question(question: str, max_words: int = QUESTION_WORDS) -> str:
    """A question short enough for a slide title: its first question, then without its
    interrogative opening ("Quelle est la légalité…" → "La légalité…"), then up to its first
    clause; never a bare "Question N"."""
    text = " ".join(clean_text(question).split())
    if len(text.split()) <= max_words:
        return text
    first = re.split(r"(?<=\?)\s+", text)[0]
    if len(first.split()) <= max_words:
        return first
    body = _ASKING.sub("", first).rstrip(" ?")
    body = body[:1].upper() + body[1:]
    clause = _CLAUSE.search(body)
    if clause and len(body[: clause.start()].split()) >= 4:
        body = body[: clause.start()]
    words = body.split()
    if len(words) > max_words:
        return " ".join(words[:max_words]).rstrip(",;:") + " …"
    return body


def sentences(runs: list[Run]) -> list[list[Run]]:
    """``runs`` cut into sentences (footnote references and images left out)."""
    runs = [r for r in runs if r.footnote is None and r.image is None]
    text = runs_text(runs)
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
            piece = t[a - pos : b - pos]
            out.append(
                Run(
                    piece.lstrip() if a == start else piece,
                    r.bold,
                    r.italic,
                    r.code,
                    r.strike,
                    r.link,
                )
            )
        pos += len(t)
    return out
