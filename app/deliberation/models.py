from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import TimestampMixin, UTCDateTime
from app.extensions import db


class Kind(StrEnum):
    CLAIM = "claim"  # thèse: answers a question
    SUPPORT = "support"  # pour
    OPPOSE = "oppose"  # contre
    REBUT = "rebut"  # réfutation (of a reply)
    QUESTION = "question"  # demande de précision


REPLY_KINDS = (Kind.SUPPORT, Kind.OPPOSE, Kind.REBUT, Kind.QUESTION)


class Source(TimestampMixin, db.Model):
    """An entry of the edition's resource library, cited by arguments."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("editions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    author: Mapped[str] = mapped_column(String(200), default="", nullable=False)
    year: Mapped[int | None] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(String(1000), default="", nullable=False)
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("uploads.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    upload = relationship("Upload")


class Argument(TimestampMixin, db.Model):
    """A claim answering a question, or a reply to another argument (any depth)."""

    __tablename__ = "arguments"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("editions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("arguments.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The author's group when they wrote it: moving later between groups changes nothing.
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholder_groups.id", ondelete="SET NULL")
    )
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # Moderation
    hidden: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    hidden_reason: Mapped[str] = mapped_column(Text, default="", nullable=False)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    locked: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("arguments.id", ondelete="SET NULL")
    )
    moderated_edit: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    author = relationship("User")
    group = relationship("StakeholderGroup")
    question = relationship("Question")
    edition = relationship("Edition")
    citations: Mapped[list[Citation]] = relationship(
        back_populates="argument", cascade="all, delete-orphan", order_by="Citation.id"
    )


class ArgumentRevision(TimestampMixin, db.Model):
    """The text an argument had before an edit (by its author or a moderator)."""

    __tablename__ = "argument_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    argument_id: Mapped[int] = mapped_column(
        ForeignKey("arguments.id", ondelete="CASCADE"), nullable=False, index=True
    )
    text: Mapped[str] = mapped_column(Text, nullable=False)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Citation(db.Model):
    __tablename__ = "citations"

    id: Mapped[int] = mapped_column(primary_key=True)
    argument_id: Mapped[int] = mapped_column(
        ForeignKey("arguments.id", ondelete="CASCADE"), nullable=False, index=True
    )
    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), nullable=False, index=True
    )
    page: Mapped[str] = mapped_column(String(40), default="", nullable=False)
    quote: Mapped[str] = mapped_column(Text, default="", nullable=False)

    argument: Mapped[Argument] = relationship(back_populates="citations")
    source: Mapped[Source] = relationship()


class Mark(TimestampMixin, db.Model):
    """One member's appreciation of an argument: convincing (+1) or not (-1)."""

    __tablename__ = "marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    argument_id: Mapped[int] = mapped_column(
        ForeignKey("arguments.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    value: Mapped[int] = mapped_column(Integer, nullable=False)

    __table_args__ = (UniqueConstraint("argument_id", "user_id"),)


class Report(TimestampMixin, db.Model):
    """A participant's report of an argument, waiting in the moderation queue until a
    facilitator closes it or acts on the argument (hiding or merging closes its reports)."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    argument_id: Mapped[int] = mapped_column(
        ForeignKey("arguments.id", ondelete="CASCADE"), nullable=False, index=True
    )
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    closed: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    argument: Mapped[Argument] = relationship()
    reporter = relationship("User")
