"""The wheel as an operator installs it: built from the sources, installed into a fresh venv
outside the repository, and started. It must carry the catalogs and the migrations itself, and
the emulator with its chat page (`kring playground`), but not the benchmarks or the tests.

Nothing is downloaded: the wheel is built with this venv's setuptools (no build isolation),
installed with --no-index, and the fresh venv borrows this venv's site-packages for the
dependencies through a .pth file, written after the install. Only the fresh venv's own
site-packages holds kring; the repository is on no path of the installed run."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import aiohttp
import pytest

from emulator import BotApiEmulator
from tests.flows.steps import free_port, t

REPO = Path(__file__).resolve().parents[2]
TOKEN = "123456:test-token"
# what a build needs of the sources; the rest (the venv, caches, old build/ output) stays out,
# so that a stale build/lib cannot slip into the wheel
NOT_SOURCES = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*_cache",
    "*.sqlite3",
    ".env",
)
SETUPTOOLS_WITH_BDIST_WHEEL = (70, 1)
# what the installed run may see: none of the test run's paths or kring settings
PROBE = """
import importlib.util, json, sys
import bot, conference, dialogs, emulator, locales, storage, web
print(json.dumps({
    "files": [m.__file__ for m in (bot, conference, dialogs, emulator, locales, storage, web)],
    "path": sys.path,
    "missing": [n for n in ("bench", "tests") if importlib.util.find_spec(n) is None],
}))
"""


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    site_packages: Path
    outside: Path  # a directory outside the repository, the installed run's cwd

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def env(self, **settings: str) -> dict[str, str]:
        clean = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("KRING_", "PYTHON", "VIRTUAL_ENV"))
        }
        return {**clean, "PYTHONNOUSERSITE": "1", **settings}


def _setuptools_builds_wheels() -> bool:
    try:
        found = version("setuptools")
    except PackageNotFoundError:
        return False
    parts = tuple(int(p) for p in found.split(".")[:2] if p.isdigit())
    return parts >= SETUPTOOLS_WITH_BDIST_WHEEL


def _run(*command: str | Path, cwd: Path) -> str:
    # without PYTHONPATH: a checkout on it (with its kring.egg-info) would make pip believe
    # kring is installed already
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"{command}: {result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    if not _setuptools_builds_wheels():
        pytest.skip(
            "building a wheel offline needs setuptools>=70.1 in this venv "
            "(pip install -r requirements/test.lock)"
        )
    tmp = tmp_path_factory.mktemp("wheel")
    assert not tmp.resolve().is_relative_to(REPO), "the fresh venv must be outside the repo"
    sources = tmp / "sources"
    shutil.copytree(REPO, sources, ignore=NOT_SOURCES)
    wheels = tmp / "wheels"
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "--quiet",
        "-w",
        wheels,
        sources,
        cwd=tmp,
    )
    (wheel,) = wheels.glob("kring-*.whl")

    venv = tmp / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp)
    python = venv / "bin" / "python"
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--no-deps",
        "--no-index",
        "--quiet",
        wheel,
        cwd=tmp,
    )
    site_packages = Path(
        _run(
            python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp
        ).strip()
    )
    # the dependencies: this venv's site-packages, after the fresh one (a .pth line is a path,
    # its own .pth files are not read: this venv's editable kring stays out of sight)
    ours = dict.fromkeys(sysconfig.get_path(name) for name in ("purelib", "platlib"))
    (site_packages / "kring-test-dependencies.pth").write_text("\n".join(ours) + "\n")
    outside = tmp / "outside"
    outside.mkdir()
    yield Installed(wheel, venv, site_packages, outside)


def test_the_wheel_carries_catalogs_migrations_and_the_playground_but_no_bench_or_tests(
    installed: Installed,
) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.startswith("kring-")}
    assert tops == {"bot", "conference", "dialogs", "emulator", "locales", "storage", "web"}
    for template in (REPO / "web" / "templates").glob("*.html"):
        assert f"web/templates/{template.name}" in names
    assert "web/static/kring.css" in names
    for page in ("index.html", "client.js", "client.css"):  # `kring playground`'s page
        assert f"emulator/static/{page}" in names
    assert "bot/playground/__init__.py" in names

    shipped_locales = {p.parent.parent.name for p in REPO.glob("locales/*/LC_MESSAGES/*.po")}
    assert "tr" in shipped_locales and "nl" in shipped_locales
    for locale in shipped_locales:
        assert f"locales/{locale}/LC_MESSAGES/messages.po" in names
    assert "locales/messages.pot" in names
    for migration in (REPO / "storage" / "migrations" / "versions").glob("0*.py"):
        assert f"storage/migrations/versions/{migration.name}" in names
    assert "storage/migrations/env.py" in names
    assert "storage/migrations/script.py.mako" in names


def test_the_installed_wheel_imports_from_its_own_venv(installed: Installed) -> None:
    probe = subprocess.run(
        [str(installed.python), "-c", PROBE],
        cwd=installed.outside,
        env=installed.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)
    for file in found["files"]:
        assert Path(file).is_relative_to(installed.site_packages), file
    # nothing of the checkout on the path, except this venv's site-packages lent for the
    # dependencies (CI's venv lives inside the checkout)
    lent = Path(sys.prefix).resolve()
    for entry in filter(None, found["path"]):  # "" is the probe's cwd, outside
        resolved = Path(entry).resolve()
        assert resolved.is_relative_to(lent) or not resolved.is_relative_to(REPO), entry
    assert found["missing"] == ["bench", "tests"]


async def test_the_installed_kring_answers_in_the_persons_language_and_stops_cleanly(
    installed: Installed,
) -> None:
    emu = BotApiEmulator(timeout=15)
    emu.add_bot(token=TOKEN, username="kring_wheel_bot", first_name="kring")
    async with emu:
        process = await asyncio.create_subprocess_exec(
            installed.venv / "bin" / "kring",
            "run",
            cwd=installed.outside,
            env=installed.env(
                KRING_BOT_TOKEN=TOKEN,
                KRING_API_BASE=emu.base_url,
                KRING_DATABASE_URL=f"sqlite+aiosqlite:///{installed.outside / 'k.sqlite3'}",
                KRING_CACHE_DIR=str(installed.outside / "cache"),
                KRING_POLLING_TIMEOUT="1",
            ),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while not emu.calls_to("getUpdates"):
                assert process.returncode is None, "kring stopped before it polled"
                assert time.monotonic() < deadline, "kring did not poll within 30 s"
                await asyncio.sleep(0.05)

            wim = emu.user("Wim", language_code="nl")
            await wim.send_text("/start")
            await wim.wait_for("Ik ben kring. Via mij vraag je een Eigen Kracht-conferentie aan")
            # Dutch is the source language; Turkish shows the wheel's catalogs are read
            ayse = emu.user("Ayşe", language_code="tr")
            await ayse.send_text("/start")
            welcome = t(
                "tr",
                "Ik ben kring. Via mij vraag je een Eigen Kracht-conferentie aan: een "
                "bijeenkomst waarin familie, vrienden en buren samen een plan maken. Wat wil "
                "je doen?",
            )
            assert not welcome.startswith("Ik ben kring")
            await ayse.wait_for(welcome)
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(process.communicate(), 30)
            print(output.decode(), file=sys.stderr)  # pytest shows it when the test fails
        assert process.returncode == 0
    assert (installed.outside / "k.sqlite3").is_file()  # migrated from the wheel's files
    assert list((installed.outside / "cache" / "catalogs").glob("*.mo"))


async def test_the_installed_playground_serves_its_page_and_plays_the_example(
    installed: Installed,
) -> None:
    """`kring playground` from the wheel alone: no token, no network, its page from the
    wheel's files, the example through the bot, and Ctrl-C stops it cleanly."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        installed.venv / "bin" / "kring",
        "playground",
        "--port",
        str(port),
        cwd=installed.outside,
        env=installed.env(KRING_CACHE_DIR=str(installed.outside / "cache")),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(30):
            while f"kring playground: open http://127.0.0.1:{port}/" not in "".join(lines):
                line = await process.stdout.readline()
                assert line, "kring playground stopped: " + "".join(lines)
                lines.append(line.decode())
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
            for path in ("/", "/static/client.js", "/static/client.css"):
                async with http.get(path) as response:
                    assert response.status == 200, path
            async with http.post("/api/actions/example") as response:
                loaded = await response.json()
        assert loaded["ok"] and loaded["message"].startswith("Loaded: EK-"), loaded
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
        output, _ = await asyncio.wait_for(process.communicate(), 30)
        print("".join(lines) + output.decode(), file=sys.stderr)
    assert process.returncode == 0
