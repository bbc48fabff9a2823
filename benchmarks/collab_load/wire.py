"""A lean WebSocket client on asyncio (RFC 6455), speaking either server's framing.

What a load generator must not do is queue: the earlier client (websocket-client sockets, a
selector, one thread) spent more per message than Hocuspocus does, so its own waiting set
the ratio. Here each connection is an ``asyncio.Protocol``: the bytes of one read are cut
into frames in place (a server's frames are not masked), a message is handed to its
connection's ``on_message`` without a task, a future or a copy more than one slice.

Clients mask with the all-zero key: RFC 6455 asks clients for a random key (against
caching proxies, of which there is none on 127.0.0.1); servers unmask the same way
whatever the key, and the client saves an XOR of every payload.

``SocketIO``: Engine.IO 4 / Socket.IO 5 over that websocket, namespace ``/collab``, as the
browser's socket.io-client speaks it (handshake ``GET /socket.io/?EIO=4&transport=websocket``
with the session cookie, ``40/collab,`` connect, binary events as a placeholder header plus
an attachment, acknowledgements). ``Hocuspocus``: binary frames, varString(document name) +
y-protocols message, an auth message first.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
from collections.abc import Callable

from pycrdt import write_var_uint

TEXT, BINARY, CLOSE, PING, PONG, CONTINUATION = 1, 2, 8, 9, 10, 0
ZERO_MASK = b"\x00\x00\x00\x00"


def frame(opcode: int, payload: bytes) -> bytes:
    """A client frame (FIN, masked with the zero key: the payload travels as it is)."""
    size = len(payload)
    if size < 126:
        head = bytes((0x80 | opcode, 0x80 | size))
    elif size < 65536:
        head = bytes((0x80 | opcode, 0x80 | 126)) + size.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + size.to_bytes(8, "big")
    return head + ZERO_MASK + payload


class WebSocket(asyncio.Protocol):
    """One client connection: ``await open(...)``, ``send_text``/``send_binary``; every
    message arrives at ``on_message(opcode, payload)`` (TEXT or BINARY, payload bytes)."""

    def __init__(self, on_message: Callable[[int, bytes], None]) -> None:
        self.on_message = on_message
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.upgraded = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.fragments: list[bytes] = []
        self.fragment_opcode = 0

    @classmethod
    async def open(cls, host, port, path, headers: dict[str, str], on_message, bind=None):
        """``bind(ws)`` before any byte is read: the upgrade's answer and the first
        frames may come in one read."""
        loop = asyncio.get_running_loop()
        _transport, ws = await loop.create_connection(lambda: cls(on_message), host, port)
        if bind is not None:
            bind(ws)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {host}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        ws.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await asyncio.wait_for(ws.upgraded, 30)
        return ws

    def connection_made(self, transport) -> None:
        self.transport = transport

    def connection_lost(self, exc) -> None:
        if not self.upgraded.done():
            self.upgraded.set_exception(ConnectionError(f"closed before the upgrade: {exc}"))
        if not self.closed.done():
            self.closed.set_result(exc)

    def send_text(self, text: str) -> None:
        self.transport.write(frame(TEXT, text.encode()))

    def send_binary(self, data: bytes) -> None:
        self.transport.write(frame(BINARY, data))

    def send_frames(self, data: bytes) -> None:
        """Frames made with ``frame``, written at once."""
        self.transport.write(data)

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(frame(CLOSE, b"\x03\xe8"))
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        if not self.upgraded.done():
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buffer[: buffer.find(b"\r\n")])
            del buffer[: end + 4]
            if b" 101 " not in status:
                self.upgraded.set_exception(ConnectionError(status.decode(errors="replace")))
                self.transport.close()
                return
            self.upgraded.set_result(None)
        at, size = 0, len(buffer)
        while size - at >= 2:
            first, length = buffer[at], buffer[at + 1] & 0x7F
            start = at + 2
            if length == 126:
                if size - at < 4:
                    break
                length, start = int.from_bytes(buffer[at + 2 : at + 4], "big"), at + 4
            elif length == 127:
                if size - at < 10:
                    break
                length, start = int.from_bytes(buffer[at + 2 : at + 10], "big"), at + 10
            end = start + length
            if end > size:
                break
            payload = bytes(buffer[start:end])
            at = end
            opcode = first & 0x0F
            if opcode == CONTINUATION or not first & 0x80:  # a fragmented message
                self.fragments.append(payload)
                self.fragment_opcode = self.fragment_opcode or opcode
                if first & 0x80:
                    payload, opcode = b"".join(self.fragments), self.fragment_opcode
                    self.fragments, self.fragment_opcode = [], 0
                else:
                    continue
            if opcode <= BINARY:
                self.on_message(opcode, payload)
            elif opcode == PING:
                self.transport.write(frame(PONG, payload))
            elif opcode == CLOSE:
                self.transport.close()
        if at:
            del buffer[:at]


class SocketIO:
    """Palabre's ``/collab`` over a ``WebSocket``: ``events`` gets ``(name, data)`` for each
    binary event (``data``: the attachment), ``acks`` ``(id, reply)``; ``error`` events and
    refusals are counted. Pings are answered."""

    HEADER = "451-/collab,"

    def __init__(self, on_event, on_ack) -> None:
        self.on_event, self.on_ack = on_event, on_ack
        self.ws: WebSocket | None = None
        self.next_id = 0
        self.waiting: list[str] = []  # names of binary events whose attachment is next
        self.garbled = self.errors = 0
        self.connected = asyncio.get_running_loop().create_future()

    async def open(self, host: str, port: int, cookie: str) -> None:
        headers = {"Cookie": f"palabre_session={cookie}", "Origin": f"http://{host}:{port}"}
        path = "/socket.io/?EIO=4&transport=websocket"
        await WebSocket.open(host, port, path, headers, self._message, self._bind)
        await asyncio.wait_for(self.connected, 30)

    def _bind(self, ws: WebSocket) -> None:
        self.ws = ws

    def _message(self, opcode: int, payload: bytes) -> None:
        if opcode == BINARY:
            if self.waiting:
                self.on_event(self.waiting.pop(0), payload)
            return
        if payload == b"2":  # Engine.IO ping
            self.ws.send_text("3")
            return
        text = payload.decode()
        if text.startswith(self.HEADER):  # a binary event: its attachment follows
            # Another event's header before the previous attachment: the browser's
            # socket.io-client would close the connection on it ("parse error").
            self.garbled += bool(self.waiting)
            self.waiting.append(text[14 : text.index('"', 14)])
        elif text.startswith("43/collab,"):
            body = text[10:]
            cut = body.index("[")
            self.on_ack(int(body[:cut]), json.loads(body[cut:])[0])
        elif text.startswith('42/collab,["error"'):
            self.errors += 1
        elif text.startswith("0{"):
            self.ws.send_text("40/collab,")
        elif text.startswith("40/collab,") and not self.connected.done():
            self.connected.set_result(None)
        elif text.startswith(("44/collab,", "41/collab,")) and not self.connected.done():
            self.connected.set_exception(ConnectionError(f"refused: {text}"))

    def emit(self, name: str, payload: dict) -> int:
        """A JSON event asking an acknowledgement; its id."""
        self.next_id += 1
        self.ws.send_text(f"42/collab,{self.next_id}" + json.dumps([name, payload]))
        return self.next_id

    def emit_binary(self, name: str, section_json: str, data: bytes) -> int:
        """``name {section, data: bytes}`` asking an acknowledgement, header and attachment
        in one write (as the browser's client sends them: back to back)."""
        self.next_id += 1
        head = (
            f'{self.HEADER}{self.next_id}["{name}",{{"section":{section_json},'
            '"data":{"_placeholder":true,"num":0}}]'
        )
        self.ws.send_frames(frame(TEXT, head.encode()) + frame(BINARY, data))
        return self.next_id


class Hocuspocus:
    """Hocuspocus's framing: binary messages, varString(document name) + y-protocols."""

    def __init__(self, document: str, on_message) -> None:
        name = document.encode()
        self.prefix = write_var_uint(len(name)) + name
        self.on_message = on_message
        self.ws: WebSocket | None = None
        self.garbled = self.errors = 0

    async def open(self, host: str, port: int) -> None:
        await WebSocket.open(host, port, "/", {}, self._message, self._bind)
        # It holds every message until an auth message: type 2, token (0), empty token.
        self.ws.send_binary(self.prefix + b"\x02\x00\x00")

    def _bind(self, ws: WebSocket) -> None:
        self.ws = ws

    def _message(self, opcode: int, payload: bytes) -> None:
        if opcode == BINARY:
            self.on_message(payload[len(self.prefix) :])

    def send(self, message: bytes) -> None:
        self.ws.send_binary(self.prefix + message)
