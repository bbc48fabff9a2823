"""Rules for editions, groups, members and invitations (see ``app.core.authz``)."""

from __future__ import annotations

from app.core.authz import rule
from app.workshops.models import Edition, Role, StakeholderGroup
from app.workshops.services import membership_of


def role_in(user, edition: Edition | None) -> str | None:
    membership = membership_of(user, edition)
    return membership.role if membership else None


def is_staff(user, edition: Edition | None) -> bool:
    """Facilitators and organizers run an edition."""
    return role_in(user, edition) in (Role.ORGANIZER, Role.FACILITATOR)


@rule("edition.create")
def may_create_edition(user, _target) -> bool:
    return user is not None and user.is_organizer


@rule("edition.view")
def may_view_edition(user, edition: Edition) -> bool:
    return role_in(user, edition) is not None


@rule("edition.manage")
def may_manage_edition(user, edition: Edition) -> bool:
    return role_in(user, edition) == Role.ORGANIZER


@rule("edition.facilitate")
def may_facilitate(user, edition: Edition) -> bool:
    return is_staff(user, edition)


@rule("group.hear")
def may_hear_group(user, group: StakeholderGroup) -> bool:
    """What is said to a group alone (its room on /live): its members."""
    membership = membership_of(user, group.edition)
    return membership is not None and membership.group_id == group.id


@rule("group.view")
def may_view_group(user, group: StakeholderGroup) -> bool:
    return role_in(user, group.edition) is not None


@rule("upload.read")
def may_read_upload(user, upload) -> bool:
    return role_in(user, upload.edition) is not None


@rule("upload.image")
def may_upload_image(user, edition: Edition) -> bool:
    """Participants (for their paper) and the staff may add images."""
    return role_in(user, edition) in (Role.PARTICIPANT, Role.FACILITATOR, Role.ORGANIZER)
