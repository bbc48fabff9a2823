"""What every template can use: the current user's rights, the language, Markdown, and
the menus each area adds links to (``edition_link`` and ``group_link``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from app.core import authz


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


def _markdown(text: str | None) -> Markup:
    from app.core.markdown import render_html

    return Markup(render_html(text or ""))  # noqa: S704 - sanitised by render_html (nh3)


def install(app: Flask) -> None:
    app.jinja_env.globals["can"] = _can
    app.jinja_env.globals["edition_menu"] = lambda edition: _shown(_edition_links, edition)
    app.jinja_env.globals["group_actions"] = lambda group: _shown(_group_links, group)
    app.jinja_env.filters["markdown"] = _markdown
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def language():
        return {"lang": str(get_locale() or "fr"), "request_path": request.full_path}
