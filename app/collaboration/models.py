from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import TimestampMixin, UTCDateTime, utcnow
from app.extensions import db


class PaperVisibility:
    GROUP = "group"  # only the group, facilitators and organizers
    EDITION = "edition"  # opened by a facilitator to every member of the edition
    PUBLISHED = "published"  # also observers

    ALL = (GROUP, EDITION, PUBLISHED)


class Paper(TimestampMixin, db.Model):
    """The position paper of one stakeholder group."""

    __tablename__ = "papers"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("stakeholder_groups.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    locked: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    visibility: Mapped[str] = mapped_column(
        String(16), default=PaperVisibility.GROUP, nullable=False
    )

    group = relationship("StakeholderGroup", backref=db.backref("paper", uselist=False))
    sections: Mapped[list[Section]] = relationship(
        back_populates="paper", order_by="Section.position", cascade="all, delete-orphan"
    )


class Section(TimestampMixin, db.Model):
    """One part of a paper: ``introduction``, ``q1`` … ``qN`` or ``conclusion``.

    Its text lives in a Yjs document (a ``Y.Text`` named ``markdown``) kept by the live
    editor; ``question_id`` links a question section to the question it answers.
    """

    __tablename__ = "sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    key: Mapped[str] = mapped_column(String(16), nullable=False)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    locked: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    paper: Mapped[Paper] = relationship(back_populates="sections")
    question = relationship("Question")

    __table_args__ = (UniqueConstraint("paper_id", "key"),)


class SectionUpdate(db.Model):
    """One accepted Yjs update of a section (append-only until compaction merges it into
    the section's snapshot and deletes it). A row that cannot be applied when the section
    loads is set aside (``quarantined_at``), never deleted: see ``app.collaboration.store``."""

    __tablename__ = "section_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(
        ForeignKey("sections.id", ondelete="CASCADE"), nullable=False, index=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    quarantined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    quarantine_reason: Mapped[str | None] = mapped_column(String(200))

    # Nothing compares these ids any more (see store.py), but ids are still never reused:
    # an id names one update for the logs, the quarantine and the tests.
    __table_args__ = {"sqlite_autoincrement": True}


class SectionSnapshot(db.Model):
    """The compacted state of a section: every update that is no longer in the log.
    ``version`` changes with every compaction (a reader that saw another version reads
    the snapshot again)."""

    __tablename__ = "section_snapshots"

    section_id: Mapped[int] = mapped_column(
        ForeignKey("sections.id", ondelete="CASCADE"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    version: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class SectionClient(db.Model):
    """Which member a Yjs client id belongs to: the key of authorship."""

    __tablename__ = "section_clients"

    section_id: Mapped[int] = mapped_column(
        ForeignKey("sections.id", ondelete="CASCADE"), primary_key=True
    )
    client_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Checkpoint(TimestampMixin, db.Model):
    """A section as it was at one moment: automatic (every 10 minutes of activity) or named."""

    __tablename__ = "checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(
        ForeignKey("sections.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(120), default="", nullable=False)
    automatic: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    text: Mapped[str] = mapped_column(Text, default="", nullable=False)
    state: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    created_by = relationship("User")
