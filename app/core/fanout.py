"""The fan-out: what is sent to a room is encoded and framed once, then written to each
member at once, each connection's share of a ``coalesced()`` block in one write.

A server's WebSocket frames are not masked (RFC 6455), so the bytes of an event are the
same for every connection: ``FanoutEmits`` (mixed into python-socketio's manager by
``fan_out``) encodes an event once, as python-socketio does, frames it once, and hands the
bytes to each member's ``Outbox``. The outbox writes them at once, without blocking, when
nothing waits on the connection's Engine.IO queue; else they wait on that queue for the
connection's writer (a slow reader), in order. ``app.core.transport`` installs it all on the
server (``websocket_writes`` gives each upgraded connection its outbox).
"""

from __future__ import annotations

import contextlib
import threading
from socket import MSG_DONTWAIT

import socketio
from engineio import packet as eio_packet
from socketio import packet as socketio_packet


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
        if not self.socket.closed and self.socket.check_ping_timeout():
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
        elif outbox.socket.closed:
            continue  # closed, not yet forgotten by Engine.IO: as its ``send_packet`` does
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
