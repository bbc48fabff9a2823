"""One load process: a slice of the editors and readers, on one asyncio loop.

Each edit inserts a marker ``{sender.seq.µs}``: who typed it, its rank among that sender's
edits, and when it was sent (``time.monotonic``, one clock for every process of the
machine). A receiver finds the markers in the bytes of each update it gets (an inserted
string travels as UTF-8 inside the Yjs update), so it need not apply the update: latency,
losses and each sender's order are read on every receiver for the cost of a regular
expression. One editor per section, the *checker*, keeps a real document (pycrdt): it types
at random places in the whole text, applies everything, and at the end its text is compared
with a fresh copy read from the server and must hold every marker typed. The other editors
type at the end of their own edits (a valid Yjs insert: its origin is their previous edit)
and keep no copy of the others'.

The process measures itself: CPU over the window (``time.process_time``) and the loop's
lag (a stamp written every 5 ms by a thread into a socket the loop reads: how long it
waited), so the caller can tell a measurement from the client's own queueing.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from pycrdt import Doc, Text, create_sync_message, create_update_message, handle_sync_message

from benchmarks.collab_load.wire import Hocuspocus, SocketIO

MARKER = re.compile(rb"\{(\d+)\.(\d+)\.(\d+)\}")
TEXT_MARKER = re.compile(r"\{(\d+)\.(\d+)\.\d+\}")
LAG_EVERY = 0.005
CONNECTING = 16  # connections opened at once by one process


def bucket(micros: int) -> int:
    """Histogram bucket of a latency: 10 µs wide below 100 ms, then 1 ms."""
    return micros // 10 if micros < 100_000 else 10_000 + (micros - 100_000) // 1000


def bucket_micros(key: int) -> int:
    return key * 10 if key < 10_000 else 100_000 + (key - 10_000) * 1000


@dataclass
class Window:
    t0: int  # µs, monotonic: latencies of edits sent in [t0, t1) are kept
    t1: int
    latencies: Counter = field(default_factory=Counter)


class Client:
    """An editor (``rate`` > 0) or a reader of one section, over either server."""

    def __init__(self, spec: dict, window_ref: list, rng: random.Random) -> None:
        self.ident, self.section, self.address = spec["ident"], spec["section"], spec["address"]
        self.rate, self.checker, self.spec = spec["rate"], spec["checker"], spec
        self.window_ref, self.rng = window_ref, rng
        self.doc = Doc()
        self.text = self.doc.get("markdown", type=Text)
        self.seq = self.expected = self.acks = self.refused = self.edits = 0
        self.received: dict[int, int] = {}  # sender → how many of its edits arrived
        self.last: dict[int, int] = {}  # sender → seq of its last edit arrived
        self.disordered = 0
        self.synced = asyncio.get_running_loop().create_future()
        self.link = None

    # --- connecting ---------------------------------------------------------------------

    async def open(self, server: str) -> None:
        host, port = "127.0.0.1", self.spec["port"]
        if server == "palabre":
            self.link = SocketIO(self._event, self._ack)
            await self.link.open(host, port, self.spec["cookie"])
            self.section_json = json.dumps(self.address)
            joined = asyncio.get_running_loop().create_future()
            self.joined = joined
            self.link.emit("join", {"section": self.address})
            reply = await asyncio.wait_for(joined, 60)
            if not reply.get("ok"):
                raise RuntimeError(f"join refused: {reply}")
            self._send(create_sync_message(self.doc))
        else:
            self.link = Hocuspocus(self.address, self._hocuspocus)
            await self.link.open(host, port)
            self._send(create_sync_message(self.doc))
        await asyncio.wait_for(self.synced, 60)

    def _send(self, message: bytes) -> None:
        if isinstance(self.link, SocketIO):
            self.link.emit_binary("sync", self.section_json, message)
            self.expected += 1
        else:
            self.link.send(message)
            self.expected += message[1] != 0  # it acknowledges step 2 and updates

    # --- receiving ----------------------------------------------------------------------

    def _ack(self, ident: int, reply: dict) -> None:
        if ident == 1 and not self.joined.done():
            self.joined.set_result(reply)
            return
        self.acks += 1
        self.refused += not reply.get("ok")

    def _event(self, name: str, data: bytes) -> None:
        if name == "sync":
            self._sync(data)

    def _hocuspocus(self, message: bytes) -> None:
        kind = message[0]
        if kind in (0, 4):  # Sync, SyncReply
            self._sync(b"\x00" + message[1:])
        elif kind == 8:  # SyncStatus: acknowledged (1) or refused (0)
            self.acks += 1
            self.refused += message[1:2] != b"\x01"

    def _sync(self, data: bytes) -> None:
        kind = data[1]
        if kind == 2:
            self._arrived(data)
        if kind == 1 and not self.synced.done():
            self.synced.set_result(None)
        if self.checker:
            reply = handle_sync_message(data[1:], self.doc)
            if reply is not None and self.synced.done():
                self._send(reply)

    def _arrived(self, data: bytes) -> None:
        now = time.monotonic_ns() // 1000
        window = self.window_ref[0]
        for match in MARKER.finditer(data):
            sender, seq, sent = int(match[1]), int(match[2]), int(match[3])
            if sender == self.ident:
                continue
            self.received[sender] = self.received.get(sender, 0) + 1
            self.disordered += seq != self.last.get(sender, 0) + 1
            self.last[sender] = seq
            if window is not None and window.t0 <= sent < window.t1:
                window.latencies[bucket(now - sent)] += 1

    # --- typing -------------------------------------------------------------------------

    def type(self) -> None:
        self.seq += 1
        now, window = time.monotonic_ns() // 1000, self.window_ref[0]
        self.edits += window.t0 <= now < window.t1
        marker = f"{{{self.ident}.{self.seq}.{now}}}"
        before = self.doc.get_state()
        if self.checker:  # anywhere between whole markers (each stays readable)
            current = str(self.text)
            at = self.rng.choice([0, *(m.end() for m in TEXT_MARKER.finditer(current))])
            self.text.insert(len(current[:at].encode()), marker)
        else:
            self.text += marker
        self._send(create_update_message(self.doc.get_update(before)))

    def markers(self) -> Counter:
        """Checker: how many edits of each sender its text holds."""
        return Counter(int(m[1]) for m in TEXT_MARKER.finditer(str(self.text)))


async def read_back(server: str, spec: dict) -> str:
    """A fresh connection's copy of the section, from the server (step 1 → step 2)."""
    reader = Client({**spec, "rate": 0, "checker": True, "ident": -1}, [None], random.Random())
    await reader.open(server)
    text = str(reader.text)
    reader.link.ws.close()
    return text


