"""The visual map of a question: claims and replies as a tree, drawn as SVG on the server
(no script, so it reads the same on a phone, a laptop and a projector)."""

from __future__ import annotations

from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.deliberation.models import Kind

NODE_W, NODE_H, GAP_X, GAP_Y = 260, 64, 60, 18
KIND_FILL = {
    Kind.CLAIM: "#fff8e1",
    Kind.SUPPORT: "#e8f5e9",
    Kind.OPPOSE: "#fdecea",
    Kind.REBUT: "#ede7f6",
    Kind.QUESTION: "#e3f2fd",
}
KIND_MARK = {
    Kind.CLAIM: "◆",
    Kind.SUPPORT: "+",
    Kind.OPPOSE: "−",
    Kind.REBUT: "↺",
    Kind.QUESTION: "?",
}


def _label(node) -> str:
    a = node.argument
    if a.deleted:
        return _("(deleted by its author)")
    if a.hidden:
        return _("(hidden by the moderation)")
    text = " ".join(a.text.split())
    return text[:70] + ("…" if len(text) > 70 else "")


def render(roots, groups: dict, thread_url: str = "") -> Markup:
    placed = []  # (node, depth, row)
    row = 0

    def place(node, depth: int) -> float:
        nonlocal row
        if not node.children:
            y = row
            row += 1
        else:
            ys = [place(child, depth + 1) for child in node.children]
            y = (ys[0] + ys[-1]) / 2
        placed.append((node, depth, y))
        return y

    for root in roots:
        place(root, 0)
    if not placed:
        return Markup("")
    depth_max = max(d for _, d, _ in placed)
    width = (depth_max + 1) * (NODE_W + GAP_X)
    height = max(row, 1) * (NODE_H + GAP_Y)
    where = {id(n): (d * (NODE_W + GAP_X), y * (NODE_H + GAP_Y)) for n, d, y in placed}
    parts = []
    for node, _depth, _y in placed:
        x, y = where[id(node)]
        for child in node.children:
            cx, cy = where[id(child)]
            parts.append(
                f'<path d="M{x + NODE_W},{y + NODE_H / 2} C{x + NODE_W + GAP_X / 2},'
                f'{y + NODE_H / 2} {cx - GAP_X / 2},{cy + NODE_H / 2} {cx},{cy + NODE_H / 2}" '
                f'fill="none" stroke="#9e9684" stroke-width="1.5"/>'
            )
    for node, _depth, _y in placed:
        x, y = where[id(node)]
        a = node.argument
        group = groups.get(a.group_id)
        colour = group.colour if group else "#546e7a"
        parts.append(
            f'<a href="{escape(thread_url)}#a{a.id}" data-argument="{a.id}"><g class="map-node">'
            f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="8" '
            f'fill="{KIND_FILL.get(a.kind, "#fff")}" stroke="{escape(colour)}" stroke-width="3"/>'
            f'<text x="{x + 10}" y="{y + 20}" font-size="13" font-weight="bold" '
            f'fill="{escape(colour)}">{KIND_MARK.get(a.kind, "")} '
            f"{escape(group.name if group else '')} · {node.balance:+d}</text>"
            f'<foreignObject x="{x + 8}" y="{y + 24}" '
            f'width="{NODE_W - 16}" height="{NODE_H - 26}">'
            f'<div xmlns="http://www.w3.org/1999/xhtml" class="map-text">'
            f"{escape(_label(node))}</div>"
            f"</foreignObject></g></a>"
        )
    return Markup(  # noqa: S704 - every text above goes through escape()
        f'<svg class="argument-map" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="-10 -10 {width + 20} {height + 20}" width="{width + 20}" '
        f'height="{height + 20}" role="group" aria-label="{escape(_("Map of the arguments"))}">'
        + "".join(parts)
        + "</svg>"
    )
