"""The visual map of a question: claims and replies as a tree, drawn as SVG on the server.

One SVG holds two layouts: ``wide`` (a thesis on the left, its replies in columns to its
right: laptops, projectors) and ``narrow`` (nodes stacked, replies indented below their
parent: phones). The nodes are drawn once, each with its place in both layouts (CSS
variables; a node is as wide, so as tall, in both); each layout has its own links. Without
script a media query picks the layout; the map's script (frontend/src/pages/argument-map.js)
picks the one that stays readable in its box, then pans and zooms it. Nodes come in thread
order, so Tab walks the debate as the threads do. Node text is the argument's Markdown read
as plain text (:func:`plain_text`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.core.markdown import clean_text, markdown
from app.deliberation.models import Kind

#: Node text past this many characters is cut on the server (the browser clamps the lines).
MAX_CHARS = 320
#: Text metrics of the nodes, in SVG units (= CSS pixels at zoom 1): static/css/debate.css
#: sets the same sizes, and CHAR_W is a generous average width of a character of body text.
FONT, LINE, HEAD, PAD, CHAR_W = 14, 19, 20, 9, 7.4
MAX_LINES = 5
#: Nodes are as wide in both layouts, so as tall: one set of nodes, placed by CSS.
NODE_W = 300
#: wide: gaps between columns and rows; narrow: the indent of a reply, capped, and the gap.
GAP_X, GAP_Y = 56, 14
INDENT, MAX_INDENT, NARROW_GAP = 14, 3, 10

KIND_FILL = {
    Kind.CLAIM: "#fff6d9",
    Kind.SUPPORT: "#e6f4e7",
    Kind.OPPOSE: "#fde9e7",
    Kind.REBUT: "#efe8f8",
    Kind.QUESTION: "#e3f0fc",
}
KIND_MARK = {
    Kind.CLAIM: "◆",
    Kind.SUPPORT: "+",
    Kind.OPPOSE: "−",
    Kind.REBUT: "↺",
    Kind.QUESTION: "?",
}
#: The link to a reply is drawn by its kind too, so the stance never rests on colour alone.
EDGE_DASH = {Kind.OPPOSE: "7 4", Kind.REBUT: "2 3", Kind.QUESTION: "9 3 2 3"}


def kind_label(kind) -> str:
    return {
        Kind.CLAIM: _("Thesis"),
        Kind.SUPPORT: _("For"),
        Kind.OPPOSE: _("Against"),
        Kind.REBUT: _("Rebuttal"),
        Kind.QUESTION: _("Question"),
    }.get(kind, "")


def plain_text(text: str | None, limit: int = MAX_CHARS) -> str:
    """The words of a Markdown text without its markup: emphasis, links (their text stays),
    code marks, headings and lists flattened; footnote references and notes dropped."""
    tokens = markdown().parse(clean_text(text), {})
    words: list[str] = []
    in_notes = 0
    for token in tokens:
        if token.type == "footnote_block_open":
            in_notes += 1
        elif token.type == "footnote_block_close":
            in_notes -= 1
        elif token.type == "inline" and not in_notes:
            for child in token.children or ():
                if child.type in ("text", "code_inline", "html_inline"):
                    words.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    words.append(" ")
                elif child.type == "image":
                    words.append(child.content)
            words.append(" ")
        elif token.type in ("fence", "code_block") and not in_notes:
            words.append(f" {token.content} ")
    flat = " ".join("".join(words).split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] if " " in flat[:limit] else flat[:limit]
    return cut.rstrip(" ,;:.") + "…"


def _label(node) -> str:
    a = node.argument
    if a.deleted:
        return _("(deleted by its author)")
    if a.hidden:
        return _("(hidden by the moderation)")
    return plain_text(a.text)


@dataclass
class _Box:
    """A node's size (the same in both layouts) and its place in each."""

    node: object
    depth: int
    text: str
    lines: int = 1
    h: float = 0
    at: dict = field(default_factory=dict)  # layout → (x, y)


