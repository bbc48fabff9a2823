"""A join answered while access changes does not keep the room (``app.core.access``).

A socket event decides under the access generation it read first; the room is held only
once its handler reaches ``access.enter``. A change committed in between is re-checked
for the sockets held *then*: without more, the joining socket was not among them, and it
kept the room (and everything typed there) until the next change, anywhere.

The window is made wide and certain with PostgreSQL's table lock: the section's log is
locked while a member joins, so the join waits on its document, authorized already,
while the member is moved to another group; then the lock is let go.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from app.workshops.services import membership_of
from tests.collaboration.conftest import Editor, wait_until
from tests.conftest import migrate_database

pytestmark = pytest.mark.postgres

BOUND = 1.0  # the "within a second"
SILENCE = 0.5
SECTION = "malisig-2023/gouvernement/introduction"
MEMBER = "gouvernement2@demo.palabre"


@pytest.fixture
def database_url(database_url, tmp_path, request) -> Iterator[str]:
    """The suite's database on its PostgreSQL pass; else a throwaway, migrated one."""
    if database_url.startswith("postgresql"):
        yield database_url
        return
    url = request.getfixturevalue("empty_postgres_database")
    migrate_database(url, str(tmp_path))
    yield url


@contextmanager
def _locked(url: str, table: str) -> Iterator[None]:
    """Nobody reads ``table`` until the block ends (another connection holds it)."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection, connection.begin():
            connection.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
            yield
    finally:
        engine.dispose()


def test_a_join_straddling_a_move_does_not_keep_the_room(
    database_url, demo, socketio_client, client_for
):
    member = demo.users[MEMBER]
    writer = Editor(socketio_client(demo.users["gouvernement1@demo.palabre"]), SECTION)
    control = Editor(socketio_client(demo.users["facilitateur@demo.palabre"]), SECTION)
    held = Editor(socketio_client(member), SECTION)  # in the room before: re-checked
    for editor in (writer, control, held):
        assert editor.join()["ok"]
    joining = Editor(socketio_client(member), SECTION)
    acks: list[dict] = []
    with _locked(database_url, "section_updates"):
        joining.sio.emit("join", {"section": SECTION}, namespace="/collab", callback=acks.append)
        assert not wait_until(lambda: acks, timeout=0.5)  # authorized, waiting on its document
        membership = membership_of(member, demo)
        response = client_for(demo.users["organisateur@demo.palabre"]).post(
            f"/editions/{demo.slug}/members/{membership.id}",
            data={"operation": "move", "group": "secteur-prive"},
        )
        assert response.status_code == 303
        assert membership_of(member, demo).group.slug == "secteur-prive"
        # The change is re-checked meanwhile: the socket already in the room leaves it.
        assert wait_until(lambda: any(a.get("removed") for a in held.access), timeout=BOUND)
    assert wait_until(lambda: acks, timeout=5)
    assert acks[0]["ok"]  # it was allowed in when it asked
    notice = {"section": SECTION, "readonly": True, "removed": True}
    assert wait_until(lambda: notice in joining.access, timeout=BOUND), joining.access
    assert writer.type(None, "{après}")["ok"]
    assert wait_until(lambda: "après" in control.value())
    assert not wait_until(lambda: "après" in joining.value(), timeout=SILENCE)