class Load:
    """The process's clients, typing on schedule, talking with the parent through ``pipe``."""

    def __init__(self, pipe, job: dict) -> None:
        self.pipe, self.job = pipe, job
        self.rng = random.Random(job["seed"])
        self.window_ref: list[Window | None] = [None]
        self.clients: list[Client] = []
        self.lags: Counter = Counter()
        self.inbox: asyncio.Queue = asyncio.Queue()

    def _readable(self) -> None:
        self.inbox.put_nowait(self.pipe.recv())

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        loop.add_reader(self.pipe.fileno(), self._readable)
        server = self.job["server"]
        gate = asyncio.Semaphore(CONNECTING)

        async def connect(spec: dict) -> Client:
            async with gate:
                client = Client(spec, self.window_ref, random.Random(spec["ident"]))
                await client.open(server)
                return client

        self.clients = list(await asyncio.gather(*(connect(s) for s in self.job["clients"])))
        self.pipe.send({"synced": len(self.clients)})
        start = await self.inbox.get()  # {"t0": …, "t1": …, "begin": …} (monotonic s)
        begin, t0, t1 = start["begin"], start["t0"], start["t1"]
        self.window_ref[0] = Window(int(t0 * 1e6), int(t1 * 1e6))
        offset = loop.time() - time.monotonic()  # 0 on the default loop: one clock
        for client in self.clients:
            if client.rate > 0:
                first = begin + self.rng.uniform(0, 1 / client.rate)
                loop.call_at(first + offset, self._tick, client, first, t1 + offset)
        ours, theirs = socket.socketpair()
        stop = threading.Event()
        loop.add_reader(theirs.fileno(), self._stamped, theirs, t0, t1)
        threading.Thread(target=self._probe, args=(ours, stop), daemon=True).start()
        cpu: list[float] = []
        loop.call_at(t0 + offset, lambda: cpu.append(time.process_time()))
        loop.call_at(t1 + offset, lambda: cpu.append(time.process_time()))
        await asyncio.sleep(max(0.0, t1 - time.monotonic()) + 0.05)
        stop.set()
        loop.remove_reader(theirs.fileno())
        self.pipe.send({"typed": {c.ident: c.seq for c in self.clients if c.rate > 0}})
        final = (await self.inbox.get())["final"]  # every sender's last seq, all processes
        deadline = time.monotonic() + self.job["drain"]
        while time.monotonic() < deadline and not self._complete(final):
            await asyncio.sleep(0.05)
        report = self._report(final, cpu, t1 - t0)
        report["caught up"] = self._complete(final)
        report["diverged"] = await self._verify(server, final)
        loop.remove_reader(self.pipe.fileno())
        for client in self.clients:
            client.link.ws.close()
        self.pipe.send(report)

    def _tick(self, client: Client, due: float, end: float) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() >= end:
            return
        client.type()
        then = max(due, loop.time()) + self.rng.uniform(0.5, 1.5) / client.rate
        loop.call_at(then, self._tick, client, then, end)

    def _probe(self, ours, stop: threading.Event) -> None:
        """A thread stamping a byte every ``LAG_EVERY`` seconds into a socket the loop
        reads: how long the stamp waits before the loop handles it is how long any
        server's bytes wait (the OS's wake-up, then the loop's own queue)."""
        while not stop.wait(LAG_EVERY):
            ours.send(struct.pack("d", time.monotonic()))

    def _stamped(self, theirs, t0: float, t1: float) -> None:
        now, data = time.monotonic(), theirs.recv(65536)
        for (stamp,) in struct.iter_unpack("d", data[: len(data) // 8 * 8]):
            if t0 <= stamp < t1:
                self.lags[bucket(int((now - stamp) * 1e6))] += 1

    def _senders(self, final: dict, client: Client) -> dict[int, int]:
        section = self.job["sections"][client.section]
        return {s: final[s] for s in section if s != client.ident and s in final}

    def _complete(self, final: dict) -> bool:
        for client in self.clients:
            if client.acks < client.expected:
                return False
            for sender, last in self._senders(final, client).items():
                if client.received.get(sender, 0) < last:
                    return False
        return True

    def _report(self, final: dict, cpu: list[float], seconds: float) -> dict:
        missing = 0
        for client in self.clients:
            for sender, last in self._senders(final, client).items():
                missing += max(0, last - client.received.get(sender, 0))
        links = [c.link for c in self.clients]
        return {
            "latencies": dict(self.window_ref[0].latencies),
            "lags": dict(self.lags),
            "cpu": (cpu[1] - cpu[0]) / seconds if len(cpu) == 2 else float("nan"),
            "missing": missing,
            "edits": sum(c.edits for c in self.clients),
            "disordered": sum(c.disordered for c in self.clients),
            "unacked": sum(max(0, c.expected - c.acks) for c in self.clients),
            "refused": sum(c.refused for c in self.clients) + sum(x.errors for x in links),
            "garbled": sum(x.garbled for x in links),
        }

    async def _verify(self, server: str, final: dict) -> int:
        """Checkers: their text holds every edit typed in the section, and equals the
        server's copy read afresh."""
        diverged = 0
        for client in self.clients:
            if not client.checker:
                continue
            expected = {**self._senders(final, client), client.ident: client.seq}
            held = client.markers()
            lacking = {s: n for s, n in expected.items() if held.get(s, 0) != n}
            copy = await read_back(server, client.spec)
            if lacking or copy != str(client.text):
                diverged += 1
                print(f"diverged: {client.address}: lacking {lacking}", flush=True)
        return diverged


def main(pipe, job: dict) -> None:
    """The entry point of a load process (multiprocessing, spawned)."""
    asyncio.run(Load(pipe, job).run())
