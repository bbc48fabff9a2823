"""The fan-out (``app.core.fanout``): what is relayed to a section is framed once and
written to each member at once when its socket has room; every member gets every update,
in each sender's order; a reader that reads nothing holds up no one."""

from __future__ import annotations

import json
import re
import socket
import threading
import time

import pytest
import websocket
from engineio.socket import Socket as EngineIOSocket
from pycrdt import Doc, create_sync_message

from app.core import fanout
from app.extensions import db, socketio
from tests.collaboration.conftest import wait_until

SECTION = "malisig-2023/gouvernement/introduction"
MARK = re.compile(rb"<(\d+):(\d+)>")


class Listener:
    """A member's connection that only listens: the markers of each relayed update, in
    the order they arrive."""

    def __init__(self, sio) -> None:
        self.sio = sio
        self.marks: list[tuple[int, int]] = []
        sio.on("sync", self._on_sync, namespace="/collab")
        assert sio.call("join", {"section": SECTION}, namespace="/collab", timeout=10)["ok"]

    def _on_sync(self, payload) -> None:
        if payload["data"][:2] == b"\x00\x02":
            self.marks.extend((int(a), int(b)) for a, b in MARK.findall(payload["data"]))

    def of(self, sender: int) -> list[int]:
        return [n for who, n in self.marks if who == sender]


def _members(demo, add_member, count: int) -> list:
    users = [demo.users["gouvernement1@demo.palabre"], demo.users["gouvernement2@demo.palabre"]]
    users += [add_member(demo, "participant", "gouvernement") for _ in range(count - 2)]
    db.session.commit()
    return users[:count]


def _type_concurrently(editors, count: int) -> None:
    """Each editor types ``count`` markers <editor:n>, all editors at once."""

    def typing(index: int, editor) -> None:
        for n in range(count):
            assert editor.type(None, f"<{index}:{n}>")["ok"]

    threads = [threading.Thread(target=typing, args=(i, e)) for i, e in enumerate(editors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


@pytest.mark.parametrize("receivers", [2, 50])
def test_every_receiver_gets_every_update_in_each_senders_order(
    demo, add_member, editor_for, socketio_client, receivers
):
    users = _members(demo, add_member, receivers + 2)
    listeners = [Listener(socketio_client(user)) for user in users[2:]]
    senders = [editor_for(user, SECTION) for user in users[:2]]
    _type_concurrently(senders, 40)
    for listener in listeners:
        assert wait_until(lambda listener=listener: len(listener.marks) == 80, timeout=20), len(
            listener.marks
        )
        assert listener.of(0) == list(range(40))
        assert listener.of(1) == list(range(40))


def test_an_upgraded_connection_is_written_through_its_outbox(demo, editor_for):
    """The path the load benchmark measures (no queue, no writer) is the one tested here."""
    editor_for(demo.users["gouvernement1@demo.palabre"], SECTION)
    outboxes = [
        getattr(s, "palabre_outbox", None) for s in list(socketio.server.eio.sockets.values())
    ]
    assert outboxes and all(outbox is not None and outbox.active for outbox in outboxes)


def _stuck_reader(app, demo, live_server) -> websocket.WebSocket:
    """A member's raw connection with a tiny receive buffer, joined, that then reads
    nothing."""
    from tests.conftest import session_cookie_for

    cookie = session_cookie_for(app, demo.users["gouvernement2@demo.palabre"])
    ws = websocket.create_connection(
        live_server.base_url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket",
        header=[f"Cookie: {app.config['SESSION_COOKIE_NAME']}={cookie}"],
        origin=live_server.base_url,
        sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 2048),),
        timeout=10,
    )
    opened = ws.recv()
    assert opened.startswith("0{")
    # The server's end of it sends little at a time (its kernel would buffer megabytes).
    outbox = socketio.server.eio.sockets[json.loads(opened[1:])["sid"]].palabre_outbox
    outbox.raw.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    ws.outbox = outbox
    ws.send("40/collab,")
    assert ws.recv().startswith("40/collab,")
    ws.send('42/collab,1["join",' + json.dumps({"section": SECTION}) + "]")
    head = {"section": SECTION, "data": {"_placeholder": True, "num": 0}}
    ws.send("451-/collab,2" + json.dumps(["sync", head]))
    ws.send_binary(create_sync_message(Doc()))
    return ws


def test_a_reader_that_reads_nothing_holds_up_no_one(app, demo, add_member, editor_for,
                                                     socketio_client, live_server):  # fmt: skip
    listener_user, typist_user = _members(demo, add_member, 3)[::2]
    stuck = _stuck_reader(app, demo, live_server)
    listener = Listener(socketio_client(listener_user))
    typist = editor_for(typist_user, SECTION)
    started = time.monotonic()
    for n in range(60):  # ~4 KB each: far more than the stuck reader's buffers hold
        assert typist.type(None, f"<0:{n}>" + "x" * 4000)["ok"]
    assert wait_until(lambda: len(listener.marks) == 60, timeout=10)
    assert time.monotonic() - started < 10
    assert listener.of(0) == list(range(60))
    assert stuck.outbox.queued  # what it did not read waits on its own queue
    stuck.close()


@pytest.fixture
def connection(app):
    """An Engine.IO socket of the app's server, upgraded, over one end of a socket pair."""
    ours, theirs = socket.socketpair()
    eio_socket = EngineIOSocket(socketio.server.eio, "test-sid")
    outbox = fanout.Outbox(eio_socket, ours)
    outbox.activate()
    yield outbox, eio_socket, theirs
    ours.close()
    theirs.close()


def test_frames_sent_within_a_coalesced_block_leave_together_at_its_end(connection):
    _outbox, eio_socket, peer = connection
    peer.setblocking(False)
    with fanout.coalesced():
        for n in range(3):
            eio_socket.send(transport_packet(f"event {n}"))
        with pytest.raises(BlockingIOError):
            peer.recv(100)
    expected = b"".join(fanout.frame(0x1, f"4event {n}".encode()) for n in range(3))
    assert peer.recv(1000) == expected


def test_writes_behind_a_full_socket_queue_in_order(connection):
    outbox, eio_socket, _peer = connection
    sent, chunk = [], b"y" * 65536
    while not outbox.queued:  # the peer reads nothing: the kernel's buffers fill
        data = fanout.frame(0x2, chunk + len(sent).to_bytes(4, "big"))
        outbox.write(data)
        sent.append(data)
    outbox.write(b"after")
    queued = []
    while not eio_socket.queue.empty():
        queued.append(eio_socket.queue.get().data)
    assert queued[-1] == b"after" and len(queued) == 2
    assert sent[-1].endswith(queued[0])  # the rest of the frame that did not fit


def transport_packet(text: str):
    from engineio import packet

    return packet.Packet(packet.MESSAGE, text)
