"""The decisions kept between live-editing messages (``app.core.authz``): reused within an
access generation, dropped by any change to what the rules read, and at a scheduled lock."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, update

from app.accounts.models import User
from app.accounts.services import end_all_sessions, load_session_user
from app.collaboration.models import Section
from app.collaboration.services import SectionRef, paper_of, section_address
from app.core import authz
from app.core.models import utcnow
from app.core.transactions import commit
from app.extensions import db
from app.workshops.models import Edition

# Objects do not outlive a message's session: tests keep ids and load rows again.


@pytest.fixture
def ref(demo):
    intro = paper_of(demo.groups[0]).sections[0]
    return SectionRef(intro.id, section_address(intro))


@pytest.fixture
def member_id(demo):
    return demo.users["gouvernement1@demo.palabre"].id


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


def _next_message() -> int:
    """What the socket boundary does between two messages: end the transaction, then
    read the access generation first."""
    commit()
    db.session.remove()
    return authz.open_generation()


@contextmanager
def _statements():
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_a_decision_is_reused_within_a_generation(member_id, ref):
    _next_message()
    assert authz.can(_user(member_id), "section.edit", ref)
    _next_message()
    user = _user(member_id)
    with _statements() as seen:
        assert authz.can(user, "section.edit", ref)
    assert seen == []


def test_a_lock_is_seen_by_the_next_message(member_id, ref):
    _next_message()
    assert authz.can(_user(member_id), "section.edit", ref)
    db.session.get(Section, ref.id).locked = True
    _next_message()
    assert not authz.can(_user(member_id), "section.edit", ref)


def test_a_bulk_update_of_a_rule_s_table_changes_the_generation(ref):
    before = _next_message()
    db.session.execute(update(Section).where(Section.id == ref.id).values(locked=True))
    assert _next_message() == before + 1


def test_a_change_no_rule_reads_keeps_the_generation(demo):
    edition_id = demo.id
    before = _next_message()
    db.session.get(Edition, edition_id).title = "Un autre titre"
    assert _next_message() == before


def test_a_decision_is_not_reused_past_a_scheduled_lock(demo, member_id, ref):
    from app.facilitation.locks import schedule_lock
    from app.workshops.models import LockScope

    facilitator = demo.users["facilitateur@demo.palabre"]
    at = utcnow() + timedelta(seconds=1)
    schedule_lock(demo, facilitator, LockScope.SECTION, ref.id, at=at)
    before = _next_message()
    assert authz.can(_user(member_id), "section.edit", ref)
    time.sleep(max(0.0, (at - utcnow()).total_seconds()) + 0.05)
    assert _next_message() == before  # nothing changed in the database, only the clock
    assert not authz.can(_user(member_id), "section.edit", ref)


def test_outside_socket_events_every_decision_asks_the_rule(member_id, ref):
    commit()
    db.session.remove()
    assert authz.current_generation() is None
    user = _user(member_id)
    assert authz.can(user, "section.edit", ref)
    with _statements() as seen:
        assert authz.can(user, "section.edit", ref)
    assert seen


def test_the_session_user_is_read_once_per_generation(member_id):
    session_id = _user(member_id).get_id()
    _next_message()
    assert load_session_user(session_id).id == member_id
    _next_message()
    with _statements() as seen:
        assert load_session_user(session_id).id == member_id
    assert seen == []


def test_ending_a_user_s_sessions_is_seen_by_the_next_message(member_id):
    session_id = _user(member_id).get_id()
    _next_message()
    assert load_session_user(session_id) is not None
    end_all_sessions(_user(member_id))
    _next_message()
    assert load_session_user(session_id) is None
