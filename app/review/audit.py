"""Review's entries in the audit log, written by facilitation (``core.signals.audited``):
review sits below facilitation, whose dashboard reads review's feedback."""

from __future__ import annotations

from typing import Any

from flask import current_app

from app.core import signals


def audit(
    edition, actor, action: str, target: Any, *, reason: str = "", before=None, after=None
) -> None:
    """One entry, in the current transaction; refused if nothing keeps the log."""
    if not signals.audited.receivers:
        raise RuntimeError("no audit log hears signals.audited (app.facilitation.audit)")
    signals.audited.send(
        current_app._get_current_object(),
        edition=edition,
        actor=actor,
        action=action,
        target=target,
        reason=reason,
        before=before,
        after=after,
    )
