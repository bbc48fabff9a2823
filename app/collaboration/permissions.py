"""Rules for reading and editing position papers (see ``app.core.authz``).

The section rules are asked on every message of a live editor: their decisions are cached
(``cached=True``), so everything they read is declared below with ``depends_on`` (users:
by ``app.accounts.services``).
"""

from __future__ import annotations

from app.collaboration.models import Paper, PaperVisibility, Section
from app.core import authz
from app.core.authz import rule
from app.workshops.locks import section_is_locked
from app.workshops.models import Edition, Membership, Phase, Role, ScheduledLock, StakeholderGroup
from app.workshops.services import membership_of

authz.depends_on(Membership)
authz.depends_on(Edition, "slug", "current_phase_id")
authz.depends_on(Phase)
authz.depends_on(StakeholderGroup, "slug", "edition_id")
authz.depends_on(Paper, "group_id", "locked", "visibility")
authz.depends_on(Section, "paper_id", "key", "locked")
authz.depends_on(ScheduledLock)


def _phase(edition):
    return edition.current_phase


@rule("paper.read")
def may_read_paper(user, paper: Paper) -> bool:
    edition = paper.group.edition
    membership = membership_of(user, edition)
    if membership is None:
        return False
    if membership.role in (Role.ORGANIZER, Role.FACILITATOR):
        return True
    if membership.role == Role.PARTICIPANT:
        if membership.group_id == paper.group_id:
            return True
        phase = _phase(edition)
        opened = phase is not None and phase.read_other_papers
        return opened or paper.visibility in (PaperVisibility.EDITION, PaperVisibility.PUBLISHED)
    return paper.visibility == PaperVisibility.PUBLISHED


@rule("section.read", cached=True)
def may_read_section(user, section: Section) -> bool:
    return may_read_paper(user, section.paper)


@rule("section.edit", cached=True)
def may_edit_section(user, section: Section) -> bool:
    membership = membership_of(user, section.paper.group.edition)
    if membership is None or membership.role != Role.PARTICIPANT:
        return False
    return membership.group_id == section.paper.group_id and not section_is_locked(section)


@rule("collab.leave")
def may_leave(user, _section: Section) -> bool:
    """Leaving a section is always allowed to a logged-in user."""
    return user is not None
