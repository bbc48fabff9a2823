"""The audit log: who did what to which target, and why; read, filtered and exported as CSV.

``record_audit`` is the one way an entry is written, by every area that moderates, locks
or changes a membership. Refused attempts (``REFUSED``) are written in a transaction of
their own, since the refused one is rolled back.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import threading
import time
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.core import signals
from app.core.markdown import clean_text
from app.core.models import utcnow
from app.extensions import db, socketio
from app.facilitation.models import AuditEntry
from app.workshops.models import Edition, Membership

log = logging.getLogger(__name__)

REFUSED = "forbidden.attempt"
OUTSIDER_LOG_SECONDS = 60.0
REFUSALS_FLUSH_SECONDS = 1.0  # a coalesced row's further attempts are written this often
_refusals = threading.Lock()
_first_refusals = threading.Lock()
_outsiders: dict[int, list[float]] = {}  # user id → [last line logged, refusals since]
_refusal_rows: dict[tuple, int] = {}  # (database, edition, user, event, minute) → row id
_unwritten: dict[tuple[str, int], int] = {}  # (database, row id) → attempts not written yet


def record_audit(
    edition,
    actor,
    action: str,
    target: Any = None,
    *,
    reason: str = "",
    before: Any = None,
    after: Any = None,
    session: Session | None = None,
) -> AuditEntry:
    """Append one entry to the audit log (``action`` like ``"argument.hide"``), in the
    request's session or in ``session`` (a refusal's own transaction)."""
    session = db.session if session is None else session
    entry = AuditEntry(
        edition_id=edition.id,
        actor_id=getattr(actor, "id", None),
        action=action,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=getattr(target, "id", None),
        reason=reason or "",
        before=before,
        after=after,
    )
    session.add(entry)
    session.flush()
    return entry


@signals.audited.connect
def _on_audited(_app, *, edition, actor, action, target=None, reason="", before=None, after=None):
    """An area below facilitation asks for an entry (``signals.audited``): same transaction."""
    record_audit(edition, actor, action, target, reason=reason, before=before, after=after)


def record_refusal(edition, actor, target: Any, *, reason: str, after: Any) -> None:
    """A refused request of a member, audited and committed now in a transaction of its
    own: the request's is rolled back with its refusal."""
    with Session(db.engine) as session:
        record_audit(edition, actor, REFUSED, target, reason=reason, after=after, session=session)
        session.commit()


# --- refused socket events, coalesced ----------------------------------------------------


def audit_refusal(
    edition_id: int | None,
    member: bool,
    user,
    namespace: str,
    event: str,
    target: Callable[[], Any],
    payload: dict,
) -> None:
    """A refused socket event naming edition ``edition_id``, by ``user`` (``member``: of
    that edition). From someone who is not a member of it (or naming none): never its
    audit log (anyone could fill it), one log line per user per minute. From a member: one
    "forbidden.attempt" row per (user, event, minute), written in its own transaction (the
    event's is rolled back); each further attempt of that minute raises its ``count``,
    written at most every ``REFUSALS_FLUSH_SECONDS`` (one commit, not one per attempt: a
    member's flood does not make the database sync for each). ``target()`` loads what was
    refused, only for the row of the minute: a flood's further attempts cost no query."""
    if edition_id is None or not member:
        _log_outsider(edition_id, user, namespace, event)
        return
    reason = f"{namespace} {event}"
    minute = utcnow().replace(second=0, microsecond=0)
    database = str(db.engine.url)
    key = (database, edition_id, user.id, reason, minute)
    if _counted_later(key):
        return
    with _first_refusals:  # this process's first of the minute: written now
        if _counted_later(key):
            return
        edition = db.session.get(Edition, edition_id)
        _write_first_refusal(key, edition, user, namespace, event, target(), payload)


def is_member(user, edition_id: int | None) -> bool:
    return edition_id is not None and bool(
        db.session.scalar(
            select(Membership.id).where(
                Membership.edition_id == edition_id, Membership.user_id == user.id
            )
        )
    )


def _counted_later(key: tuple) -> bool:
    """Count one more attempt on the row this process wrote for ``key``, if there is one;
    the first attempt counted since the last write sends a writer on its way."""
    with _refusals:
        row = _refusal_rows.get(key)
        if row is None:
            return False
        waiting = _unwritten.get((key[0], row))
        _unwritten[(key[0], row)] = (waiting or 0) + 1
    if waiting is None:
        socketio.start_background_task(_write_refusals_later, current_app._get_current_object())
    return True


def _write_first_refusal(key, edition, user, namespace, event, target, payload) -> None:
    _database, _edition, _user, reason, minute = key
    with Session(db.engine) as session:
        row = session.scalar(
            select(AuditEntry.id)
            .where(
                AuditEntry.actor_id == user.id,
                AuditEntry.edition_id == edition.id,
                AuditEntry.action == REFUSED,
                AuditEntry.reason == reason,
                AuditEntry.created_at >= minute,
            )
            .order_by(AuditEntry.id.desc())
            .limit(1)
        )
        if row is None:
            after = {"event": f"{namespace}:{event}", "payload": payload}
            entry = record_audit(
                edition, user, REFUSED, target, reason=reason, after=after, session=session
            )
            row = entry.id
        else:  # another process's row of this minute
            _add_refusals(session, row, 1)
        session.commit()
    with _refusals:
        for known in [k for k in _refusal_rows if k[4] < minute]:
            del _refusal_rows[known]
        _refusal_rows.setdefault(key, row)


