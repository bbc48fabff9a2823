"""Adjustments to Engine.IO's and Socket.IO's transport, installed on one server.

Each one fixes a behaviour of python-engineio / python-socketio that the live editor runs
into, without forking them; each is limited to the server instance it is installed on:

- ``SendQueue``: the per-connection send queue on ``queue.SimpleQueue`` (threading mode);
- ``websocket_writes`` and ``app.core.fanout``: an event sent to a room is encoded and
  framed once, the same bytes for every member; each upgraded connection has an
  ``Outbox`` that writes at once, without blocking, when nothing waits on its queue, else
  queues behind (a slow reader); within a ``fanout.coalesced()`` block (a writer's batch)
  each connection's share leaves in one write;
- ``keep_binary_events_whole``: an event carrying bytes leaves as one piece;
- ``fair_reads``: a connection's messages are read and dispatched in turn with the others',
  a bounded number waiting, and none once its Engine.IO socket is closed or held
  (``hold_then_close``).
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from socket import SHUT_RDWR
from typing import Any

import simple_websocket
from engineio import exceptions as eio_exceptions
from engineio import packet as eio_packet
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

from app.core import fanout


class SendQueue:
    """Engine.IO's per-connection send queue, on ``queue.SimpleQueue`` (written in C).

    Every relayed update is put on the queue of each other editor of the section and taken
    by that connection's writer thread: with ``queue.Queue`` (a Python ``Condition``) these
    puts and gets were a seventh of the server's time under load. Engine.IO only needs
    ``put``, ``get``, ``task_done`` and ``join`` (when a connection closes)."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._unfinished = 0

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        with self._lock:
            self._unfinished += 1
        self._queue.put(item)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        return self._queue.get(block, timeout)

    def task_done(self) -> None:
        with self._lock:
            self._unfinished -= 1

    def join(self) -> None:
        """Wait until every item put has been taken and done (rare: a closing connection)."""
        while True:
            with self._lock:
                if self._unfinished <= 0:
                    return
            time.sleep(0.005)

    def empty(self) -> bool:
        return self._queue.empty()

    def qsize(self) -> int:
        return self._queue.qsize()


def keep_binary_events_whole(server) -> None:
    """python-socketio sends an event carrying bytes as a header then its attachment, one
    Engine.IO message each, with no lock: two threads sending to the same client (a relay
    and a reply) could interleave them, and the client drops the connection on the parse
    error. Each event's parts leave together: in one write once the connection has an
    outbox, else under one lock."""
    lock = threading.Lock()
    pending = threading.local()  # this thread's header waiting for its attachments
    send_eio_packet, send = server._send_eio_packet, server.eio.send

    def send_eio_whole(eio_sid, eio_pkt) -> None:
        held = getattr(pending, "parts", None)
        if held is not None:
            held[1].append(eio_pkt)
            if len(held[1]) == held[2]:
                pending.parts = None
                with lock:
                    for part in held[1]:
                        send_eio_packet(held[0], part)
            return
        attachments = attachment_count(eio_pkt.data)
        if attachments:
            pending.parts = (eio_sid, [eio_pkt], attachments + 1)
            return
        send_eio_packet(eio_sid, eio_pkt)

    def send_whole(eio_sid, pkt) -> None:
        encoded = pkt.encode()
        parts = encoded if isinstance(encoded, list) else [encoded]
        outbox = getattr(server.eio.sockets.get(eio_sid), "palabre_outbox", None)
        if outbox is not None and outbox.active:
            fanout.deliver(
                server, [eio_sid], [eio_packet.Packet(eio_packet.MESSAGE, p) for p in parts]
            )
            return
        with lock:
            for part in parts:
                send(eio_sid, part)

    server._send_eio_packet = send_eio_whole
    server._send_packet = send_whole


def attachment_count(data: Any) -> int:
    """Attachments announced by a Socket.IO binary event/ack header ("51-/collab,[…]")."""
    if not isinstance(data, str) or data[:1] not in ("5", "6"):
        return 0
    count, dash, _rest = data[1:].partition("-")
    return int(count) if dash and count.isdigit() else 0


