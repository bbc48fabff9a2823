"""Announcements: a facilitator's message to the whole edition or to one group, pushed to
the /live pages once committed, and who has read which."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.core.errors import BadInput, NotFound
from app.core.markdown import clean_text, render_html
from app.extensions import db
from app.facilitation import live
from app.facilitation.audit import record_audit
from app.facilitation.models import Announcement, AnnouncementRead
from app.workshops.models import Edition, Role, StakeholderGroup
from app.workshops.services import membership_of

ANNOUNCEMENT_MAX = 2000


def announcement_payload(announcement: Announcement) -> dict:
    return {
        "id": announcement.id,
        "html": render_html(announcement.body),
        "text": announcement.body,
        "author": announcement.author.name if announcement.author else "",
        "group": announcement.group.name if announcement.group else None,
        "at": announcement.created_at.isoformat(),
    }


def send_announcement(
    edition: Edition, author, body: str, group: StakeholderGroup | None = None
) -> Announcement:
    body = clean_text(body or "").strip()
    if not body:
        raise BadInput(_("The announcement is empty."))
    if len(body) > ANNOUNCEMENT_MAX:
        raise BadInput(_("An announcement has at most 2,000 characters."))
    if group is not None and group.edition_id != edition.id:
        raise BadInput(_("This group belongs to another edition."))
    announcement = Announcement(
        edition_id=edition.id,
        group_id=group.id if group else None,
        author_id=getattr(author, "id", None),
        body=body,
    )
    db.session.add(announcement)
    db.session.flush()
    record_audit(
        edition,
        author,
        "announcement.send",
        announcement,
        after={"group": group.slug if group else None, "body": body[:200]},
    )
    payload = announcement_payload(announcement)
    room = live.group_room(group.id) if group else live.edition_room(edition.id)
    live.emit("announcement", payload, room)
    if group is not None:  # the staff follow every group's announcements too
        live.emit("announcement", payload, live.staff_room(edition.id))
    return announcement


def _announcements_query(user, edition: Edition):
    query = select(Announcement).where(Announcement.edition_id == edition.id)
    membership = membership_of(user, edition)
    if membership is None:
        return None
    if membership.role not in (Role.ORGANIZER, Role.FACILITATOR):
        visible = Announcement.group_id.is_(None)
        if membership.group_id is not None:
            visible = or_(visible, Announcement.group_id == membership.group_id)
        query = query.where(visible)
    return query


def announcements_for(user, edition: Edition) -> list[Announcement]:
    query = _announcements_query(user, edition)
    if query is None:
        return []
    return list(db.session.scalars(query.order_by(Announcement.id.desc())))


def may_read_announcement(user, announcement: Announcement) -> bool:
    edition = db.session.get(Edition, announcement.edition_id)
    query = _announcements_query(user, edition)
    if query is None:
        return False
    return db.session.scalar(query.where(Announcement.id == announcement.id)) is not None


def unread_announcements(user, edition: Edition) -> list[Announcement]:
    query = _announcements_query(user, edition)
    if query is None:
        return []
    read = select(AnnouncementRead.announcement_id).where(AnnouncementRead.user_id == user.id)
    return list(
        db.session.scalars(query.where(Announcement.id.not_in(read)).order_by(Announcement.id))
    )


def read_ids(user, announcements) -> set[int]:
    ids = [a.id for a in announcements]
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(AnnouncementRead.announcement_id).where(
                AnnouncementRead.user_id == user.id, AnnouncementRead.announcement_id.in_(ids)
            )
        )
    )


def mark_read(user, announcements) -> int:
    """Mark announcements read for ``user``; returns how many were unread."""
    announcements = list(announcements)
    already = read_ids(user, announcements)
    count = 0
    for announcement in announcements:
        if announcement.id not in already:
            db.session.add(AnnouncementRead(announcement_id=announcement.id, user_id=user.id))
            count += 1
    db.session.flush()
    return count


def get_announcement(announcement_id: Any) -> Announcement:
    if not isinstance(announcement_id, int) or isinstance(announcement_id, bool):
        raise BadInput(_("Unknown announcement."))
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None:
        raise NotFound()
    return announcement