def _measure(box: _Box) -> None:
    per_line = max(12, int((NODE_W - 2 * PAD - 6) / CHAR_W))
    box.lines = max(1, min(MAX_LINES, math.ceil(len(box.text) / per_line)))
    box.h = PAD + HEAD + box.lines * LINE + PAD


def _wide(boxes: dict, roots) -> tuple[float, float]:
    """Columns by depth; a parent centred on its replies, subtrees never overlapping."""
    y = {}

    def shift(node, dy: float) -> None:
        y[id(node)] += dy
        for child in node.children:
            shift(child, dy)

    def place(node, top: float) -> float:
        box = boxes[id(node)]
        if not node.children:
            y[id(node)] = top
            return top + box.h
        bottom = top
        for child in node.children:
            bottom = place(child, bottom) + GAP_Y
        bottom -= GAP_Y
        first, last = node.children[0], node.children[-1]
        centre = (y[id(first)] + boxes[id(first)].h / 2 + y[id(last)] + boxes[id(last)].h / 2) / 2
        y[id(node)] = centre - box.h / 2
        if y[id(node)] < top:
            bottom += top - y[id(node)]
            shift(node, top - y[id(node)])
        return max(bottom, y[id(node)] + box.h)

    bottom = -GAP_Y * 2
    for root in roots:
        bottom = place(root, bottom + GAP_Y * 2)
    for key, box in boxes.items():
        box.at["wide"] = (box.depth * (NODE_W + GAP_X), y[key])
    return max(box.at["wide"][0] for box in boxes.values()) + NODE_W, bottom


def _narrow(boxes: dict, order: list) -> tuple[float, float]:
    """One column in thread order, each reply indented under its parent (capped)."""
    y = 0.0
    for node in order:
        box = boxes[id(node)]
        if box.depth == 0 and y:
            y += NARROW_GAP * 2  # a new thesis: more room above it
        box.at["narrow"] = (min(box.depth, MAX_INDENT) * INDENT, y)
        y += box.h + NARROW_GAP
    return NODE_W + MAX_INDENT * INDENT, y - NARROW_GAP


def _edge(parent: _Box, child: _Box, layout: str) -> str:
    (px, py), (cx, cy) = parent.at[layout], child.at[layout]
    if layout == "wide":
        x0, y0, y1, bend = px + NODE_W, py + parent.h / 2, cy + child.h / 2, GAP_X / 2
        d = f"M{x0:.0f},{y0:.0f} C{x0 + bend:.0f},{y0:.0f} {cx - bend:.0f},{y1:.0f} "
        d += f"{cx:.0f},{y1:.0f}"
    else:
        x0 = px + INDENT / 2 if cx > px else px + 3
        y1 = cy + min(child.h / 2, PAD + HEAD / 2)
        d = f"M{x0:.0f},{py + parent.h:.0f} V{y1:.0f} H{cx:.0f}"
    kind = child.node.argument.kind
    dash = f' stroke-dasharray="{EDGE_DASH[kind]}"' if kind in EDGE_DASH else ""
    return (
        f'<path class="map-edge kind-{escape(kind)}" d="{d}" fill="none" stroke="#857d6b" '
        f'stroke-width="2"{dash}/>'
    )


