"""What the paper and debate pages cost a phone: bytes, and seconds on 3G.

    .venv/bin/python -m benchmarks.page_weight [--runs 3] [--quick] [--heartbeat 60]

Runs the built-in server (gevent, as ``make run``) on the demo edition, with the
Gouvernement paper filled (about 4,000 words over its seven sections), and Debian's
Chromium through Playwright, logged in as a demo participant, at a phone's size (360 px).

1. **Weight of a first visit to the editor page**: every response until the first section
   is editable with its text (HTML, CSS, JS; uncompressed, at gzip -6, and as sent, headers
   included), then the Markdown preview, loaded once the editor is there. Target ≤ 150 KB.
2. **Seconds on 3G**, for the paper page (until the first section is editable and shows the
   server's text) and the debate page of question 1 (until its first contentful paint):
   - *Slow 3G*: 400 ms round trip, 400 kbit/s down and up (as measured in issue 14);
   - *Fast 3G*: 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up;
   - *cold*: a new browser profile, nothing cached (the session cookie only);
   - *warm*: the same profile after that visit (service worker installed, files precached,
     the sections' copies in IndexedDB), the page opened again in a new tab;
   each way the network is slowed:
   - *CDP*: Chrome DevTools Protocol emulation (``Network.emulateNetworkConditions``) on
     the page. Chromium applies it to HTTP requests only: WebSocket frames, and the
     Socket.IO round trips that bring a section's text, pass at full speed;
   - *link*: no emulation; every byte (HTTP, WebSocket, the service worker's) goes through a
     relay that holds it for half the round trip each way and lets through no more than the
     bandwidth, shared by all connections, as a 3G link would (plus a round trip to open
     each TCP connection). The stricter figure.
   Median of ``--runs`` (each run a new profile), with the KB each visit moved (CDP: as
   Chromium counts them; link: TCP payload both ways). Targets: paper cold ≤ 4 s and warm
   ≤ 1 s on Slow 3G.
3. **The heartbeat's cost** (``--heartbeat SECONDS``, 0 to skip): the bytes an open, idle
   paper page exchanges with the server per hour, and the server's CPU for ``--sockets``
   idle connections, at Palabre's Engine.IO ping (every 5 s, timeout 4 s) and at
   Engine.IO's defaults (25 s, 20 s).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import heapq
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser_support import launch_chromium, log_in_page
from tests.collaboration.serverproc import ROOT, ServerProcess, environment, free_port
from tests.offline.conftest import wait_for_async
from tests.socket_support import OrderedClient

PAPER = "/editions/malisig-2023/groups/gouvernement/paper"
DEBATE = "/editions/malisig-2023/debate/q1"
INTRO = "malisig-2023/gouvernement/introduction"
MEMBER = "gouvernement1@demo.palabre"
PHONE = {"width": 360, "height": 740}

# Round trip (ms), download and upload (bytes/s).
PROFILES = {
    "Slow 3G": {"latency": 400, "download": 400_000 / 8, "upload": 400_000 / 8},
    "Fast 3G": {"latency": 150, "download": 1_600_000 / 8, "upload": 750_000 / 8},
}

# The demo, then each section of the Gouvernement paper filled with French prose.
PREPARE = """
import flask_migrate
from app import create_app
from app.accounts.services import find_user
from app.collaboration import services
from app.config import Config
from app.extensions import db
from app.workshops.demo import load_demo
from app.workshops.services import get_group
from benchmarks.page_weight.content import prose
app = create_app(Config())
with app.app_context():
    flask_migrate.upgrade()
    edition = load_demo()
    db.session.commit()
    author = find_user("gouvernement1@demo.palabre")
    for n, section in enumerate(services.paper_of(get_group(edition, "gouvernement")).sections):
        services.append_to_section(section, prose(n, 560), author)
        db.session.commit()
