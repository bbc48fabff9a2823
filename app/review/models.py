"""Review: comments on a passage, suggested edits, facilitators' feedback, notifications.

Comments and suggestions are anchored in a section's Yjs text by two Yjs relative
positions (``anchor_start``, ``anchor_end``: the bytes of ``Y.encodeRelativePosition``),
resolved against the live document whenever their place is asked (``anchors``). Rows the
client creates carry the client's own id (``uid``, a UUID): a message replayed from the
offline queue finds its row instead of making a second one.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import TimestampMixin, UTCDateTime
from app.extensions import db


class Comment(TimestampMixin, db.Model):
    """A comment on a passage (a thread's first comment, anchored) or a reply to one."""

    __tablename__ = "review_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, nullable=False)
    section_id: Mapped[int] = mapped_column(
        ForeignKey("sections.id", ondelete="CASCADE"), nullable=False, index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_comments.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The author's group when they wrote it: the badge of a comment from another group.
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholder_groups.id", ondelete="SET NULL")
    )
    anchor_start: Mapped[bytes | None] = mapped_column(LargeBinary)
    anchor_end: Mapped[bytes | None] = mapped_column(LargeBinary)
    quote: Mapped[str] = mapped_column(Text, default="", nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    mentions: Mapped[Any] = mapped_column(JSON, default=list, nullable=False)  # user ids
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    hidden_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)

    author = relationship("User", foreign_keys=[author_id])
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])
    group = relationship("StakeholderGroup")
    section = relationship("Section")
    replies: Mapped[list[Comment]] = relationship(
        back_populates="thread", order_by="Comment.id", cascade="all, delete-orphan"
    )
    thread: Mapped[Comment | None] = relationship(back_populates="replies", remote_side=[id])


class SuggestionStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Suggestion(TimestampMixin, db.Model):
    """A suggested edit: replace the anchored passage (``deleted``, the text it quoted,
    empty for a pure insertion) with ``inserted`` (empty for a pure deletion)."""

    __tablename__ = "review_suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, nullable=False)
    section_id: Mapped[int] = mapped_column(
        ForeignKey("sections.id", ondelete="CASCADE"), nullable=False, index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    anchor_start: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    anchor_end: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    deleted_text: Mapped[str] = mapped_column(Text, default="", nullable=False)
    inserted_text: Mapped[str] = mapped_column(Text, default="", nullable=False)
    status: Mapped[str] = mapped_column(
        String(16), default=SuggestionStatus.PENDING, nullable=False, index=True
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    author = relationship("User", foreign_keys=[author_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    section = relationship("Section")


class FeedbackStatus(StrEnum):
    TO_REVIEW = "to_review"  # « à revoir »
    READY = "ready"  # « prêt »


class Feedback(db.Model):
    """A facilitator's feedback on one section: the draft (``body``, ``status``) and what
    the group was last shown (``released_*``), so a draft can be rewritten after a release
    while the group keeps reading the released one."""

    __tablename__ = "review_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(
        ForeignKey("sections.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text, default="", nullable=False)
    status: Mapped[str] = mapped_column(
        String(16), default=FeedbackStatus.TO_REVIEW, nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    released_body: Mapped[str] = mapped_column(Text, default="", nullable=False)
    released_status: Mapped[str | None] = mapped_column(String(16))
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    author = relationship("User", foreign_keys=[author_id])
    section = relationship("Section")

    @property
    def draft_pending(self) -> bool:
        """The draft differs from what the group was shown (or nothing was shown yet)."""
        return self.released_at is None or (self.body, self.status) != (
            self.released_body,
            self.released_status,
        )


class NotificationKind(StrEnum):
    REPLY = "reply"  # a reply in a thread I wrote in
    MENTION = "mention"  # @me in a comment
    FEEDBACK = "feedback"  # feedback released to my group
    SUGGESTION_ACCEPTED = "suggestion_accepted"
    SUGGESTION_REJECTED = "suggestion_rejected"


class Notification(TimestampMixin, db.Model):
    """One line of a member's inbox, written in the transaction of what caused it."""

    __tablename__ = "review_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("editions.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    section_id: Mapped[int] = mapped_column(
        ForeignKey("sections.id", ondelete="CASCADE"), nullable=False
    )
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_comments.id", ondelete="CASCADE")
    )
    suggestion_id: Mapped[int | None] = mapped_column(
        ForeignKey("review_suggestions.id", ondelete="CASCADE")
    )
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    actor = relationship("User", foreign_keys=[actor_id])
    section = relationship("Section")
    comment = relationship("Comment")
    suggestion = relationship("Suggestion")

    __table_args__ = (Index("ix_review_notifications_inbox", "user_id", "edition_id", "read_at"),)
