"""A hostile member against a real server process: a fixed 2,000-message slice of the fuzzer.

``benchmarks/fuzz_collab`` (see its docstring): the server as ``make run`` starts it, on a
migrated database with the demo (this test's database URL: SQLite, or on the PostgreSQL
pass a fresh database next to it); gouvernement1 sends 2,000 seeded hostile messages
(join, sync, awareness, leave) to three of its group's sections while two other members
keep typing there, each waiting for its acknowledgement. Messages that crash or poison the
server are saved under the test's temporary directory (replay them with
``python -m benchmarks.fuzz_collab --replay DIR``).
"""

from __future__ import annotations

import pytest

from benchmarks.fuzz_collab.__main__ import options, print_report, run

MESSAGES = 2000
SEED = 20_240


@pytest.mark.slow
def test_a_hostile_member_neither_crashes_nor_poisons_the_server(database_url, tmp_path):
    crashers = tmp_path / "crashers"
    args = options(
        ["--messages", str(MESSAGES), "--seed", str(SEED), "--database-url", database_url,
         "--save-crashers", str(crashers), "--max-seconds", "120"]
    )  # fmt: skip
    report = run(args)
    print_report(report, args)  # shown when it fails
    where = f"(crashers saved in {crashers})"
    assert not report.crashes, f"the server died: {report.crashes} {where}"
    assert not report.stalls, f"the server stalled {report.stalls} times {where}"
    assert not report.unloadable, f"sections no longer load: {report.unloadable} {where}"
    assert not report.diverged, f"sections diverged: {report.diverged}"
    assert not report.lost, f"acknowledged honest edits lost: {report.lost[:10]}"
    assert report.sent >= MESSAGES, f"only {report.sent} messages in the time allowed"
    assert report.honest_acked > 0
