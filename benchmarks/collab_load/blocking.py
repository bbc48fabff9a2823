"""The blocking client the other benchmarks drive (crash_trials, abuse, fuzz_collab): one
editor per websocket-client socket, read when a selector says it is readable.

``benchmarks.collab_load`` itself measures with the lean asyncio client (``wire.py``); this
one stays for the benchmarks that wait on single replies and read a few sockets.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from pathlib import Path

import websocket
from pycrdt import Doc, Text, create_sync_message, create_update_message, handle_sync_message

from app.collaboration.yupdate import Reader

MARKER = re.compile(r"\{\d+\.\d+\}")


class SocketIOTransport:
    """Palabre: Engine.IO 4 / Socket.IO 5 frames on a websocket, namespace /collab."""

    def __init__(self, url: str, cookie: str, section: str) -> None:
        self.section, self.joined, self.events, self.next_id = section, None, [], 0
        self.expected = self.acks = self.errors = self.garbled = 0
        self.ws = websocket.create_connection(
            url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket",
            header=[f"Cookie: palabre_session={cookie}"],
            timeout=60,
            skip_utf8_validation=True,  # its pure-Python check would cost the client a core
        )
        assert self.ws.recv().startswith("0{")  # Engine.IO open
        self.ws.send("40/collab,")
        if not (reply := self.ws.recv()).startswith("40/collab,"):
            raise RuntimeError(f"connection refused: {reply}")
        self.ws.send('42/collab,0["join",' + json.dumps({"section": section}) + "]")
        while self.joined is None:
            self.read()
        if not self.joined.get("ok"):
            raise RuntimeError(f"join refused: {self.joined}")

    def send(self, message: bytes) -> None:
        """A binary event asking an acknowledgement, as the browser sends it."""
        self.next_id, self.expected = self.next_id + 1, self.expected + 1
        head = {"section": self.section, "data": {"_placeholder": True, "num": 0}}
        self.ws.send(f"451-/collab,{self.next_id}" + json.dumps(["sync", head]))
        self.ws.send_binary(message)

    def read(self) -> list[bytes]:
        opcode, data = self.ws.recv_data(control_frame=True)  # never block past a ping
        if opcode == websocket.ABNF.OPCODE_BINARY:
            return [data] if self.events and self.events.pop(0) == "sync" else []
        text = data.decode() if opcode == websocket.ABNF.OPCODE_TEXT else ""
        if text == "2":  # Engine.IO ping
            self.ws.send("3")
        elif text.startswith("451-/collab,"):  # a binary event: its attachment follows
            # Another event's header before the previous attachment: a browser's
            # socket.io-client closes the connection on it ("parse error").
            self.garbled += bool(self.events)
            self.events.append(json.loads(text[12:])[0])
        elif text.startswith("43/collab,"):
            ident, body = re.match(r"(\d+)(.*)", text[10:], re.S).groups()
            reply = json.loads(body)[0]
            self.acks, self.errors = self.acks + (ident != "0"), self.errors + (not reply.get("ok"))
            if ident == "0":
                self.joined = reply
        return []


class Editor:
    """One member typing in one section: the same code whatever the transport."""

    def __init__(self, ident: int, section: int, transport, arrivals: dict) -> None:
        self.ident, self.section, self.transport = ident, section, transport
        self.arrivals, self.seq, self.local, self.synced = arrivals, 0, False, False
        self.typed: dict[str, float] = {}  # every marker this editor typed: when
        self.doc = Doc()
        self.text = self.doc.get("markdown", type=Text)
        self.text.observe(self._observed)
        transport.send(create_sync_message(self.doc))

    def _observed(self, event) -> None:
        if self.local:
            return
        now = time.monotonic()
        for item in event.delta:
            if isinstance(item.get("insert"), str):
                for marker in MARKER.findall(item["insert"]):
                    self.arrivals.setdefault(marker, {})[self.ident] = now

    def receive(self) -> None:
        for message in self.transport.read():
            self.synced |= message[1] == 1  # step 2
            reply = handle_sync_message(message[1:], self.doc)
            if reply is not None:
                self.transport.send(reply)

    def type(self, rng: random.Random) -> tuple[str, float]:
        """Insert a few characters (a unique marker) somewhere; send the update."""
        self.seq += 1
        marker, current = f"{{{self.ident}.{self.seq}}}", str(self.text)
        before = self.doc.get_state()
        self.local = True
        self.text.insert(len(current[: rng.randint(0, len(current))].encode()), marker)
        self.local = False
        update = self.doc.get_update(before)
        sent = time.monotonic()
        self.transport.send(create_update_message(update))
        self.typed[marker] = sent
        return marker, sent


def cpu_seconds(pids: list[int] | None) -> float:
    """User + system time of these processes, or of the whole machine (None)."""
    if pids is None:
        busy = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
        return sum(int(busy[i]) for i in (0, 1, 2, 5, 6, 7)) / os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pids: list[int]) -> float:
    """Sum of the processes' peak resident memory."""
    status = (Path(f"/proc/{pid}/status").read_text() for pid in pids)
    return sum(int(re.search(r"VmHWM:\s+(\d+)", text)[1]) for text in status) / 1024


def state_vector(state: bytes) -> dict[int, int]:
    reader = Reader(state)
    return {reader.var_uint(): reader.var_uint() for _ in range(reader.var_uint())}