def _node(box: _Box, groups: dict, thread_url: str) -> str:
    """One link per argument; CSS moves it to its place in the layout shown (--n: narrow)."""
    a = box.node.argument
    group = groups.get(a.group_id)
    colour = escape(group.colour if group else "#546e7a")
    gone = " gone" if a.deleted or a.hidden else ""
    fill = "#f2f2f2" if gone else KIND_FILL.get(a.kind, "#fff")
    (wx, wy), (nx, ny) = box.at["wide"], box.at["narrow"]
    return (
        f'<a href="{escape(thread_url)}#a{a.id}" data-argument="{a.id}" '
        f'class="map-node kind-{escape(a.kind)}{gone}">'
        f'<g class="map-place" transform="translate({wx:.0f} {wy:.0f})" '
        f'style="--wx:{wx:.0f}px;--wy:{wy:.0f}px;--nx:{nx:.0f}px;--ny:{ny:.0f}px">'
        f'<rect class="map-ring" x="-6" y="-6" width="{NODE_W + 12}" height="{box.h + 12:.0f}" '
        f'rx="14" fill="none"/>'
        f'<rect class="map-card" width="{NODE_W}" height="{box.h:.0f}" '
        f'rx="{2 if a.kind == Kind.CLAIM else 10}" fill="{fill}" stroke="{colour}" '
        f'stroke-width="{3 if a.kind == Kind.CLAIM else 2}"/>'
        f'<rect class="map-stripe" width="6" height="{box.h:.0f}" fill="{colour}"/>'
        f'<foreignObject x="6" width="{NODE_W - 6}" height="{box.h:.0f}">'
        f'<div xmlns="http://www.w3.org/1999/xhtml" class="map-box">'
        f'<p class="map-head"><span class="map-kind">{KIND_MARK.get(a.kind, "")} '
        f"{escape(kind_label(a.kind))}</span>"
        f'<span class="map-group">{escape(group.name if group else "")}</span>'
        f'<span class="map-balance" title="{escape(_("Convincing balance"))}">'
        f"{box.node.balance:+d}</span></p>"
        f'<p class="map-text" style="-webkit-line-clamp:{box.lines}">{escape(box.text)}</p>'
        f"</div></foreignObject></g></a>"
    )


def render(roots, groups: dict, thread_url: str = "") -> Markup:
    """The map of ``roots`` (threads.thread's forest): both layouts' links (one ``<g>`` of
    edges each) and the nodes once, in thread order."""
    order = [node for root in roots for node in root.walk()]
    if not order:
        return Markup("")
    boxes = {}
    for root in roots:
        stack = [(root, 0)]
        while stack:
            node, level = stack.pop()
            boxes[id(node)] = _Box(node, level, _label(node))
            _measure(boxes[id(node)])
            stack.extend((child, level + 1) for child in node.children)
    sizes = {"wide": _wide(boxes, roots), "narrow": _narrow(boxes, order)}
    layers = []
    for layout, (width, height) in sizes.items():
        edges = [_edge(boxes[id(n)], boxes[id(c)], layout) for n in order for c in n.children]
        hidden = ' display="none"' if layout == "narrow" else ""
        layers.append(
            f'<g class="map-layout" data-layout="{layout}" data-width="{math.ceil(width)}" '
            f'data-height="{math.ceil(height)}"{hidden}>' + "".join(edges) + "</g>"
        )
    nodes = "".join(_node(boxes[id(n)], groups, thread_url) for n in order)
    description = " ".join(
        [
            _(
                "Arguments on this question: %(count)d (theses: %(theses)d).",
                count=len(order),
                theses=len(roots),
            ),
            _(
                "Each thesis comes with its replies, in the order of the threads; each box "
                "gives the kind, the group, the convincing balance and the text, and opens "
                "the argument in the threaded view."
            ),
        ]
    )
    (ww, wh), (nw, nh) = ((math.ceil(w) + 16, math.ceil(h) + 16) for w, h in sizes.values())
    return Markup(  # noqa: S704 - every text above goes through escape()
        f'<svg class="argument-map" xmlns="http://www.w3.org/2000/svg" width="{ww}" '
        f'height="{wh}" style="--wide-w:{ww}px;--wide-h:{wh}px;--narrow-w:{nw}px;'
        f'--narrow-h:{nh}px" role="group" aria-labelledby="map-title" '
        f'aria-describedby="map-desc">'
        f'<title id="map-title">{escape(_("Map of the arguments"))}</title>'
        f'<desc id="map-desc">{escape(description)}</desc>'
        f'<g class="map-view" transform="translate(8 8)">' + "".join(layers) + nodes + "</g></svg>"
    )
