"""Facilitation: phases and deadlines, locks, announcements, the audit log, the dashboard."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import TimestampMixin, UTCDateTime, utcnow
from app.extensions import db


class AuditEntry(TimestampMixin, db.Model):
    """One line of the append-only audit log: who did what to which target, and why.

    Nothing updates or deletes these rows; services only add them (``record_audit``). The
    one exception: refused attempts (``forbidden.attempt``) are coalesced, one row per user,
    event and minute whose ``count`` is raised (``audit_refusal``, a direct UPDATE).
    """

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("editions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    target_type: Mapped[str] = mapped_column(String(32), default="", nullable=False)
    target_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    before: Mapped[Any] = mapped_column(JSON)
    after: Mapped[Any] = mapped_column(JSON)
    count: Mapped[int] = mapped_column(Integer, default=1, server_default="1", nullable=False)

    actor = relationship("User")


class Announcement(TimestampMixin, db.Model):
    """A message from a facilitator to the whole edition or to one group."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("editions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholder_groups.id", ondelete="CASCADE")
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, nullable=False)

    author = relationship("User")
    group = relationship("StakeholderGroup")


class AnnouncementRead(db.Model):
    """Per-user read mark: an announcement without one is unread."""

    __tablename__ = "announcement_reads"

    id: Mapped[int] = mapped_column(primary_key=True)
    announcement_id: Mapped[int] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    __table_args__ = (UniqueConstraint("announcement_id", "user_id"),)


class FacilitationSettings(db.Model):
    """Per-edition settings of the facilitators (the dashboard's target length)."""

    __tablename__ = "facilitation_settings"

    edition_id: Mapped[int] = mapped_column(
        ForeignKey("editions.id", ondelete="CASCADE"), primary_key=True
    )
    target_words: Mapped[int] = mapped_column(Integer, default=300, nullable=False)


class LivePresence(db.Model):
    """One open /live connection (one browser tab on an edition page).

    Kept in the database so that every server process sees who is online; rows are
    refreshed by a heartbeat and rows older than ``PRESENCE_TTL`` are ignored (a crashed
    process cannot leave people "online").
    """

    __tablename__ = "live_presence"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("editions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    page: Mapped[str] = mapped_column(String(16), default="page", nullable=False)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _append_only(_mapper, _connection, entry: AuditEntry) -> None:
    raise PermissionError("the audit log is append-only")
