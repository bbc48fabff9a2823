"""What comments, suggestions and feedback share: client ids, texts, who wrote what."""

from __future__ import annotations

import uuid

from flask_babel import gettext as _
from pycrdt import Doc, Text, merge_updates

from app.collaboration.live_editor import live_document
from app.collaboration.models import Section
from app.collaboration.services import pending_edits, section_text
from app.core.errors import BadInput
from app.core.markdown import clean_text
from app.workshops.services import membership_of


def client_id(value) -> str:
    """The id a client gave what it creates (a UUID), in its canonical form."""
    if not isinstance(value, str) or len(value) > 40:
        raise BadInput(_("Give what you create an id (a UUID)."))
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise BadInput(_("Give what you create an id (a UUID).")) from None


def text_field(value, *, limit: int, empty: str, too_long: str, strip: bool = True) -> str:
    """A text a member typed: cleaned (``clean_text``), bounded, maybe required."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise BadInput(_("This text is not valid."))
    value = clean_text(value)
    if strip:
        value = value.strip()
    if empty and not value.strip():
        raise BadInput(empty)
    if len(value) > limit:
        raise BadInput(too_long)
    return value


def section_state(section: Section) -> bytes:
    """The section's document as one Yjs update: what is committed, and this
    transaction's own edits of it (a script that writes a section, then comments on it)."""
    state = live_document(section.id).state()
    pending = pending_edits(section)
    return merge_updates(state, *pending) if pending else state


def section_text_now(section: Section) -> str:
    """The section's text as ``section_state`` holds it."""
    if not pending_edits(section):
        return section_text(section)
    doc = Doc()
    doc.apply_update(section_state(section))
    return str(doc.get("markdown", type=Text))


def person(user) -> dict | None:
    return {"id": user.id, "name": user.name} if user is not None else None


def group_badge(group) -> dict | None:
    if group is None:
        return None
    return {"slug": group.slug, "name": group.name, "colour": group.colour}


def group_of(user, section: Section):
    """The author's group in the section's edition, if they have one."""
    membership = membership_of(user, section.paper.group.edition)
    return membership.group if membership is not None else None