def websocket_writes(base: type) -> type:
    """Engine.IO's websocket class ``base``, with an ``Outbox`` per connection: once the
    connection is upgraded, what is sent to it is written at once by the sender when its
    kernel buffer has room (see ``Outbox``), and Engine.IO's writer only sends, with
    ``sendall``, what waits behind a full buffer. Before: every packet went through the
    connection's queue to its writer, one switch and one frame encoding (wsproto) per
    packet and member, two system calls per relayed update (header, then bytes)."""

    class OutboxWebSocket(base):
        def __init__(self, handler, server, *args, **kwargs) -> None:
            super().__init__(handler, server, *args, **kwargs)
            self._socket = handler.__self__  # the Engine.IO socket being upgraded
            self._outbox: fanout.Outbox | None = None
            poll = self._socket.poll

            def poll_activating():
                # The writer's polls: the first comes once the connection is upgraded.
                self._attach()
                if self._outbox is not None and not self._outbox.active:
                    self._outbox.activate()
                while True:
                    try:
                        return poll()
                    except eio_exceptions.QueueEmpty:
                        # Nothing queued for ping interval + timeout: Engine.IO ends the
                        # writer then (a client that stopped answering pings gets no more
                        # of them), but with an outbox an idle queue is the rule: it ends
                        # only for a client whose last ping went unanswered.
                        outbox = self._outbox
                        alive = not self._socket.closed and self._socket.check_ping_timeout()
                        if not (outbox and outbox.active and alive):
                            raise

            self._socket.poll = poll_activating

        def _attach(self) -> None:
            if self._outbox is None and getattr(self, "ws", None) is not None:
                self._outbox = fanout.Outbox(self._socket, self.ws.sock)

        def wait(self):
            self._attach()  # the handler's first read: simple-websocket's socket exists
            return super().wait()

        def send(self, message) -> None:
            self._attach()
            if isinstance(message, fanout.RawFrames):
                data = message.data
            elif not self._socket.upgraded:  # the upgrade handshake: answered at once
                super().send(message)
                return
            elif isinstance(message, bytes):
                data = fanout.frame(0x2, message)
            else:
                data = fanout.frame(0x1, str(message).encode())
            if not self.ws.connected:
                raise OSError("websocket closed")
            try:
                self.ws.sock.sendall(data)
            except OSError as error:
                # The writer stops on this and closes the connection, as when its queue
                # runs dry; the reader notices the closed socket.
                raise eio_exceptions.QueueEmpty() from error
            finally:
                if self._outbox is not None:
                    self._outbox.written()

        def close(self) -> None:
            if self._outbox is not None:
                self._outbox.close()
            super().close()

    OutboxWebSocket.__name__ = OutboxWebSocket.__qualname__ = f"Outbox{base.__name__}"
    return OutboxWebSocket


class FairServer(simple_websocket.Server):
    """simple-websocket's server end, reading in turn. It read whatever a client sent, with
    no pause while more was there (a greenlet that never waits lets no other run: one
    client flooding at full speed held every editor's messages for seconds), into a list
    without bound. Here it lets the others run after each read, and stops reading while
    ``MAX_WAITING`` of its messages wait to be dispatched: TCP then holds the client back.
    ``hold`` stops reading and dispatching for a while (``hold_then_close``)."""

    MAX_WAITING = 16

    def __init__(self, *args, **kwargs) -> None:
        self.room = threading.Event()  # set while fewer than MAX_WAITING messages wait
        self.room.set()
        self.released = threading.Event()  # set once closed: no hold any more
        self.held_until = 0.0
        super().__init__(*args, **kwargs)  # starts the reading thread

    def hold(self, seconds: float) -> bool:
        """Read and dispatch nothing more for ``seconds``; False if already held."""
        now = time.monotonic()
        if self.held_until > now:
            return False
        self.held_until = now + seconds
        return True

    def abort(self) -> None:
        """Cut the TCP connection: a writer blocked on a client that reads nothing (a
        flooder held back) and the reader both stop at once."""
        self.released.set()
        self.room.set()
        with contextlib.suppress(OSError):
            self.sock.shutdown(SHUT_RDWR)

    def wait_while_held(self) -> None:
        while not self.released.is_set() and (left := self.held_until - time.monotonic()) > 0:
            self.released.wait(left)

    def _handle_events(self) -> bool:
        keep_going = super()._handle_events()
        self.wait_while_held()
        while keep_going and self.connected and len(self.input_buffer) >= self.MAX_WAITING:
            self.room.clear()
            if len(self.input_buffer) >= self.MAX_WAITING:
                self.room.wait(1.0)
        time.sleep(0)  # the other connections' turn
        return keep_going

    def receive(self, timeout=None):
        message = super().receive(timeout)
        if not self.room.is_set() and len(self.input_buffer) < self.MAX_WAITING:
            self.room.set()
        return message