def _add_refusals(session, row: int, attempts: int) -> None:
    """The one update of the audit log (see AuditEntry): bypasses its append-only guard."""
    session.execute(
        update(AuditEntry)
        .where(AuditEntry.id == row)
        .values(count=AuditEntry.count + attempts)
        .execution_options(synchronize_session=False)
    )


def _write_refusals_later(app) -> None:
    """After ``REFUSALS_FLUSH_SECONDS``, write the attempts counted meanwhile."""
    socketio.sleep(REFUSALS_FLUSH_SECONDS)
    with app.app_context():
        database = str(db.engine.url)
        with _refusals:
            due = {k: n for k, n in _unwritten.items() if k[0] == database}
            for k in due:
                del _unwritten[k]
        try:
            with Session(db.engine) as session:
                for (_database, row), attempts in due.items():
                    _add_refusals(session, row, attempts)
                session.commit()
        except Exception:
            log.exception("could not write %d refused attempts", sum(due.values()))


def _log_outsider(edition_id: int | None, user, namespace: str, event: str) -> None:
    now = time.monotonic()
    with _refusals:
        seen = _outsiders.get(user.id)
        if seen is not None and now - seen[0] < OUTSIDER_LOG_SECONDS:
            seen[1] += 1
            return
        if len(_outsiders) >= 10_000:
            _outsiders.clear()
        _outsiders[user.id] = [now, 0]
    log.warning(
        "refused %s %s by user %s, not a member of edition %s: not audited "
        "(%d more since the previous line; one line a minute per user)",
        namespace,
        event,
        user.id,
        edition_id if edition_id is not None else "(none named)",
        int(seen[1]) if seen is not None else 0,
    )


# --- reading and exporting -----------------------------------------------------------------


def audit_entries(
    edition: Edition,
    *,
    action: str | None = None,
    actions: Collection[str] | None = None,
    actor_id: int | None = None,
    actor_ids: Collection[int] | None = None,
    automatic: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """The edition's entries, newest first: of ``action`` (``"papers.*"``: its family) or
    of one of ``actions``; by ``actor_id``, one of ``actor_ids`` or, ``automatic``, by
    nobody (a scheduled lock); from ``since`` to before ``until``."""
    query = select(AuditEntry).where(AuditEntry.edition_id == edition.id)
    if action:
        if action.endswith(".*"):
            query = query.where(AuditEntry.action.startswith(action[:-1], autoescape=True))
        else:
            query = query.where(AuditEntry.action == action)
    if actions is not None:
        query = query.where(AuditEntry.action.in_(list(actions)))
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
    if actor_ids is not None:
        query = query.where(AuditEntry.actor_id.in_(list(actor_ids)))
    if automatic:
        query = query.where(AuditEntry.actor_id.is_(None))
    if since is not None:
        query = query.where(AuditEntry.created_at >= since)
    if until is not None:
        query = query.where(AuditEntry.created_at < until)
    query = query.order_by(AuditEntry.id.desc())
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def audit_actor_ids(edition: Edition) -> list[int | None]:
    """Who has entries in the edition's log (None: Palabre itself, a scheduled lock)."""
    return list(
        db.session.scalars(
            select(AuditEntry.actor_id).where(AuditEntry.edition_id == edition.id).distinct()
        )
    )


def audit_actions(edition: Edition) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.edition_id == edition.id)
            .distinct()
            .order_by(AuditEntry.action)
        )
    )


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def csv_safe(value: Any) -> str:
    """A cell a spreadsheet shows as text: no formula (``=``, ``+``, ``-``, ``@`` …)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    value = clean_text(value)
    if value.startswith(_FORMULA_START) or value.lstrip().startswith(_FORMULA_START[:4]):
        return "'" + value
    return value


def audit_csv(entries) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(
        [
            "id",
            "when",
            "actor",
            "actor_email",
            "action",
            "target_type",
            "target_id",
            "reason",
            "before",
            "after",
            "count",
        ]
    )
    for e in entries:
        writer.writerow(
            [
                e.id,
                e.created_at.isoformat(),
                csv_safe(e.actor.name if e.actor else ""),
                csv_safe(e.actor.email if e.actor else ""),
                csv_safe(e.action),
                csv_safe(e.target_type),
                e.target_id if e.target_id is not None else "",
                csv_safe(e.reason),
                csv_safe(e.before),
                csv_safe(e.after),
                e.count,
            ]
        )
    return "\ufeff" + out.getvalue()  # BOM: Excel opens UTF-8 French text correctly
