"""Demo content of facilitation: a deadline for the writing phase and a welcome message."""

from __future__ import annotations

from datetime import timedelta

from app.core.models import utcnow
from app.extensions import db
from app.facilitation.announcements import send_announcement
from app.facilitation.phases import set_deadline
from app.workshops.demo import DEMO_EXTENSIONS

WELCOME = (
    "Bienvenue à l'école ! Chaque groupe rédige son **document de position** sur les cinq "
    "questions. Échéance de la rédaction : dans cinq jours. Bon travail à toutes et à tous."
)


def add_demo_content(edition, users_by_email) -> None:
    facilitator = users_by_email.get("facilitateur@demo.palabre")
    # Write the current phase first: changing it and a phase in one flush is circular.
    db.session.flush()
    phase = edition.current_phase
    if phase is not None and phase.deadline is None:
        deadline = (utcnow() + timedelta(days=5)).replace(
            hour=18, minute=0, second=0, microsecond=0
        )
        set_deadline(phase, deadline, facilitator)
    send_announcement(edition, facilitator, WELCOME)


if add_demo_content not in DEMO_EXTENSIONS:
    DEMO_EXTENSIONS.append(add_demo_content)
