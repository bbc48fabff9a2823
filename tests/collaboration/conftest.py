"""Helpers to speak the /collab protocol from tests: a python-socketio client + a pycrdt Doc."""

from __future__ import annotations

import threading
import time

import pytest
from pycrdt import Doc, Text, create_sync_message, create_update_message, handle_sync_message


@pytest.fixture
def demo(blank_demo):
    """Co-writing starts here from the demo's papers still blank: each test types the text
    it then checks, exactly (the written demo is the subject of the workshops' tests)."""
    return blank_demo


class Editor:
    """A member's editor of one section, over a real Socket.IO connection."""

    def __init__(self, sio, section: str) -> None:
        self.sio = sio
        self.section = section
        self.doc = Doc()
        self.text = self.doc.get("markdown", type=Text)
        self.errors: list[dict] = []
        self.access: list[dict] = []
        self.awareness: list[bytes] = []
        self._lock = threading.Lock()
        sio.on("sync", self._on_sync, namespace="/collab")
        sio.on("error", self.errors.append, namespace="/collab")
        sio.on("access", self.access.append, namespace="/collab")
        sio.on("awareness", lambda p: self.awareness.append(p["data"]), namespace="/collab")

    def _on_sync(self, payload) -> None:
        if payload["section"] != self.section:
            return
        data = payload["data"]
        with self._lock:
            reply = handle_sync_message(data[1:], self.doc)
        if reply is not None:
            # From the client's event thread: emit, never wait for an acknowledgement.
            self.sio.emit("sync", {"section": self.section, "data": reply}, namespace="/collab")

    def send(self, data: bytes) -> dict:
        return self.sio.call(
            "sync", {"section": self.section, "data": data}, namespace="/collab", timeout=10
        )

    def join(self) -> dict:
        ack = self.sio.call("join", {"section": self.section}, namespace="/collab", timeout=10)
        if ack.get("ok"):
            self.send(create_sync_message(self.doc))
        return ack

    def type(self, index_chars: int | None, value: str) -> dict:
        """Insert ``value`` (at the end by default) and send the update; returns the ack."""
        with self._lock:
            before = self.doc.get_state()
            current = str(self.text)
            at = len(current) if index_chars is None else index_chars
            self.text.insert(len(current[:at].encode()), value)
            update = self.doc.get_update(before)
        return self.send(create_update_message(update))

    def value(self) -> str:
        with self._lock:
            return str(self.text)


def wait_until(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


@pytest.fixture
def editor_for(socketio_client):
    def make(user, section: str = "malisig-2023/gouvernement/introduction", *, join=True):
        editor = Editor(socketio_client(user), section)
        if join:
            editor.ack = editor.join()
        return editor

    return make
