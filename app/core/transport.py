"""Adjustments to Engine.IO's and Socket.IO's transport, installed on one server.

Each one fixes a behaviour of python-engineio / python-socketio that the live editor runs
into, without forking them; each is limited to the server instance it is installed on:

- ``SendQueue``: the per-connection send queue on ``queue.SimpleQueue`` (threading mode);
- the fan-out (``fan_out``, ``websocket_writes``, ``coalesced``): an event sent to a room
  is encoded and framed once, the same bytes for every member (a server's WebSocket frames
  are not masked); each upgraded connection has an ``Outbox`` that writes at once, without
  blocking, when nothing waits on its queue, else queues behind (a slow reader); within a
  ``coalesced()`` block (a writer's batch) each connection's share leaves in one write;
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
from socket import MSG_DONTWAIT, SHUT_RDWR
from typing import Any

import simple_websocket
import socketio
from engineio import exceptions as eio_exceptions
from engineio import packet as eio_packet
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI
from socketio import packet as socketio_packet


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


# --- the fan-out: frames encoded once, written without a hop ---------------------------------


def frame(opcode: int, payload: bytes) -> bytes:
    """A WebSocket frame from the server (RFC 6455: FIN, not masked, no extension bit), so
    the same bytes are right for every connection."""
    size = len(payload)
    if size < 126:
        return bytes((0x80 | opcode, size)) + payload
    if size < 65536:
        return bytes((0x80 | opcode, 126)) + size.to_bytes(2, "big") + payload
    return bytes((0x80 | opcode, 127)) + size.to_bytes(8, "big") + payload


def packet_frames(pkt) -> bytes:
    """The frame of an Engine.IO packet over a websocket (text, or binary for bytes), kept
    on the packet: a packet sent to a room is framed once for all its members."""
    framed = getattr(pkt, "palabre_frame", None)
    if framed is None:
        encoded = pkt.encode()
        if isinstance(encoded, str):
            framed = frame(0x1, encoded.encode())
        else:
            framed = frame(0x2, bytes(encoded))
        pkt.palabre_frame = framed
    return framed


class RawFrames:
    """Frames waiting on a connection's Engine.IO queue, behind what it could not take at
    once; its writer sends them as they are."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def encode(self) -> RawFrames:
        return self


class Outbox:
    """How bytes reach one upgraded connection. While nothing waits on its Engine.IO queue,
    they are written at once, without blocking (``MSG_DONTWAIT``), by whoever sends them: no
    put on a queue, no switch to the connection's writer. What the socket does not take (a
    slow reader: its kernel buffer is full) goes on the queue, as every write after it until
    the writer has sent them all, so the order holds; the writer then blocks on that client
    alone, and Engine.IO's ping, queued behind, closes the connection of a reader that reads
    nothing (ping interval + timeout), as before."""

    def __init__(self, eio_socket, sock) -> None:
        self.socket = eio_socket
        self.lock = threading.Lock()
        self.active = False  # until the writer's first poll: Engine.IO's own queue
        self.queued = 0  # items on the Engine.IO queue not written yet
        self.closed = False
        raw = getattr(sock, "_sock", sock)  # gevent's socket wraps a non-blocking one
        self.raw = raw if raw.gettimeout() in (None, 0.0) else None
        self.queue_send = eio_socket.send
        eio_socket.send = self.send_packet
        eio_socket.palabre_outbox = self

    def activate(self) -> None:
        """The writer's first poll: the connection is upgraded; what was queued before
        is counted, and goes out first."""
        with self.lock:
            self.queued = self.socket.queue.qsize()
            self.active = self.raw is not None

    def send_packet(self, pkt) -> None:
        """Engine.IO's ``Socket.send``: pings, acknowledgements, events to one client."""
        if not self.active:
            with self.lock:
                self.queued += 1
                self.queue_send(pkt)
            return
        if self.socket.check_ping_timeout():
            window = getattr(_coalescing, "window", None)
            if window is None:
                self.write(packet_frames(pkt))
            else:
                window.setdefault(self, []).append(packet_frames(pkt))

    def write(self, data: bytes) -> None:
        with self.lock:
            if self.closed:
                return
            if not self.queued:
                try:
                    sent = self.raw.send(data, MSG_DONTWAIT)
                except BlockingIOError:
                    sent = 0
                except OSError:  # the connection is gone: its reader ends it
                    self.closed = True
                    return
                if sent == len(data):
                    return
                data = data[sent:]
            self.queued += 1
            self.socket.queue.put(RawFrames(data))

    def written(self) -> None:
        with self.lock:
            self.queued = max(0, self.queued - 1)

    def close(self) -> None:
        with self.lock:
            self.closed = True


