from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import TimestampMixin, UTCDateTime
from app.extensions import db


class Role(StrEnum):
    ORGANIZER = "organizer"
    FACILITATOR = "facilitator"
    PARTICIPANT = "participant"
    OBSERVER = "observer"


class GroupKind(StrEnum):
    GOVERNMENT = "government"
    PRIVATE_SECTOR = "private_sector"
    CIVIL_SOCIETY = "civil_society"
    TECHNICAL_COMMUNITY = "technical_community"
    ACADEMIA = "academia"
    INTERGOVERNMENTAL = "intergovernmental"
    OTHER = "other"


class DebateMode(StrEnum):
    OPEN = "open"
    READONLY = "readonly"
    HIDDEN = "hidden"


class Edition(TimestampMixin, db.Model):
    __tablename__ = "editions"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    concept_note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    assignment: Mapped[str] = mapped_column(Text, default="", nullable=False)
    language: Mapped[str] = mapped_column(String(8), default="fr", nullable=False)
    current_phase_id: Mapped[int | None] = mapped_column(
        ForeignKey("phases.id", use_alter=True, ondelete="SET NULL")
    )

    questions: Mapped[list[Question]] = relationship(
        back_populates="edition", order_by="Question.position", cascade="all, delete-orphan"
    )
    groups: Mapped[list[StakeholderGroup]] = relationship(
        back_populates="edition", order_by="StakeholderGroup.position", cascade="all, delete-orphan"
    )
    phases: Mapped[list[Phase]] = relationship(
        back_populates="edition",
        order_by="Phase.position",
        cascade="all, delete-orphan",
        foreign_keys="Phase.edition_id",
    )
    current_phase: Mapped[Phase | None] = relationship(foreign_keys=[current_phase_id])
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="edition", cascade="all, delete-orphan"
    )


class Phase(db.Model):
    """A step of the school, with what it allows; names and order are per edition."""

    __tablename__ = "phases"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("editions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    key: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the phase allows.
    write_own_paper: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    read_other_papers: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    debate_mode: Mapped[str] = mapped_column(String(16), default=DebateMode.OPEN, nullable=False)
    papers_locked: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)

    edition: Mapped[Edition] = relationship(back_populates="phases", foreign_keys=[edition_id])

    __table_args__ = (UniqueConstraint("edition_id", "key"),)


class Question(db.Model):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("editions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)

    edition: Mapped[Edition] = relationship(back_populates="questions")

    @property
    def number(self) -> int:
        return self.position


class StakeholderGroup(db.Model):
    __tablename__ = "stakeholder_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("editions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    slug: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    kind: Mapped[str] = mapped_column(String(32), default=GroupKind.OTHER, nullable=False)
    colour: Mapped[str] = mapped_column(String(7), default="#2f6f4e", nullable=False)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)

    edition: Mapped[Edition] = relationship(back_populates="groups")
    memberships: Mapped[list[Membership]] = relationship(back_populates="group")

    __table_args__ = (UniqueConstraint("edition_id", "slug"),)


class Membership(TimestampMixin, db.Model):
    """A user's role in one edition and, for participants, their stakeholder group."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("editions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholder_groups.id", ondelete="SET NULL"), index=True
    )

    user = relationship("User")
    edition: Mapped[Edition] = relationship(back_populates="memberships")
    group: Mapped[StakeholderGroup | None] = relationship(back_populates="memberships")

    __table_args__ = (UniqueConstraint("user_id", "edition_id"),)


class Invitation(TimestampMixin, db.Model):
    """A sign-up link; only the SHA-256 of its token is stored."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("editions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("stakeholder_groups.id", ondelete="CASCADE")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    max_uses: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    uses: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    note: Mapped[str] = mapped_column(String(200), default="", nullable=False)

    edition: Mapped[Edition] = relationship()
    group: Mapped[StakeholderGroup | None] = relationship()


class UploadKind(StrEnum):
    IMAGE = "image"  # an image inserted in a paper
    LOGO = "logo"  # the edition's logo (cover page of the exports)
    REFERENCE_DOCX = "reference_docx"  # styles of the Word exports
    PPTX_TEMPLATE = "pptx_template"  # layouts and theme of the decks
    SOURCE = "source"  # a document of the resource library


class Upload(TimestampMixin, db.Model):
    """A file someone uploaded to an edition; the bytes live under UPLOAD_DIR."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("editions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    uploader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content_type: Mapped[str] = mapped_column(String(120), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    # For logo and templates: the one in use (a newer upload replaces it).
    current: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    edition: Mapped[Edition] = relationship()

    @property
    def url(self) -> str:
        return f"/uploads/{self.id}/{self.filename}"


class LockScope:
    SECTION = "section"
    PAPER = "paper"
    ALL = "all"  # every paper of the edition

    ALL_SCOPES = (SECTION, PAPER, ALL)


class ScheduledLock(TimestampMixin, db.Model):
    """A lock that takes effect at ``at``.

    The authorization rule treats a due, not cancelled lock as in force even before the
    background timer has applied it (``applied_at``), so edits stop at the exact moment
    whatever process serves them and even after a restart.
    """

    __tablename__ = "scheduled_locks"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("editions.id", ondelete="CASCADE"), nullable=False, index=True
    )
    scope: Mapped[str] = mapped_column(String(16), nullable=False)
    paper_id: Mapped[int | None] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def pending(self) -> bool:
        return self.applied_at is None and self.cancelled_at is None
