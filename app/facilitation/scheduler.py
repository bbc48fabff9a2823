"""The lock timer: applies scheduled locks when their moment comes.

The authorization rule already refuses edits once a scheduled lock is due (it reads the
schedule), so the timer only has to turn the schedule into lock flags and tell the
connected editors. Every process may run one timer: a lock is claimed by a conditional
UPDATE, so it is applied and announced once. Started on the first request of a process
(not by CLI commands), never in tests unless ``LOCK_TIMER`` is set.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from app.core.transactions import run_in_transaction
from app.extensions import db
from app.facilitation.locks import apply_due_locks
from app.facilitation.presence import prune_presence

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
PRUNE_EVERY = 300  # ticks between two clean-ups of stale presence rows
_KEY = "palabre_lock_timer"


class LockTimer:
    def __init__(self, app: Flask, interval: float = POLL_SECONDS) -> None:
        self.app = app
        self.interval = interval
        self.stopped = threading.Event()
        self.ticks = 0
        self.thread = threading.Thread(target=self._run, name="palabre-lock-timer", daemon=True)

    def start(self) -> LockTimer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)

    def tick(self) -> int:
        self.ticks += 1
        with self.app.app_context():
            try:
                if self.ticks % PRUNE_EVERY == 0:
                    run_in_transaction(prune_presence)
                return run_in_transaction(apply_due_locks)
            finally:
                db.session.remove()

    def _run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                self.tick()
            except Exception:
                log.exception("the lock timer failed; retrying")


def ensure_timer(app: Flask) -> LockTimer | None:
    """Start this process's timer once (no-op in tests unless ``LOCK_TIMER`` is true)."""
    enabled = app.config.get("LOCK_TIMER", not app.config.get("TESTING", False))
    if not enabled:
        return None
    timer = app.extensions.get(_KEY)
    if timer is None:
        with _lock:
            timer = app.extensions.get(_KEY)
            if timer is None:
                timer = app.extensions[_KEY] = LockTimer(app).start()
    return timer


def stop_timer(app: Flask) -> None:
    timer = app.extensions.pop(_KEY, None)
    if timer is not None:
        timer.stop()


_lock = threading.Lock()
