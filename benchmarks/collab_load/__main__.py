"""Live co-writing under load: propagation latency of typing editors, against Hocuspocus.

    .venv/bin/python -m benchmarks.collab_load [--scenario groups|section|plenary] \
        [--servers hocuspocus,palabre] [--seconds 30] [--processes 1] [--load-processes N]

Scenarios (``--rate`` overrides the edits per second of each writer):

- ``groups``: 150 editors in 15 sections (3 groups × 5 sections × 10), 2 edits/s each:
  300 updates/s, 2,700 deliveries/s;
- ``section``: 400 editors in one section, 0.5 edit/s each: 200 updates/s, 80,000
  deliveries/s;
- ``plenary``: 50 writers and 1,000 readers in one section, 1 edit/s each writer: 50
  updates/s, 52,450 deliveries/s.

Each writer types a marker (who, which edit, when) on a jittered schedule for ``--warmup``
then ``--seconds`` seconds; every other client of the section notes when it arrives
(``load.py``: in the update's bytes, on every receiver). Per server: edits, deliveries,
propagation latency p50/p95/p99/max (sender to receiver, one clock), the server's CPU in the
window (cores, and milliseconds per update), its peak RSS; correctness: deliveries missing
(warm-up included), arrivals out of a sender's order, updates unacknowledged or refused,
binary events interleaved, sections whose checked copy lacks an edit or differs from the
server's.

The load generator is ``--load-processes`` processes, each one asyncio loop over a minimal
WebSocket client (``wire.py``). It measures itself, and the machine: each load process's CPU
and its loop's lag (how long bytes wait for it), and the rest of the machine's CPU (whatever is
neither the server nor the load). When a load process is busy (above 0.6 core, or lag p99
above 1 ms: its own queueing would show in the latencies) or the machine is (others above
0.1 core), the figures are printed marked as such and no ratio is printed.

Palabre: ``python serve.py`` (gevent) on a fresh SQLite instance (the demo plus members
as needed), or ``--palabre-server gunicorn`` (gevent workers); ``--processes N`` runs N
processes over Redis (the built-in server on N ports, the clients spread over them in turn;
gunicorn: N workers on one port). It commits each update before relaying it. Peer:
@hocuspocus/server 3.4.4 (4.x needs Node ≥ 22), npm-installed once into
~/.cache/palabre-bench/hocuspocus, SQLite extension in WAL: ``hocuspocus`` with its default
store debounce (2 s, at most 10 s), ``hocuspocus-every`` storing every update (the closest to
Palabre's guarantee; it relays without waiting for the store).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time

from benchmarks.collab_load import load, servers
from benchmarks.collab_load.blocking import (  # noqa: F401 (the other benchmarks' client)
    MARKER,
    Editor,
    SocketIOTransport,
    cpu_seconds,
    peak_rss_mb,
    state_vector,
)

EDITION = servers.EDITION
GROUPS = ("gouvernement", "secteur-prive", "societe-civile")
KEYS = ("introduction", "q1", "q2", "q3", "q4")
SCENARIOS = {
    "groups": {
        "sections": [(g, k) for g in GROUPS for k in KEYS],
        "writers": 10,
        "readers": 0,
        "rate": 2.0,
        "load": 2,
    },
    "section": {
        "sections": [("gouvernement", "q1")],
        "writers": 400,
        "readers": 0,
        "rate": 0.5,
        "load": 3,
    },
    "plenary": {
        "sections": [("gouvernement", "q1")],
        "writers": 50,
        "readers": 1000,
        "rate": 1.0,
        "load": 4,
    },
}
BUSY_LOAD_CPU, BUSY_LAG_MS, BUSY_OTHERS = 0.6, 1.0, 0.1


def client_specs(scenario: dict, rate: float, ports: list[int], cookies: dict) -> list[dict]:
    """Every client: section, role, server port, session cookie (Palabre)."""
    specs, per_section = [], scenario["writers"] + scenario["readers"]
    for index, (group, key) in enumerate(scenario["sections"]):
        for n in range(per_section):
            ident = len(specs)
            specs.append(
                {
                    "ident": ident,
                    "section": index,
                    "address": f"{EDITION}/{group}/{key}",
                    "rate": rate if n < scenario["writers"] else 0,
                    "checker": n == 0,
                    "port": ports[ident % len(ports)],
                    "cookie": cookies[group][n] if cookies else None,
                }
            )
    return specs


def percentile(histogram: dict[int, int], q: float) -> float:
    """Milliseconds below which ``q`` of the histogram's values lie (bucket midpoints)."""
    total = sum(histogram.values())
    if not total:
        return float("nan")
    seen = 0
    for key in sorted(histogram):
        seen += histogram[key]
        if seen >= q * total:
            width = 10 if key < 10_000 else 1000
            return (load.bucket_micros(key) + width / 2) / 1000
    return float("nan")


