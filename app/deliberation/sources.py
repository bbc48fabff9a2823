"""The edition's library: the sources arguments cite, and who cites each one."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select

from app.core.errors import BadInput, NotFound
from app.core.markdown import clean_text
from app.deliberation.models import Argument, Citation, Source
from app.extensions import db


def get_source(edition, source_id: int) -> Source:
    source = db.session.get(Source, source_id)
    if source is None or source.edition_id != edition.id:
        raise NotFound(_("This source does not exist."))
    return source


def sources(edition) -> list[Source]:
    return list(
        db.session.scalars(
            select(Source).where(Source.edition_id == edition.id).order_by(Source.title)
        )
    )


def citing_arguments(source: Source) -> list[Argument]:
    return list(
        db.session.scalars(
            select(Argument)
            .join(Citation, Citation.argument_id == Argument.id)
            .where(
                Citation.source_id == source.id,
                Argument.hidden.is_(False),
                Argument.deleted.is_(False),
            )
            .order_by(Argument.created_at)
        )
    )


def add_source(
    edition,
    user,
    *,
    title: str,
    author: str = "",
    year=None,
    url: str = "",
    note: str = "",
    upload=None,
) -> Source:
    title = clean_text(title or "").strip()
    if not title:
        raise BadInput(_("A source needs a title."))
    url = (url or "").strip()
    if url and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc):
        raise BadInput(_("A link starts with http:// or https://."))
    if year not in (None, ""):
        try:
            year = int(year)
        except (TypeError, ValueError):
            raise BadInput(_("The year is a number.")) from None
        if not 1800 <= year <= 2100:
            raise BadInput(_("The year is a number.")) from None
    else:
        year = None
    source = Source(
        edition_id=edition.id,
        title=title[:300],
        author=clean_text(author or "").strip()[:200],
        year=year,
        url=url[:1000],
        note=clean_text(note or "").strip()[:2000],
        upload_id=upload.id if upload is not None else None,
        added_by_id=getattr(user, "id", None),
    )
    db.session.add(source)
    db.session.flush()
    return source