"""


# --- the network --------------------------------------------------------------------------


def emulate(cdp, profile: dict) -> None:
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": profile["latency"],
            "downloadThroughput": profile["download"],
            "uploadThroughput": profile["upload"],
        },
    )


class Direction:
    """One direction of a link: chunks leave in order, no faster than ``rate`` bytes/s
    (shared by every connection), and arrive ``delay`` seconds later."""

    def __init__(self, rate: float, delay: float) -> None:
        self.rate, self.delay = rate, delay
        self.free_at = 0.0
        self.queue: list = []
        self.order = itertools.count()
        self.ready = threading.Condition()
        self.bytes = 0
        threading.Thread(target=self._deliver, daemon=True).start()

    def send(self, sink: socket.socket, data: bytes | None) -> None:
        with self.ready:
            now = time.monotonic()
            if data:
                self.free_at = max(now, self.free_at) + len(data) / self.rate
                self.bytes += len(data)
            heapq.heappush(
                self.queue, (max(now, self.free_at) + self.delay, next(self.order), sink, data)
            )
            self.ready.notify()

    def _deliver(self) -> None:
        while True:
            with self.ready:
                while not self.queue or self.queue[0][0] > time.monotonic():
                    wait = self.queue[0][0] - time.monotonic() if self.queue else None
                    self.ready.wait(wait)
                _, _, sink, data = heapq.heappop(self.queue)
            with contextlib.suppress(OSError):
                if data is None:
                    sink.shutdown(socket.SHUT_WR)
                else:
                    sink.sendall(data)


class Relay:
    """A TCP relay in front of the server: counts the bytes each way and, given a profile,
    shapes them as a 3G link (see the module's docstring)."""

    CHUNK = 1400  # about a TCP segment: connections interleave on the link

    def __init__(self, target_port: int, profile: dict | None = None) -> None:
        self.target = target_port
        self.port = free_port()
        self.profile = profile
        one_way = profile["latency"] / 2000 if profile else 0
        self.down = Direction(profile["download"] if profile else 1e12, one_way)
        self.up = Direction(profile["upload"] if profile else 1e12, one_way)
        self.server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def moved(self) -> int:
        return self.up.bytes + self.down.bytes

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._open, args=(client,), daemon=True).start()

    def _open(self, client: socket.socket) -> None:
        if self.profile:
            time.sleep(self.profile["latency"] / 1000)  # the TCP handshake's round trip
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target))
        except OSError:
            client.close()
            return
        for sock in (client, upstream):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=self._pipe, args=(client, upstream, self.up), daemon=True).start()
        self._pipe(upstream, client, self.down)

    def _pipe(self, source: socket.socket, sink: socket.socket, way: Direction) -> None:
        try:
            while data := source.recv(self.CHUNK):
                way.send(sink, data)
        except OSError:
            pass
        way.send(sink, None)

    def close(self) -> None:
        self.server.close()


# --- visits -------------------------------------------------------------------------------


class Transfers:
    """Bytes the page received over the network, as Chromium's DevTools count them
    (encodedDataLength: headers included), and the WebSocket frames' payloads."""

    def __init__(self, cdp) -> None:
        self.bytes = 0
        self.frames = 0
        self.resources: dict[str, int] = {}
        self.urls: dict[str, str] = {}
        self.from_worker: set[str] = set()
        cdp.on("Network.requestWillBeSent", self._request)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.webSocketFrameReceived", self._frame)
        cdp.on("Network.webSocketFrameSent", self._frame)

    def _request(self, event) -> None:
        self.urls[event["requestId"]] = event["request"]["url"]

    def _response(self, event) -> None:
        # Answered by the service worker from its cache: nothing crossed the network.
        if event["response"].get("fromServiceWorker") and event.get("type") != "Document":
            self.from_worker.add(event["requestId"])

    def _finished(self, event) -> None:
        if event["requestId"] in self.from_worker:
            return
        size = int(event.get("encodedDataLength", 0))
        self.bytes += size
        url = self.urls.get(event["requestId"], "?")
        self.resources[url] = self.resources.get(url, 0) + size

    def _frame(self, event) -> None:
        self.frames += len(event["response"].get("payloadData", "")) * 3 // 4


EDITABLE = """(intro) => {
  const entry = window.palabreEditor?.sections.get(intro);
  const dom = entry?.editor?.view.contentDOM;
  if (!dom || dom.contentEditable !== "true" || entry.session.text.length < 1000) return false;
  return performance.now();
}"""

# Click "Write" on the first section as soon as the page can take it.
OPEN_FIRST = """(intro) => {
  const entry = window.palabreEditor?.sections.get(intro);
  if (!entry) return false;
  if (entry.workspace.hidden) entry.openButton.click();
  return true;
}"""

PAINTED = """() => {
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  return paint ? paint.startTime : false;
}"""

WARMED = """async (url) => {
  const registration = await navigator.serviceWorker.ready;
  if (!registration.active) return false;
  const names = await caches.keys();
  const precache = names.find((n) => n.startsWith("workbox-precache"));
  const pages = await caches.open("palabre-pages");
  if (!precache || !(await pages.match(new URL(url, location.href).href))) return false;
  if (window.palabreEditor) await window.palabreEditor.loaded;
  return (await (await caches.open(precache)).keys()).length;
}"""