def merged(reports: list[dict], key: str) -> dict[int, int]:
    total: dict[int, int] = {}
    for report in reports:
        for bucket, count in report[key].items():
            total[bucket] = total.get(bucket, 0) + count
    return total


def drive(name: str, ports: list[int], pids: list[int], cookies: dict, args) -> dict:
    """Run the load processes against one server; one row of figures."""
    scenario = SCENARIOS[args.scenario]
    specs = client_specs(scenario, args.rate, ports, cookies)
    sections: dict[int, list[int]] = {}
    for spec in specs:
        if spec["rate"] > 0:
            sections.setdefault(spec["section"], []).append(spec["ident"])
    context = multiprocessing.get_context("spawn")
    workers, pipes = [], []
    count = args.load_processes or scenario["load"]
    for n in range(count):
        mine, theirs = context.Pipe()
        job = {
            "server": "palabre" if name == "palabre" else "hocuspocus",
            "clients": specs[n::count],
            "sections": sections,
            "seed": args.seed + n,
            "drain": args.drain,
        }
        worker = context.Process(target=load.main, args=(theirs, job), daemon=True)
        worker.start()
        workers.append(worker)
        pipes.append(mine)
    try:
        return _measure(name, specs, pipes, [w.pid for w in workers], pids, args)
    finally:
        for worker in workers:
            worker.join(timeout=10)
            if worker.is_alive():
                worker.kill()


def _receive(pipes, timeout: float) -> list[dict]:
    replies = []
    for pipe in pipes:
        if not pipe.poll(timeout):
            raise RuntimeError(f"a load process did not answer within {timeout:g} s")
        replies.append(pipe.recv())
    return replies


def _measure(name, specs, pipes, load_pids, pids, args) -> dict:
    _receive(pipes, 600)  # every client connected, joined, synced
    begin = time.monotonic() + 0.5
    t0, t1 = begin + args.warmup, begin + args.warmup + args.seconds
    for pipe in pipes:
        pipe.send({"begin": begin, "t0": t0, "t1": t1})
    samples = []
    for moment in (t0, t1):
        time.sleep(max(0.0, moment - time.monotonic()))
        samples.append((cpu_seconds(pids), cpu_seconds(load_pids), cpu_seconds(None)))
        samples[-1] += (time.monotonic(), time.process_time())
    typed: dict[int, int] = {}
    for reply in _receive(pipes, 120):
        typed.update(reply["typed"])
    for pipe in pipes:
        pipe.send({"final": typed})
    reports = _receive(pipes, args.drain + 300)
    (s0, l0, m0, w0, c0), (s1, l1, m1, w1, c1) = samples
    seconds = w1 - w0
    server, clients = (s1 - s0) / seconds, (l1 - l0 + c1 - c0) / seconds
    latencies, lags = merged(reports, "latencies"), merged(reports, "lags")
    deliveries = sum(latencies.values())
    row = {"server": name, "edits/s": sum(r["edits"] for r in reports) / args.seconds}
    row["deliveries/s"] = deliveries / args.seconds
    for head, q in (("p50 ms", 0.50), ("p95 ms", 0.95), ("p99 ms", 0.99), ("max ms", 1.0)):
        row[head] = percentile(latencies, q)
    for key in ("missing", "disordered", "unacked", "refused", "garbled", "diverged"):
        row[key] = sum(report[key] for report in reports)
    row["CPU cores"] = server
    row["CPU ms/update"] = server * 1000 / max(1e-9, row["edits/s"])
    row["peak MB"] = peak_rss_mb(pids)
    row["load CPU"] = clients
    row["load max"] = max(report["cpu"] for report in reports)
    row["lag p99 ms"] = percentile(lags, 0.99)
    row["lag max ms"] = percentile(lags, 1.0)
    row["others CPU"] = (m1 - m0) / seconds - server - clients
    row["caught up"] = all(report["caught up"] for report in reports)
    return row


def verdicts(row: dict) -> list[str]:
    """Why the row's figures are not to be trusted, if they are not."""
    why = []
    if row["load max"] > BUSY_LOAD_CPU:
        why.append(f"a load process used {row['load max']:.2f} core (> {BUSY_LOAD_CPU})")
    if row["lag p99 ms"] > BUSY_LAG_MS:
        why.append(f"load loop lag p99 {row['lag p99 ms']:.2f} ms (> {BUSY_LAG_MS} ms)")
    if row["others CPU"] > BUSY_OTHERS:
        why.append(f"the rest of the machine used {row['others CPU']:.2f} core (> {BUSY_OTHERS})")
    return why


