"""What an organizer changes in a membership: a member's role, their group, their leaving.

What a member may read and write follows from their membership, so every change takes one
path (``_change``): flushed, which bumps the access generation (open sockets re-check once
it is committed: ``signals.access_changed``), then announced in the same transaction with
``signals.membership_changed``, for facilitation to audit it and, after the commit, to tell
the member and the editors. What they wrote stays theirs whatever the change.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.core import signals
from app.core.errors import BadInput, Conflict, NotFound
from app.extensions import db
from app.workshops.models import Edition, Membership, Role, StakeholderGroup

#: The roles an organizer gives on the members page (organizers join by invitation).
CHANGEABLE_ROLES = (Role.PARTICIPANT, Role.FACILITATOR, Role.OBSERVER)


def get_membership(edition: Edition, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.edition_id != edition.id:
        raise NotFound()
    return membership


def _state(membership: Membership) -> dict:
    return {"role": membership.role, "group": membership.group.slug if membership.group else None}


def _change(
    membership: Membership, actor, action: str, role: str | None, group_id: int | None = None
) -> None:
    """Give ``membership`` this role and group (``role`` None: end it), then say so."""
    edition = membership.edition
    user_id = membership.user_id
    before = _state(membership)
    group_ids = [membership.group_id, group_id]
    if role is None:
        target, after = membership.user, None
        db.session.delete(membership)
        db.session.flush()
    else:
        target = membership
        membership.role, membership.group_id = role, group_id
        db.session.flush()
        db.session.expire(membership, ["group"])
        after = _state(membership)
    signals.membership_changed.send(
        current_app._get_current_object(),
        edition=edition,
        user_id=user_id,
        actor=actor,
        action=action,
        target=target,
        before=before,
        after=after,
        group_ids=[g for g in dict.fromkeys(group_ids) if g is not None],
    )


def change_role(
    membership: Membership,
    role: str,
    actor,
    *,
    group: StakeholderGroup | None = None,
    audit_as: str = "member.role",
) -> None:
    """Make a member a participant (of ``group``), a facilitator or an observer.

    ``audit_as``: the audit log's name for the change (a promotion keeps its own)."""
    if role not in CHANGEABLE_ROLES:
        raise BadInput(_("Unknown role."))
    role = Role(role)
    if membership.role == Role.ORGANIZER:
        raise Conflict(_("An organizer's role cannot be changed here."))
    if role == membership.role:
        raise Conflict(_("This member already has this role."))
    if role == Role.PARTICIPANT:
        if group is None:
            raise BadInput(_("A participant belongs to a stakeholder group."))
        if group.edition_id != membership.edition_id:
            raise BadInput(_("This group belongs to another edition."))
    group_id = group.id if role == Role.PARTICIPANT else None
    _change(membership, actor, audit_as, role, group_id)


def promote_to_facilitator(membership: Membership, actor) -> None:
    if membership.role != Role.PARTICIPANT:
        raise Conflict(_("Only a participant can be promoted to facilitator."))
    change_role(membership, Role.FACILITATOR, actor, audit_as="member.promote")


def move_member(membership: Membership, group: StakeholderGroup, actor) -> None:
    """Move a participant to another group; what they wrote stays theirs (authorship)."""
    if membership.role != Role.PARTICIPANT:
        raise Conflict(_("Only participants belong to a group."))
    if group.edition_id != membership.edition_id:
        raise BadInput(_("This group belongs to another edition."))
    if group.id == membership.group_id:
        raise BadInput(_("This member is already in this group."))
    _change(membership, actor, "member.move", membership.role, group.id)


def remove_member(membership: Membership, actor) -> None:
    """End a member's access at once; their text and arguments stay."""
    if membership.role == Role.ORGANIZER:
        organizers = db.session.scalar(
            select(func.count(Membership.id)).where(
                Membership.edition_id == membership.edition_id, Membership.role == Role.ORGANIZER
            )
        )
        if organizers <= 1:
            raise Conflict(_("An edition keeps at least one organizer."))
    if getattr(actor, "id", None) == membership.user_id:
        raise Conflict(_("You cannot remove yourself."))
    _change(membership, actor, "member.remove", None)
