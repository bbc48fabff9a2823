"""The dashboard's settings of an edition: the target length of a section."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.core.errors import BadInput
from app.extensions import db
from app.facilitation import live
from app.facilitation.audit import record_audit
from app.facilitation.models import FacilitationSettings
from app.workshops.models import Edition

DEFAULT_TARGET_WORDS = 300


def settings_of(edition: Edition) -> FacilitationSettings:
    settings = db.session.get(FacilitationSettings, edition.id)
    return settings or FacilitationSettings(
        edition_id=edition.id, target_words=DEFAULT_TARGET_WORDS
    )


def set_target_words(edition: Edition, words: Any, actor) -> None:
    if not isinstance(words, int) or isinstance(words, bool) or not 10 <= words <= 20000:
        raise BadInput(_("The target length is between 10 and 20,000 words."))
    settings = db.session.get(FacilitationSettings, edition.id)
    before = settings.target_words if settings else DEFAULT_TARGET_WORDS
    if settings is None:
        settings = FacilitationSettings(edition_id=edition.id)
        db.session.add(settings)
    settings.target_words = words
    db.session.flush()
    record_audit(
        edition,
        actor,
        "dashboard.target",
        edition,
        before={"target_words": before},
        after={"target_words": words},
    )
    live.emit("dashboard", {"reason": "target"}, live.staff_room(edition.id))
