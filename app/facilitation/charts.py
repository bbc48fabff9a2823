"""Server-drawn charts of the dashboard (SVG, and one HTML bar) (no script, no external service).

Large type and strong contrast: they are meant to be read on a projector. Every text is
escaped; colours come from the group's checked ``#rrggbb`` or fixed palettes.
"""

from __future__ import annotations

from typing import Any

from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.core.templating import readable_ink

STATUS_COLOURS = {"empty": "#e7e1d3", "in_progress": "#f2c14e", "long_enough": "#3a8d5c"}
STATUS_INK = {"empty": "#5b5446", "in_progress": "#3b2f05", "long_enough": "#ffffff"}
SHADES = (
    "#1f5f8b",
    "#b5651d",
    "#2e7d32",
    "#6a1b9a",
    "#00838f",
    "#ad1457",
    "#546e7a",
    "#8d6e63",
    "#5c6bc0",
    "#c0ca33",
)
FONT = 'font-family="system-ui, sans-serif"'


def _svg(width: int, height: int, body: list[str], title: str) -> Markup:
    return Markup(  # noqa: S704 - every dynamic text below goes through escape()
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg" {FONT}>'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _text(x, y, text, *, size=16, anchor="start", fill="#1d1a14", weight="normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}">{escape(str(text))}</text>'
    )


def _said(label: str, value: str) -> str:
    """ "Label: value", with the language's space before the colon."""
    return _("%(label)s: %(value)s", label=label, value=value)


def progress(dashboard) -> Markup:
    """Groups × sections: words written, coloured empty / in progress / long enough."""
    labels = dashboard.section_labels
    left, cell_w, cell_h, top = 210, 86, 44, 34
    width = left + cell_w * max(len(labels), 1) + 100
    height = top + cell_h * max(len(dashboard.groups), 1) + 10
    body = [
        _text(left + i * cell_w + cell_w / 2, 24, label, anchor="middle", weight="bold")
        for i, label in enumerate(labels)
    ]
    body.append(_text(width - 50, 24, _("Total"), anchor="middle", weight="bold"))
    for row, block in enumerate(dashboard.groups):
        y = top + row * cell_h
        body.append(
            f'<rect x="0" y="{y + 6}" width="10" height="{cell_h - 12}" '
            f'fill="{escape(block.group.colour)}"/>'
        )
        body.append(_text(16, y + cell_h / 2 + 6, block.group.name[:22], size=17, weight="bold"))
        for col, section in enumerate(block.sections):
            x = left + col * cell_w
            body.append(
                f'<rect x="{x + 2}" y="{y + 2}" width="{cell_w - 4}" height="{cell_h - 4}" '
                f'rx="6" fill="{STATUS_COLOURS[section.status]}" '
                f'stroke="{"#7a1c15" if section.locked else "none"}" stroke-width="3">'
                f"<title>{escape(_said(section.label, format_decimal(section.words)))}</title>"
                "</rect>"
            )
            body.append(
                _text(
                    x + cell_w / 2,
                    y + cell_h / 2 + 6,
                    format_decimal(section.words),
                    size=18,
                    anchor="middle",
                    fill=STATUS_INK[section.status],
                    weight="bold",
                )
            )
        total = format_decimal(block.words)
        body.append(_text(width - 50, y + cell_h / 2 + 6, total, size=18, anchor="middle"))
    return _svg(width, height, body, _("Words written per group and section"))


