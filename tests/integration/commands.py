"""`kring` as an operator types it: `python -m bot ...` in a directory of its own, with only the
KRING_* settings given (none from the environment the tests run in) and the data key, which an
operator keeps set for the service (tests/conftest.py sets one for PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def kring(
    *args: str, cwd: Path, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """`stdin`: what the operator types (nothing: an empty input)."""
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("KRING_") or k == "KRING_DATA_KEY"
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**clean, **env},
        capture_output=True,
        input=stdin if stdin is not None else "",
        text=True,
        timeout=60,
    )