_coalescing = threading.local()


@contextlib.contextmanager
def coalesced():
    """Within this block (this thread, or greenlet), what is sent to upgraded connections
    is held, then each connection's share goes out in one write: a batch of updates
    relayed to a section (``app.collaboration.writer``) costs each member one system call
    and one wake-up, whatever the batch's size. The shares of members who get the same
    frames (all but each update's sender) are joined once."""
    if getattr(_coalescing, "window", None) is not None:
        yield
        return
    window: dict[Outbox, list[bytes]] = {}
    _coalescing.window = window
    try:
        yield
    finally:
        _coalescing.window = None
        shared: dict[tuple[int, ...], bytes] = {}
        for outbox, parts in window.items():
            if len(parts) == 1:
                outbox.write(parts[0])
                continue
            key = tuple(map(id, parts))
            data = shared.get(key)
            if data is None:
                data = shared[key] = b"".join(parts)
            outbox.write(data)


def deliver(server, eio_sids, packets: list) -> None:
    """Send Engine.IO ``packets`` (an event's parts) to each connection: framed once,
    written through each connection's outbox (or its queue, before it is upgraded)."""
    data = b"".join(packet_frames(pkt) for pkt in packets)
    window = getattr(_coalescing, "window", None)
    sockets = server.eio.sockets
    for eio_sid in eio_sids:
        outbox = getattr(sockets.get(eio_sid), "palabre_outbox", None)
        if outbox is None or not outbox.active:
            for pkt in packets:
                server._send_eio_packet(eio_sid, pkt)
        elif outbox.socket.check_ping_timeout():
            if window is None:
                outbox.write(data)
            else:
                window.setdefault(outbox, []).append(data)


class FanoutEmits(socketio.Manager):
    """python-socketio's manager, emitting to a room through ``deliver``: the event is
    encoded once (as python-socketio does) and framed once, then written to each member.
    Mixed into the server's own manager class (Redis's among them: what another process
    publishes reaches this process's members the same way)."""

    def emit(self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None,
             **kwargs):  # fmt: skip
        if callback is not None or namespace not in self.rooms:
            return super().emit(event, data, namespace, room=room, skip_sid=skip_sid,
                                callback=callback, to=to, **kwargs)  # fmt: skip
        if isinstance(data, tuple):
            data = list(data)
        elif data is not None:
            data = [data]
        else:
            data = []
        skip = set(skip_sid) if isinstance(skip_sid, list) else {skip_sid}
        encoded = self.server.packet_class(
            socketio_packet.EVENT, namespace=namespace, data=[event, *data]
        ).encode()
        parts = encoded if isinstance(encoded, list) else [encoded]
        packets = [eio_packet.Packet(eio_packet.MESSAGE, part) for part in parts]
        recipients = [eio for sid, eio in self.get_participants(namespace, to or room)
                      if sid not in skip]  # fmt: skip
        deliver(self.server, recipients, packets)


def fan_out(server) -> None:
    """Give the server's manager ``FanoutEmits``'s ``emit`` (a subclass made for its class;
    the MRO puts it under Redis's ``PubSubManager``, above the base ``Manager``)."""
    manager = server.manager
    base = type(manager)
    if isinstance(manager, FanoutEmits) or not isinstance(manager, socketio.Manager):
        return
    bases = (FanoutEmits,) if base is socketio.Manager else (base, FanoutEmits)
    manager.__class__ = type(f"Fanout{base.__name__}", bases, {})


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
            deliver(server, [eio_sid], [eio_packet.Packet(eio_packet.MESSAGE, p) for p in parts])
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
            self._outbox: Outbox | None = None
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
                self._outbox = Outbox(self._socket, self.ws.sock)

        def wait(self):
            self._attach()  # the handler's first read: simple-websocket's socket exists
            return super().wait()

        def send(self, message) -> None:
            self._attach()
            if isinstance(message, RawFrames):
                data = message.data
            elif not self._socket.upgraded:  # the upgrade handshake: answered at once
                super().send(message)
                return
            elif isinstance(message, bytes):
                data = frame(0x2, message)
            else:
                data = frame(0x1, str(message).encode())
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
    fan_out(server)
