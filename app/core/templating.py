"""What every template can use: the current user's rights, the language, Markdown,
icons, and the menus each area adds links to (``edition_link`` and ``group_link``).

Icons: ``frontend/build.mjs`` bundles the Lucide icons ``frontend/icons.txt`` names into
``static/dist/icons.svg``; ``icon_sprite()`` writes it once at the top of every page (no
request, so cached pages keep their icons offline) and ``icon("name")`` draws one."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from app.core import authz, i18n


@dataclass(frozen=True)
class Link:
    key: str
    label: Any  # a lazy translation
    endpoint: str
    permission: str
    target: Callable[[Any], Any]
    params: Callable[[Any], dict]


@dataclass(frozen=True)
class ShownLink:
    key: str
    label: str
    url: str


_edition_links: list[Link] = []
_group_links: list[Link] = []


def edition_link(key, label, endpoint, permission, *, target=lambda e: e, params=None) -> None:
    """Add a link to every edition's menu, shown to those allowed ``permission``."""
    if all(link.key != key for link in _edition_links):
        _edition_links.append(
            Link(key, label, endpoint, permission, target, params or (lambda e: {"slug": e.slug}))
        )


def group_link(key, label, endpoint, permission, *, target, params) -> None:
    """Add an action to every group page (e.g. open the paper, export it)."""
    if all(link.key != key for link in _group_links):
        _group_links.append(Link(key, label, endpoint, permission, target, params))


def _shown(links: list[Link], subject) -> list[ShownLink]:
    shown = []
    for link in links:
        target = link.target(subject)
        if target is not None and authz.can(current_user, link.permission, target):
            shown.append(
                ShownLink(link.key, str(link.label), url_for(link.endpoint, **link.params(subject)))
            )
    return shown


def _can(action: str, target=None) -> bool:
    return authz.can(current_user, action, target)


def _luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rrggbb``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def readable_ink(colour: str | None) -> str:
    """The text colour to write on a group's colour: white while it reads (WCAG AA, 4.5:1),
    else black (a mid-tone like #b5651d gives white 4.3:1, black 4.9:1)."""
    if not colour or not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
        return "#fff"
    luminance = _luminance(colour)
    return "#fff" if 1.05 / (luminance + 0.05) >= 4.5 else "#000"


def _markdown(text: str | None) -> Markup:
    from app.core.markdown import render_html

    return Markup(render_html(text or ""))  # noqa: S704 - sanitised by render_html (nh3)


SPRITE = "dist/icons.svg"
_SYMBOL = re.compile(r'<symbol id="i-([a-z0-9-]+)"')


class Icons:
    """The built sprite, read once, and the ``<svg>`` that draws one of its icons."""

    def __init__(self, static_folder: str) -> None:
        path = Path(static_folder) / SPRITE
        # The build's own file (frontend/build.mjs), from the installed Lucide package.
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        self.sprite = Markup(text)  # noqa: S704 - built by us, no user input
        self.names = frozenset(_SYMBOL.findall(self.sprite))

    def icon(self, name: str, label: str | None = None) -> Markup:
        """Decorative beside a text (hidden from screen readers), or named by ``label``
        when it stands alone."""
        if name not in self.names:
            raise ValueError(
                f"no icon {name!r} in static/{SPRITE}: add it to frontend/icons.txt "
                "and run `npm run build`"
            )
        spoken = (
            Markup(' role="img" aria-label="{}"').format(label)
            if label
            else Markup(' aria-hidden="true"')
        )
        return Markup(
            '<svg class="icon icon-{}"{} focusable="false"><use href="#i-{}"/></svg>'
        ).format(name, spoken, name)


def install(app: Flask) -> None:
    icons = Icons(app.static_folder)
    app.jinja_env.globals["icon"] = icons.icon
    app.jinja_env.globals["icon_sprite"] = lambda: icons.sprite
    app.jinja_env.globals["can"] = _can
    app.jinja_env.globals["date_order"] = i18n.date_order
    app.jinja_env.globals["month_names"] = i18n.month_names
    app.jinja_env.globals["time_zone_name"] = i18n.time_zone_name
    app.jinja_env.filters["filesize"] = i18n.file_size
    app.jinja_env.globals["edition_menu"] = lambda edition: _shown(_edition_links, edition)
    app.jinja_env.globals["group_actions"] = lambda group: _shown(_group_links, group)
    app.jinja_env.filters["markdown"] = _markdown
    app.jinja_env.filters["ink"] = readable_ink
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def language():
        return {"lang": str(get_locale() or "fr"), "request_path": request.full_path}
