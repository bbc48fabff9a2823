"""Presence per section: a page follows every section of its paper, but a co-writer is in
the one whose editor they opened; only that section's presence says ``open``."""

from __future__ import annotations

import json
import threading

from pycrdt import create_awareness_message, write_var_uint

from app.collaboration import presence
from tests.collaboration.conftest import wait_until

INTRO = "malisig-2023/gouvernement/introduction"
Q1 = "malisig-2023/gouvernement/q1"


class Page:
    """One browser page over one socket: it joins both sections, as the paper page does."""

    def __init__(self, sio, client: int) -> None:
        self.sio = sio
        self.client = client
        self.received: dict[str, list[bytes]] = {INTRO: [], Q1: []}
        self._lock = threading.Lock()
        sio.on("awareness", self._on_awareness, namespace="/collab")
        for section in (INTRO, Q1):
            assert sio.call("join", {"section": section}, namespace="/collab", timeout=10)["ok"]

    def _on_awareness(self, payload) -> None:
        with self._lock:
            self.received.setdefault(payload["section"], []).append(payload["data"])

    def say(self, section: str, state: dict, clock: int = 1) -> dict:
        raw = json.dumps(state).encode()
        body = write_var_uint(1) + write_var_uint(self.client) + write_var_uint(clock)
        body += write_var_uint(len(raw)) + raw
        data = create_awareness_message(bytes(body))
        return self.sio.call(
            "awareness", {"section": section, "data": data}, namespace="/collab", timeout=10
        )

    def open_in(self, section: str) -> None:
        """Its user in both sections, ``open`` in one (what frontend/src/paper/page.js sends)."""
        for other in (INTRO, Q1):
            state = {"user": {"name": "x"}}
            if other == section:
                state["open"] = True
            assert self.say(other, state)["ok"]

    def open_here(self, section: str) -> dict[int, str]:
        """Who this page sees in ``section`` with ``open``: awareness client → user name."""
        states: dict[int, dict | None] = {}
        with self._lock:
            messages = list(self.received.get(section, []))
        for message in messages:
            for entry in presence.read(message):
                states[entry.client] = entry.state
        return {
            client: state["user"]["name"]
            for client, state in states.items()
            if state and state.get("open") is True
        }


def test_two_co_writers_in_two_sections_show_each_in_their_own(demo, socketio_client):
    fatoumata = Page(socketio_client(demo.users["gouvernement1@demo.palabre"]), client=1001)
    ibrahim = Page(socketio_client(demo.users["gouvernement2@demo.palabre"]), client=1002)
    watcher = Page(socketio_client(demo.users["facilitateur@demo.palabre"]), client=1003)
    fatoumata.open_in(INTRO)
    ibrahim.open_in(Q1)
    names = {u.email: u.name for u in demo.users.values()}
    expected_intro = {1001: names["gouvernement1@demo.palabre"]}
    expected_q1 = {1002: names["gouvernement2@demo.palabre"]}
    assert wait_until(
        lambda: watcher.open_here(INTRO) == expected_intro and watcher.open_here(Q1) == expected_q1
    ), (watcher.open_here(INTRO), watcher.open_here(Q1))


def test_a_co_writer_moving_to_another_section_leaves_the_first(demo, socketio_client):
    fatoumata = Page(socketio_client(demo.users["gouvernement1@demo.palabre"]), client=2001)
    watcher = Page(socketio_client(demo.users["gouvernement2@demo.palabre"]), client=2002)
    fatoumata.open_in(INTRO)
    assert wait_until(lambda: 2001 in watcher.open_here(INTRO))
    for section, clock in ((INTRO, 2), (Q1, 2)):
        state = {"user": {}} | ({"open": True} if section == Q1 else {})
        assert fatoumata.say(section, state, clock=clock)["ok"]
    assert wait_until(
        lambda: 2001 not in watcher.open_here(INTRO) and 2001 in watcher.open_here(Q1)
    )


def test_only_a_true_open_is_relayed():
    entries = [presence.Entry(7, 1, {"open": "yes"}), presence.Entry(8, 1, {"open": True})]
    relayed = presence.read(presence.rewrite(entries, {"id": 1}, INTRO))
    assert [e.state.get("open") for e in relayed] == [None, True]