def visit(context, base: str, which: str, profile: dict, relay: Relay | None) -> dict:
    page = context.new_page()
    transfers = None
    if relay is None:
        cdp = context.new_cdp_session(page)
        emulate(cdp, profile)
        transfers = Transfers(cdp)
    before = relay.moved if relay else 0
    if which == "paper":
        page.goto(base + PAPER, wait_until="commit")
        page.wait_for_function(OPEN_FIRST, arg=INTRO, polling=20, timeout=90000)
        done = page.wait_for_function(EDITABLE, arg=INTRO, polling="raf", timeout=90000)
        seconds = done.json_value() / 1000
    else:
        page.goto(base + DEBATE, wait_until="commit", timeout=90000)
        seconds = page.wait_for_function(PAINTED, polling=20, timeout=90000).json_value() / 1000
    moved = transfers.bytes if transfers else relay.moved - before
    if transfers and not any(url.startswith(page.url) for url in transfers.resources):
        # The page itself came through the service worker (navigation preload), which the
        # page's DevTools session does not see: add its body as the browser measured it.
        moved += page.evaluate(
            "() => performance.getEntriesByType('navigation')[0].encodedBodySize"
        )
    frames = transfers.frames if transfers else 0
    page.wait_for_load_state("networkidle", timeout=90000)
    return {
        "page": page,
        "seconds": seconds,
        "bytes": moved,
        "total": transfers.bytes if transfers else relay.moved - before,
        "frames": frames,
        "resources": dict(transfers.resources) if transfers else {},
    }


def scenario(browser, state, server_url: str, which: str, profile: dict, mode: str) -> dict:
    relay = Relay(int(server_url.rsplit(":", 1)[1]), profile) if mode == "link" else None
    base = relay.url if relay else server_url
    context = browser.new_context(storage_state=state, viewport=PHONE, locale="fr-FR")
    try:
        cold = visit(context, base, which, profile, relay)
        wait_for_async(cold["page"], WARMED, PAPER if which == "paper" else DEBATE, 180000)
        cold["page"].close()
        warm = visit(context, base, which, profile, relay)
        warm["page"].close()
        return {"cold": cold, "warm": warm}
    finally:
        context.close()
        if relay:
            relay.close()


def weights(base: str, cookie: str, rows: dict[str, int]) -> list[tuple[str, int, int, int]]:
    """Each resource of a visit: raw bytes, gzip -6, as sent (headers included)."""
    table = []
    for url, sent in rows.items():
        if not url.startswith(base) or "/socket.io/" in url:
            continue
        headers = {"Accept-Encoding": "identity", "Cookie": cookie}
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - our http:// server
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                raw = response.read()
        except OSError:
            continue
        table.append((url[len(base) :], len(raw), len(gzip.compress(raw, 6)), sent))
    return table


# --- the heartbeat ------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_sockets(url: str, cookie: str, count: int) -> list:
    clients = []
    for _ in range(count):
        sio = OrderedClient(reconnection=False, websocket_extra_options={"origin": url})
        sio.connect(
            url,
            headers={"Cookie": cookie},
            namespaces=["/collab"],
            transports=["websocket"],
            wait_timeout=10,
        )
        clients.append(sio)
    return clients


def heartbeat(browser, state, env: dict, seconds: float, sockets: int) -> list[tuple]:
    """Per setting: an idle page's bytes per hour, and the server's CPU for ``sockets``
    idle connections."""
    rows = []
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in state["cookies"])
    settings = (("ping 5 s, timeout 4 s (Palabre)", 5, 4), ("ping 25 s, timeout 20 s", 25, 20))
    for label, interval, timeout in settings:
        server = ServerProcess(
            {**env, "SOCKETIO_PING_INTERVAL": str(interval), "SOCKETIO_PING_TIMEOUT": str(timeout)}
        )
        relay = Relay(server.port)
        context = browser.new_context(storage_state=state, viewport=PHONE, locale="fr-FR")
        clients = []
        try:
            page = context.new_page()
            page.goto(relay.url + PAPER)
            page.wait_for_selector('#connection-badge[data-status="connected"]', timeout=30000)
            page.wait_for_load_state("networkidle")
            time.sleep(5)
            up, down = relay.up.bytes, relay.down.bytes
            time.sleep(seconds)
            per_hour = 3600 / seconds
            page_up = (relay.up.bytes - up) * per_hour
            page_down = (relay.down.bytes - down) * per_hour
            context.close()
            clients = idle_sockets(server.url, cookie, sockets)
            time.sleep(3)
            before = cpu_seconds(server.process.pid)
            time.sleep(seconds)
            cpu = (cpu_seconds(server.process.pid) - before) / seconds
            rows.append((label, page_up, page_down, cpu))
        finally:
            for sio in clients:
                sio.close()
            context.close()
            relay.close()
            server.stop()
    return rows


