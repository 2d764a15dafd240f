"""The short version of `python -m bench.chaos`: relatives tap while `kring run` is SIGKILLed,
the database goes away (PostgreSQL: connections terminated, the server gone for a few seconds)
or the disk fills up (SQLite, where a tmpfs can be mounted), and nothing a person was told was
saved is lost, nothing is done twice, nobody is stuck."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.postgres import POSTGRES_URL

ROOT = Path(__file__).resolve().parents[2]
SHORT = ("--kills", "3", "--outage", "4", "--patience", "15")


def chaos(database: str, *extra: str) -> tuple[dict[str, int], str]:
    """The figures of the last line, and what the benchmark said on stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.chaos", "--database", database, *SHORT, *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("chaos: "), last
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", last)}, done.stderr


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_nothing_confirmed_is_lost_through_kills_and_database_faults(database):
    if database == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("KRING_TEST_POSTGRES_URL is not set")
        figures, said = chaos(database, "--database-url", POSTGRES_URL)
    else:
        figures, said = chaos(database)
    assert figures["kills"] == 3
    # the database away once (PostgreSQL) or the disk full once (SQLite, where a tmpfs can be
    # mounted: as root)
    assert figures["db_faults"] >= 1 or "no full disk" in said, said
    assert figures["taps"] >= 50 and figures["confirmed"] >= figures["taps"] * 0.8
    assert figures["lost"] == 0
    assert figures["duplicated"] == 0
    assert figures["stuck"] == 0
