"""Events carrying bytes reach a client whole, even when many threads relay to it at once."""

import sys
import threading

import pytest

from app.extensions import socketio
from tests.collaboration.conftest import wait_until

THREADS, EVENTS = 8, 300


@pytest.fixture
def eager_thread_switches():
    """Switch threads every microsecond, so that a race shows up in a short test."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


@pytest.mark.usefixtures("eager_thread_switches")
def test_concurrent_binary_relays_to_one_client_arrive_whole(app, demo, socketio_client):
    client = socketio_client(demo.users["gouvernement1@demo.palabre"])
    received: list[bytes] = []
    client.on("sync", lambda payload: received.append(payload["data"]), namespace="/collab")
    sid = client.get_sid(namespace="/collab")

    def relay(worker: int) -> None:
        for n in range(EVENTS):
            data = bytes([0, 2]) + f"{worker}:{n}".encode()
            socketio.emit("sync", {"section": "s", "data": data}, to=sid, namespace="/collab")

    threads = [threading.Thread(target=relay, args=(w,)) for w in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wait_until(lambda: len(received) == THREADS * EVENTS, timeout=20)
    assert len(received) == THREADS * EVENTS, len(received)
    assert len(set(received)) == THREADS * EVENTS
    assert client.connected
