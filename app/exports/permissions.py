"""Who may download which deliverable."""

from __future__ import annotations

from app.core.authz import rule
from app.exports.services import is_published
from app.workshops.models import Role
from app.workshops.permissions import is_staff, role_in
from app.workshops.services import membership_of


@rule("export.group")
def may_export_group(user, group) -> bool:
    """Members of the group, facilitators and organizers; everyone once it is published."""
    membership = membership_of(user, group.edition)
    if membership is None:
        return False
    if membership.role in (Role.ORGANIZER, Role.FACILITATOR):
        return True
    if membership.role == Role.PARTICIPANT and membership.group_id == group.id:
        return True
    return is_published(group)


@rule("export.synthesis")
def may_export_synthesis(user, edition) -> bool:
    return is_staff(user, edition)


@rule("export.all")
def may_export_all(user, edition) -> bool:
    return role_in(user, edition) == Role.ORGANIZER


@rule("export.review_copy")
def may_export_review_copy(user, group) -> bool:
    """The facilitators' copy with the comments: the staff of the edition only."""
    return is_staff(user, group.edition)