def table(rows: list[dict]) -> None:
    heads = [head for head in rows[0] if head not in ("server", "caught up")]
    print(f"{'server':<18}" + "".join(f"{head:>{len(head) + 2}}" for head in heads))
    for row in rows:
        cells = []
        for head in heads:
            value = row[head]
            decimals = 0 if head.endswith("/s") or head == "peak MB" else 2
            exact = f"{value:.{decimals}f}" if isinstance(value, float) else str(value)
            cells.append(f"{exact:>{len(head) + 2}}")
        print(f"{row['server']:<18}" + "".join(cells))
    print(
        "missing: deliveries that never arrived; disordered: arrivals out of their sender's "
        "order; unacked/refused: updates never acknowledged / refused; garbled: binary events "
        "interleaved on the wire; diverged: sections whose checked copy lacks an edit or "
        "differs from the server's; load CPU: all load processes (load max: the busiest); "
        "lag: how long a stamp written every 5 ms into a socket waited for the load loop"
    )
    checks = ("missing", "disordered", "unacked", "refused", "garbled", "diverged")
    bad = sum(row[key] for row in rows for key in checks)
    print("correctness: " + ("OK" if not bad else "FAILED (see " + ", ".join(checks) + ")"))
    for row in rows:
        if not row["caught up"]:
            print(
                f"{row['server']} had not caught up when --drain ran out: its missing, "
                "unacked and diverged count edits still on their way, not only lost ones"
            )


def conclude(rows: list[dict], args) -> None:
    trusted = True
    for row in rows:
        if why := verdicts(row):
            trusted = False
            print(f"{row['server']}: NOT A CLEAN MEASUREMENT: " + "; ".join(why))
        else:
            print(f"{row['server']}: clean (load and machine under their limits)")
    by_name = {row["server"]: row for row in rows}
    palabre, peer = by_name.get("palabre"), by_name.get("hocuspocus")
    lost = any(r[k] for r in rows for k in ("missing", "disordered", "diverged", "unacked"))
    if args.scenario == "groups" and peer is not None:
        calibrated = peer["p99 ms"] <= 3.0
        state = "calibrated" if calibrated else "NOT calibrated (the client or the machine adds)"
        print(f"calibration: Hocuspocus p99 {peer['p99 ms']:.2f} ms (≤ 3 ms): {state}")
        trusted &= calibrated
    if palabre is None:
        return
    if args.scenario == "section":
        print(f"Palabre p95 {palabre['p95 ms']:.1f} ms (target ≤ 100 ms)")
    elif args.scenario == "plenary":
        print(f"Palabre p95 {palabre['p95 ms']:.1f} ms (target ≤ 200 ms)")
    if peer is None:
        return
    if lost or not trusted:
        why = "deliveries lost or out of order" if lost else "the measurement is not clean"
        print(f"ratios Palabre/Hocuspocus: not given ({why})")
        return
    for head in ("p95 ms", "p99 ms", "CPU ms/update"):
        print(f"ratio {head} Palabre/Hocuspocus: {palabre[head] / peer[head]:.2f}×")
    if args.scenario == "groups":
        print("targets: p99 ratio ≤ 1×, CPU ms/update ratio ≤ 2×")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="groups")
    parser.add_argument("--seconds", type=float, default=30, help="measured window")
    parser.add_argument("--warmup", type=float, default=5, help="typing before the window")
    parser.add_argument("--drain", type=float, default=15, help="longest wait for late ones")
    parser.add_argument("--rate", type=float, help="edits per second per writer")
    parser.add_argument("--seed", type=int, default=7)
    names = "comma-separated: palabre, hocuspocus (default debounce), hocuspocus-every"
    parser.add_argument("--servers", default="hocuspocus,palabre", help=names)
    parser.add_argument("--processes", type=int, default=1, help="Palabre processes (Redis)")
    parser.add_argument("--palabre-server", choices=("builtin", "gunicorn"), default="builtin")
    parser.add_argument("--load-processes", type=int, help="default: 2, 3 or 4 by scenario")
    parser.add_argument("--database-url", help="PostgreSQL for Palabre (default: SQLite)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    scenario = SCENARIOS[args.scenario]
    args.rate = args.rate or scenario["rate"]
    wanted: dict[str, int] = {}
    for group, _key in scenario["sections"]:
        wanted[group] = scenario["writers"] + scenario["readers"]
    rows = []
    for name in args.servers.split(","):
        time.sleep(3 if rows else 0)  # let the previous server's exit settle
        if name == "palabre":
            with servers.palabre(args, wanted) as (ports, pids, cookies):
                rows.append(drive(name, ports, pids, cookies, args))
        else:
            with servers.hocuspocus(name) as (ports, pids):
                rows.append(drive(name, ports, pids, {}, args))
    per_section = scenario["writers"] + scenario["readers"]
    setup = f"{args.palabre_server} × {args.processes}" if "palabre" in args.servers else ""
    print(
        f"{args.scenario}: {len(scenario['sections'])} section(s) × {scenario['writers']} "
        f"writers + {scenario['readers']} readers ({per_section} clients each), "
        f"{args.rate:g} edits/s per writer, {args.seconds:g} s measured after {args.warmup:g} s, "
        f"{os.cpu_count()} cores; Palabre {setup}"
    )
    table(rows)
    conclude(rows, args)


if __name__ == "__main__":
    main()