def participation(dashboard) -> Markup:
    """Per group, the share of the paper each member wrote: one stacked bar, in HTML so
    that it fits a phone's width whole (an SVG would shrink its text or scroll away the
    end of the bar)."""
    rows = []
    for block in dashboard.groups:
        written = [m for m in block.members if m.chars]
        if written:
            parts = []
            for index, member in enumerate(written):
                said = escape(_said(member.name, format_percent(member.share)))
                name = escape(member.name.split(" ")[0][:12]) if member.share >= 0.18 else ""
                shade = SHADES[index % len(SHADES)]
                parts.append(
                    f'<span class="share" style="flex-grow:{member.share:.4f};'
                    f'background:{shade};color:{readable_ink(shade)}" title="{said}">'
                    f'<span class="visually-hidden">{said}</span>'
                    f'<span aria-hidden="true">{name}</span></span>'
                )
            bar = "".join(parts)
        else:
            bar = f'<span class="share empty">{escape(_("nothing written yet"))}</span>'
        warn = block.top_share >= 0.6 and sum(1 for m in block.members if m.current) > 2
        figure = f"{format_percent(block.top_share)} · Gini {format_decimal(block.gini, '0.00')}"
        rows.append(
            f'<li><span class="who">{escape(block.group.name)}</span>'
            f'<span class="bar">{bar}</span>'
            f'<span class="figure{" warn" if warn else ""}">{escape(figure)}</span></li>'
        )
    label = escape(_("Share of the paper written by each member"))
    rows_html = "".join(rows)  # every text in it went through escape()
    return Markup(f'<ul class="shares" aria-label="{label}">{rows_html}</ul>')  # noqa: S704


def _pairs(raw: Any) -> list[tuple[str, int, int]]:
    """Normalise a pro/con balance to (label, pro, con)."""
    rows = []
    if isinstance(raw, dict):
        raw = [dict(v, question=k) if isinstance(v, dict) else {} for k, v in raw.items()]
    for item in raw or []:
        if not isinstance(item, dict):
            continue
        label = item.get("label") or item.get("question") or ""
        try:
            pro = int(item.get("pro", item.get("support", 0)) or 0)
            con = int(item.get("con", item.get("oppose", 0)) or 0)
        except (TypeError, ValueError):
            continue
        rows.append((str(label), pro, con))
    return rows


def balance(stats: dict | None) -> Markup | None:
    """Pro / con arguments per question, as bars diverging from the middle."""
    rows = _pairs((stats or {}).get("pro_con") or (stats or {}).get("balance"))
    if not rows:
        return None
    centre, half, bar_h, gap = 420, 300, 30, 14
    width, height = 840, 40 + (bar_h + gap) * len(rows)
    most = max(max(p, c) for _label, p, c in rows) or 1
    body = [
        _text(centre - 10, 22, _("con"), anchor="end", weight="bold", fill="#a33b2b"),
        _text(centre + 10, 22, _("pro"), weight="bold", fill="#2e7d32"),
    ]
    for row, (label, pro, con) in enumerate(rows):
        y = 34 + row * (bar_h + gap)
        wc, wp = half * con / most, half * pro / most
        body.append(
            f'<rect x="{centre - wc:.1f}" y="{y}" width="{wc:.1f}" height="{bar_h}" '
            f'fill="#c8553d"/>'
        )
        body.append(
            f'<rect x="{centre}" y="{y}" width="{wp:.1f}" height="{bar_h}" fill="#3a8d5c"/>'
        )
        body.append(_text(4, y + bar_h / 2 + 6, label[:14], size=16, weight="bold"))
        body.append(_text(centre - wc - 6, y + bar_h / 2 + 6, con, anchor="end"))
        body.append(_text(centre + wp + 6, y + bar_h / 2 + 6, pro))
    body.append(f'<line x1="{centre}" y1="28" x2="{centre}" y2="{height}" stroke="#1d1a14"/>')
    return _svg(width, height, body, _("Pro and con arguments per question"))


def gauge(value: float | None, label: str) -> Markup:
    """A horizontal 0–100 % bar for one share."""
    width, height = 420, 64
    body = [
        _text(0, 20, label, size=16, weight="bold"),
        '<rect x="0" y="30" width="320" height="26" rx="5" fill="#e7e1d3"/>',
    ]
    if value is None:
        body.append(_text(330, 50, "—", size=18))
    else:
        value = max(0.0, min(1.0, float(value)))
        body.append(
            f'<rect x="0" y="30" width="{320 * value:.1f}" height="26" rx="5" fill="#1f5f8b"/>'
        )
        body.append(_text(330, 50, format_percent(value), size=18, weight="bold"))
    return _svg(width, height, body, label)
