"""The live editor's writer thread: many updates per transaction, each answered alone."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.collaboration import store
from app.collaboration.models import SectionUpdate
from app.collaboration.services import paper_of
from app.collaboration.writer import BatchWriter
from app.core.errors import BadInput, Unavailable
from app.extensions import db
from tests.collaboration.conftest import wait_until


@pytest.fixture
def section_id(demo):
    section_id = paper_of(demo.groups[0]).sections[0].id
    db.session.commit()
    return section_id


@pytest.fixture
def commits():
    seen: list[int] = []

    def record(_session):
        seen.append(threading.get_ident())

    event.listen(Session, "after_commit", record)
    yield seen
    event.remove(Session, "after_commit", record)


def _rows(section_id: int) -> int:
    db.session.remove()
    query = select(func.count(SectionUpdate.id)).where(SectionUpdate.section_id == section_id)
    return db.session.scalar(query)


def test_updates_queued_while_the_writer_works_share_one_commit(app, section_id, commits):
    started, release = threading.Event(), threading.Event()

    def write(payload):
        if payload == 0:
            started.set()
            release.wait(5)
        return store.append(section_id, b"\x00\x00", None)

    writer = BatchWriter(app, write)
    first = writer.submit(0, timeout=10)
    assert started.wait(5)
    queued = [writer.submit(n, timeout=10) for n in range(1, 11)]
    release.set()
    ids = [job.wait() for job in [first, *queued]]
    writer_commits = [ident for ident in commits if ident != threading.get_ident()]
    assert len(set(ids)) == 11
    assert len(writer_commits) == 2  # the first alone, then the ten queued behind it
    assert _rows(section_id) == 11


def test_one_refused_update_leaves_the_others_of_its_batch_written(app, section_id):
    started, release = threading.Event(), threading.Event()

    def write(payload):
        if payload == "first":
            started.set()
            release.wait(5)
        if payload == "bad":
            store.append(section_id, b"\x00\x00", None)  # written, then undone
            raise BadInput("refused")
        return store.append(section_id, b"\x00\x00", None)

    writer = BatchWriter(app, write)
    first = writer.submit("first", timeout=10)
    assert started.wait(5)
    good, bad, other = (writer.submit(p, timeout=10) for p in ("good", "bad", "other"))
    release.set()
    first.wait()
    with pytest.raises(BadInput):
        bad.wait()
    assert good.wait() != other.wait()
    assert _rows(section_id) == 3


def test_an_update_not_written_in_time_is_refused_as_unavailable(app, section_id):
    release = threading.Event()
    writer = BatchWriter(app, lambda _payload: release.wait(5))
    job = writer.submit("slow", timeout=0.1)
    with pytest.raises(Unavailable):
        job.wait()
    release.set()


def _write_one(section_id):
    return lambda _payload: store.append(section_id, b"\x00\x00", None)


def test_the_step_after_a_batch_comes_once_its_updates_are_answered(app, section_id):
    release, stepped = threading.Event(), threading.Event()
    jobs, seen = [], []

    def write(payload):
        release.wait(5)
        return store.append(section_id, b"\x00\x00", None)

    def after(payloads):
        seen.append((payloads, [job.done.is_set() for job in jobs]))
        store.append(section_id, b"\x00\x00", None)  # in a transaction of its own
        stepped.set()

    writer = BatchWriter(app, write, after=after)
    jobs.append(writer.submit("update", timeout=10))
    release.set()
    jobs[0].wait()
    assert stepped.wait(5)
    assert seen == [(["update"], [True])]
    assert wait_until(lambda: _rows(section_id) == 2)


def test_a_failing_step_after_a_batch_loses_no_update(app, section_id, caplog):
    steps = threading.Semaphore(0)

    def after(_payloads):
        store.append(section_id, b"\x00\x00", None)  # rolled back with the step
        steps.release()
        raise RuntimeError("compaction failed")

    writer = BatchWriter(app, _write_one(section_id), after=after)
    first = writer.submit("first", timeout=10).wait()
    second = writer.submit("second", timeout=10).wait()
    assert steps.acquire(timeout=5) and steps.acquire(timeout=5)
    assert first != second
    assert wait_until(lambda: "the writer's step after a batch failed" in caplog.text)
    assert _rows(section_id) == 2
