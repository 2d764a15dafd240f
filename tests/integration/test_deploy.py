"""The deploy files as an operator uses them: the systemd unit verifies."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
INSTALLED = "/opt/kring/.venv/bin/kring"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_the_systemd_unit_verifies_without_a_warning(tmp_path):
    unit = (DEPLOY / "kring.service").read_text()
    assert f"ExecStart={INSTALLED} run" in unit
    # systemd checks that the program exists: this venv's kring stands in for /opt/kring's
    here = Path(sys.executable).parent / "kring"
    assert here.exists(), "install kring into this venv first (pip install -e .)"
    (tmp_path / "kring.service").write_text(unit.replace(INSTALLED, str(here)))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / "kring.service")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr  # an unknown key is only a warning
