"""The bridge into the paper: an argument inserted into its group's section, with its
sources as a footnote, so the paper says where its reasons come from."""

from __future__ import annotations

from flask_babel import gettext as _

from app.collaboration.services import append_to_section
from app.core.errors import Forbidden
from app.deliberation.models import Argument, Source


def _source_line(source: Source, page: str = "") -> str:
    parts = [source.title]
    if source.author:
        parts.append(source.author)
    if source.year:
        parts.append(str(source.year))
    if source.url:
        parts.append(f"<{source.url}>")
    if page:
        parts.append(f"p. {page}")
    return ", ".join(parts)


def argument_markdown(argument: Argument) -> str:
    """The argument's text, followed by a footnote citing its sources."""
    text = argument.text.strip()
    if not argument.citations:
        return text
    label = f"arg{argument.id}"
    notes = "; ".join(_source_line(c.source, c.page) for c in argument.citations)
    return f"{text}[^{label}]\n\n[^{label}]: {notes}"


def insert_into_paper(argument: Argument, section, actor) -> None:
    """Into one's own group's paper only: the debate is shared, each paper is not."""
    if section.paper.group_id != argument.group_id:
        raise Forbidden(_("An argument goes into its own group's paper."))
    append_to_section(section, argument_markdown(argument), actor)
