"""Who has an edition open, from the /live sockets: one row per connection, refreshed by
its heartbeat, so every process sees every process's connections (the dashboard)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from app.core.models import utcnow
from app.extensions import db, socketio
from app.facilitation import live
from app.facilitation.models import LivePresence
from app.workshops.models import Edition

PRESENCE_TTL = timedelta(seconds=90)
PAGES = ("page", "editor", "debate", "dashboard")


def presence_join(sid: str, user, edition: Edition, page: str = "page") -> None:
    row = db.session.get(LivePresence, sid)
    if row is None:
        row = LivePresence(sid=sid, user_id=user.id, edition_id=edition.id)
        db.session.add(row)
    row.user_id = user.id
    row.edition_id = edition.id
    row.page = page if page in PAGES else "page"
    row.seen_at = utcnow()
    db.session.flush()


def presence_touch(sid: str) -> None:
    db.session.execute(update(LivePresence).where(LivePresence.sid == sid).values(seen_at=utcnow()))


def presence_leave(sid: str) -> None:
    db.session.execute(delete(LivePresence).where(LivePresence.sid == sid))


def _of(user_id: int, edition_id: int):
    return (LivePresence.user_id == user_id, LivePresence.edition_id == edition_id)


def forget(user_id: int, edition_id: int) -> None:
    """The user is no longer in the edition: their connections are not counted any more."""
    db.session.execute(delete(LivePresence).where(*_of(user_id, edition_id)))


def disconnect_live(user_id: int, edition_id: int) -> None:
    """After commit, close the user's /live sockets of this edition (rooms are rejoined on
    reconnect, by the new rules)."""
    sids = list(db.session.scalars(select(LivePresence.sid).where(*_of(user_id, edition_id))))

    def work() -> None:
        for sid in sids:
            try:
                socketio.server.disconnect(sid, namespace=live.NAMESPACE)
            except Exception:  # noqa: S112 - the socket may be gone already
                continue

    if sids:
        live.after_commit(work)


def prune_presence(*, now: datetime | None = None) -> int:
    """Forget connections silent for long (a process that died cannot say goodbye)."""
    now = now or utcnow()
    return db.session.execute(
        delete(LivePresence).where(LivePresence.seen_at < now - 10 * PRESENCE_TTL)
    ).rowcount


def online(edition: Edition, *, now: datetime | None = None) -> dict[int, str]:
    """user id → what they have open ("editor" wins over other pages)."""
    now = now or utcnow()
    rows = db.session.execute(
        select(LivePresence.user_id, LivePresence.page).where(
            LivePresence.edition_id == edition.id, LivePresence.seen_at >= now - PRESENCE_TTL
        )
    )
    result: dict[int, str] = {}
    for user_id, page in rows:
        if result.get(user_id) != "editor":
            result[user_id] = page
    return result
