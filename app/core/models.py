"""Column helpers shared by every area's models, and the access generation."""

from datetime import UTC, datetime

from sqlalchemy import DDL, DateTime, Integer, event
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from app.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime")
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class AccessGeneration(db.Model):
    """One row counting the changes to what the cached rules read (see ``app.core.authz``).

    A transaction that changes such a row bumps it; a decision cached under an older value
    is not used again. It lives in the database so every server process sees the change
    with the very commit that makes it."""

    __tablename__ = "access_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


# ``db.create_all()`` (tests, benchmarks) makes the row the migration inserts.
event.listen(
    AccessGeneration.__table__,
    "after_create",
    DDL("INSERT INTO access_generation (id, value) VALUES (1, 0)"),
)
