"""Rules of facilitation (see ``app.core.authz``).

Phases, locks, announcements, the audit log and the dashboard use ``edition.facilitate``
(facilitators and organizers); role changes use ``edition.manage`` (organizers).
"""

from __future__ import annotations

from app.core.authz import rule
from app.facilitation import announcements


@rule("announcement.read")
def may_read_announcement(user, announcement) -> bool:
    return user is not None and announcements.may_read_announcement(user, announcement)