TURN_SECONDS = 0.0001  # a bursting connection's pause between two messages (one loop round)


def fair_reads(base: type) -> type:
    """Engine.IO's websocket class ``base`` (simple-websocket's), on ``FairServer``; Engine.IO
    dispatches each message after the others had a turn (the handler of the one before
    among them), and none once its socket is closed: what a client sent before a server
    closed it (``app.core.budgets``: a flood) is dropped unread, not refused one by one."""
    if not issubclass(base, SimpleWebSocketWSGI):
        return base

    class FairWebSocket(base):
        def __call__(self, environ, start_response):
            # SimpleWebSocketWSGI's, on FairServer, which the Engine.IO socket knows.
            self.ws = FairServer(environ, **self.server_args)
            self.app.__self__.palabre_reader = self.ws
            ret = self.app(self)
            if self.ws.mode == "gunicorn":
                raise StopIteration()
            if self.ws.mode == "werkzeug":
                raise ConnectionError()
            return ret

        def wait(self):
            # The others' turn. While more of this connection's messages wait, through the
            # event loop's poll (a timer, not a callback: under gevent, callbacks queued
            # meanwhile run before any socket is polled, so a burst's handlers would run
            # back to back, tens of milliseconds, while every other editor waits).
            time.sleep(TURN_SECONDS if self.ws.input_buffer else 0)
            self.ws.wait_while_held()
            if getattr(self.app, "__self__", None) is not None and self.app.__self__.closed:
                return None  # closed by the server: the rest is not read
            return super().wait()

        def close(self) -> None:
            self.ws.released.set()
            self.ws.room.set()
            super().close()

    FairWebSocket.__name__ = FairWebSocket.__qualname__ = f"Fair{base.__name__}"
    return FairWebSocket


def hold_then_close(eio, eio_sid: str, seconds: float) -> None:
    """Read nothing more from this Engine.IO connection, then close it after ``seconds``
    (``app.core.budgets``: a flood): its client, held back by TCP meanwhile, cannot start
    over at once, and what it sent is dropped unread."""
    connection = eio.sockets.get(eio_sid)
    reader = getattr(connection, "palabre_reader", None)
    if reader is not None and not reader.hold(seconds):
        return  # already on its way out

    def close() -> None:
        eio.sleep(seconds if reader is not None else 0)
        if connection is not None:
            # Not Engine.IO's ``disconnect``: it waits for the writer to send what is
            # queued, to a client that may read nothing.
            connection.close(wait=False, abort=True, reason=eio.reason.SERVER_DISCONNECT)
            eio.sockets.pop(eio_sid, None)
        if reader is not None:
            reader.abort()

    eio.start_background_task(close)


def install(server) -> None:
    """Install the adjustments on a python-socketio ``Server`` (and its Engine.IO server);
    Engine.IO's table of async classes is shared by all servers: each gets its own copy."""
    eio = server.eio
    replaced = {"websocket": websocket_writes(fair_reads(eio._async["websocket"]))}
    if eio.async_mode == "threading":
        replaced["queue"] = SendQueue
    eio._async = {**eio._async, **replaced}
    keep_binary_events_whole(server)
    fanout.fan_out(server)
