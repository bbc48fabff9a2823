"""SIGKILL the server mid-typing, again and again on one database: nothing acknowledged,
nothing relayed, may be missing after the restart (``benchmarks.crash_trials``, few trials).

The trials keep one database, so its sections' logs pass ``COMPACT_AFTER_UPDATES`` and are
compacted (more than once) between kills: the rows written after a compaction must load too.
"""

import pytest

from benchmarks.crash_trials.__main__ import Ledger, run_database


# At least 0.8 s of typing per trial: past one compaction within these few trials.
def _assert_durable(ledger: Ledger, trials: int) -> None:
    row = ledger.row()
    assert (row["trials"], row["setup errors"]) == (trials, 0), (row, ledger.notes)
    assert row["acked"] > 100, row  # the trials typed, and were acknowledged
    assert row["compacted"] >= 1, row  # the log was compacted at least once
    failures = ("acked lost", "received lost", "duplicated", "unloadable")
    assert {key: row[key] for key in failures} == dict.fromkeys(failures, 0), (row, ledger.notes)


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_sigkilled_sqlite_server_loses_nothing_acknowledged_across_compactions(tmp_path):
    ledger = run_database(
        "sqlite", trials=5, seed=1, instance=tmp_path, min_delay=0.8, max_delay=1.5
    )
    _assert_durable(ledger, 5)


@pytest.mark.slow
@pytest.mark.postgres
def test_sigkilled_postgresql_server_loses_nothing_acknowledged_across_compactions(
    tmp_path, empty_postgres_database
):
    # The empty database is migrated as ``make run`` does.
    ledger = run_database(
        "postgresql",
        trials=3,
        seed=1,
        instance=tmp_path,
        database_url=empty_postgres_database,
        min_delay=0.8,
        max_delay=1.5,
    )
    _assert_durable(ledger, 3)
