"""The sync loop's persistence step: one writer thread per app commits updates in batches.

Every editor's socket has its own thread; if each committed its own update, they would all
queue on the database's write lock while competing for the GIL, and under load the lock
holder waits behind a hundred runnable threads (a lock convoy: latency in seconds at 150
editors). Like Hocuspocus's single event loop, one thread does the writing here: socket
handlers parse and authorize in parallel, then hand the update over and wait. The writer
takes whatever has queued meanwhile (group commit), writes it in one transaction, commits,
relays each update (a member of a section gets the batch's updates in one write:
``app.core.fanout.coalesced``), and wakes the waiting handlers, which acknowledge
(having given back their database connection while they waited: see
``app.core.sockets.Later``). An update is still committed before anyone receives it, and a
client's updates keep their order (its handler waits for each one). Housekeeping
(``after``: compaction of the logs) comes once the batch has gone out, in a transaction of
its own.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.core import fanout
from app.core.errors import PalabreError, Unavailable
from app.core.sockets import Later
from app.core.transactions import commit, release_held
from app.extensions import db

log = logging.getLogger(__name__)

MAX_BATCH = 32  # updates per transaction; sync.REORDER_WINDOW must stay well above it
IDLE_SECONDS = 5.0  # an idle writer thread ends; the next update starts another


@dataclass
class Job(Later):
    """One update waiting to be written: ``payload`` is for the write function."""

    payload: Any
    timeout: float
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: PalabreError | None = None

    def wait(self) -> Any:
        """Block until the job is committed (its result) or refused (raises why)."""
        if not self.done.wait(self.timeout):
            # It may still commit later: the client sends it again, and applying a Yjs
            # update twice is harmless.
            raise Unavailable()
        if self.error is not None:
            raise self.error
        return self.result


def is_panic(error: BaseException) -> bool:
    """A Rust panic from pycrdt (pyo3's PanicException derives from BaseException): the
    writer thread must outlive it, as it outlives any other failure of one batch."""
    return type(error).__name__ == "PanicException"


class BatchWriter:
    """Runs ``write(payload)`` for each submitted job, many per transaction, in one thread."""

    def __init__(
        self,
        app: Flask,
        write: Callable[[Any], Any],
        after: Callable[[list[Any]], None] | None = None,
    ) -> None:
        self.app = app
        self.write = write
        self.after = after
        self._queue: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, payload: Any, timeout: float) -> Job:
        """Queue a write; ``wait()`` on the job gives its outcome."""
        job = Job(payload, timeout)
        with self._guard:
            self._queue.put(job)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="palabre-collab-writer", daemon=True
                )
                self._thread.start()
        return job

    def _next_batch(self) -> list[Job] | None:
        try:
            batch = [self._queue.get(timeout=IDLE_SECONDS)]
        except queue.Empty:
            with self._guard:
                if self._queue.empty():
                    self._thread = None
                    return None
            return []
        while len(batch) < MAX_BATCH:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _run(self) -> None:
        while (batch := self._next_batch()) is not None:
            if batch:
                # The batch's relays go out once it is committed, each member's share in
                # one write, before any of its editors is acknowledged.
                with self.app.app_context(), fanout.coalesced():
                    self._write(batch)
                for job in batch:
                    job.done.set()
                if self.after is not None:
                    # Let the relays and acknowledgements go out first (other threads, or
                    # greenlets under gevent, where nothing runs until this one yields).
                    time.sleep(0)
                    with self.app.app_context():
                        self._after([job.payload for job in batch])

    def _after(self, payloads: list[Any]) -> None:
        try:
            self.after(payloads)
            if db.session.registry.has():  # nothing was due: no transaction to commit
                commit()
        except BaseException as error:
            if not isinstance(error, Exception) and not is_panic(error):
                raise
            # The updates are committed and relayed already: the step is tried again
            # after the next batch.
            db.session.rollback()
            log.exception("the writer's step after a batch failed")
        finally:
            release_held()
            db.session.remove()

    def _write(self, batch: list[Job]) -> None:
        """One transaction for the batch; if it fails for one job's sake, each job alone."""
        try:
            for job in batch:
                job.result = self.write(job.payload)
            commit()
            return
        except (DBAPIError, PoolTimeout):
            db.session.rollback()
            log.warning("database unavailable: %d updates refused", len(batch))
            for job in batch:
                job.error = Unavailable()
            return
        except BaseException as error:
            if not isinstance(error, Exception) and not is_panic(error):
                raise  # KeyboardInterrupt, SystemExit, a greenlet's exit
            db.session.rollback()
            if len(batch) == 1:
                if not isinstance(error, PalabreError):
                    log.exception("writing an update failed")
                    error = PalabreError(code="internal")
                batch[0].error = error
                return
        finally:
            release_held()
            db.session.remove()
        for job in batch:
            self._write([job])