# --- the command --------------------------------------------------------------------------


def log_in_state(browser, base: str) -> dict:
    context = browser.new_context()
    page = context.new_page()
    log_in_page(page, base, MEMBER)
    state = context.storage_state()
    context.close()
    return state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="profiles per scenario (median)")
    parser.add_argument("--quick", action="store_true", help="Slow 3G only, one run")
    parser.add_argument("--heartbeat", type=float, default=60, help="seconds (0: skip)")
    parser.add_argument("--sockets", type=int, default=150, help="idle sockets, heartbeat CPU")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    profiles = {"Slow 3G": PROFILES["Slow 3G"]} if args.quick else PROFILES

    instance = Path(tempfile.mkdtemp(prefix="palabre-weight-"))
    env = environment(instance, PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-c", PREPARE], cwd=ROOT, env=env, check=True, timeout=300)
    server = ServerProcess(env)
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            state = log_in_state(browser, server.url)
            cookie = "; ".join(f"{c['name']}={c['value']}" for c in state["cookies"])
            results: dict[tuple[str, str, str], list[dict]] = {}
            for which in ("paper", "debate"):
                for name, profile in profiles.items():
                    for mode in ("CDP", "link"):
                        results[(which, name, mode)] = [
                            scenario(browser, state, server.url, which, profile, mode.lower())
                            for _ in range(runs)
                        ]
            beats = (
                heartbeat(browser, state, env, args.heartbeat, args.sockets)
                if args.heartbeat
                else []
            )
            browser.close()
        report(server.url, cookie, results, beats)
    finally:
        server.stop()


def report(base: str, cookie: str, results: dict, beats: list) -> None:
    first = results[("paper", "Slow 3G", "CDP")][0]["cold"]
    rows = weights(base, cookie, first["resources"])
    width = max(len(row[0]) for row in rows)
    print("First visit to the editor page (Slow 3G, CDP), every response:")
    print(f"{'resource':<{width}}  {'bytes':>9}  {'gzip -6':>9}  {'sent':>9}")
    for url, raw, packed, sent in rows:
        print(f"{url:<{width}}  {raw:>9,}  {packed:>9,}  {sent:>9,}")
    totals = [sum(row[i] for row in rows) for i in (1, 2, 3)]
    print(f"{'total':<{width}}  {totals[0]:>9,}  {totals[1]:>9,}  {totals[2]:>9,}")
    print(
        f"to an editable section: {first['bytes'] / 1024:.0f} KB sent, headers included "
        f"(target ≤ 150 KB); with the preview, loaded next: {first['total'] / 1024:.0f} KB; "
        f"and {first['frames'] / 1024:.0f} KB of WebSocket payloads (compressed on the wire)"
    )
    print()
    print("Seconds (median of runs) and KB moved:")
    print(f"{'page':<7} {'network':<8} {'mode':<5} {'cold s':>7} {'KB':>5} {'warm s':>7} {'KB':>5}")
    for (which, name, mode), runs in results.items():
        cold = statistics.median(r["cold"]["seconds"] for r in runs)
        warm = statistics.median(r["warm"]["seconds"] for r in runs)
        cold_kb = statistics.median(r["cold"]["bytes"] for r in runs) / 1024
        warm_kb = statistics.median(r["warm"]["bytes"] for r in runs) / 1024
        print(
            f"{which:<7} {name:<8} {mode:<5} {cold:>7.2f} {cold_kb:>5.0f} "
            f"{warm:>7.2f} {warm_kb:>5.0f}"
        )
    print(
        "paper: until the first section is editable with the server's text; debate: first "
        "contentful paint. CDP: the page's HTTP only; link: every byte through a shaped relay."
    )
    if beats:
        print()
        print(
            "The heartbeat: an open, idle paper page per hour (TCP payload; each TCP/IP packet "
            "adds ~52 B), and the server's CPU for idle sockets:"
        )
        for label, up, down, cpu in beats:
            print(
                f"  {label:<32} up {up / 1024:6.1f} KB   down {down / 1024:6.1f} KB   "
                f"server {100 * cpu:.2f} % of a core"
            )


if __name__ == "__main__":
    main()
