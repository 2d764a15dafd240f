"""`kring` as an operator types it: a real process, a real SQLite file."""

from __future__ import annotations

import asyncio
import json
import os
import sys

import pytest

from tests.integration.commands import kring


def test_run_without_a_token_says_so_in_one_line_and_exits_2(tmp_path):
    result = kring("run", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "KRING_BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("KRING_BOT_TOKEN", "not-a-token"),
        ("KRING_TIMEZONE", "Mars/Olympus"),
        ("KRING_DATABASE_URL", "mysql://x"),
        ("KRING_API_BASE", "ftp://x"),
        ("KRING_PROXY", "ftp://proxy.example:21"),
        ("KRING_ORGANISATION", " "),
        ("KRING_ORGANISATION", "Eigen Kracht\nCentrale"),
    ],
)
def test_a_malformed_setting_is_named(tmp_path, variable, value):
    result = kring("run", cwd=tmp_path, **{variable: value})
    assert result.returncode == 2
    assert result.stderr.startswith(f"kring: configuration error: {variable}:")
    assert "Traceback" not in result.stderr


TOKEN = "123456:cli-test-token"
URL = "https://kring.example.org/telegram"
SECRET = "a-secret-of-sixteen-or-more"


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"KRING_WEBHOOK_SECRET": SECRET}, "KRING_WEBHOOK_URL"),
        ({"KRING_WEBHOOK_URL": URL}, "KRING_WEBHOOK_SECRET"),
        ({"KRING_WEBHOOK_URL": URL, "KRING_WEBHOOK_SECRET": "short"}, "KRING_WEBHOOK_SECRET"),
        (
            {"KRING_WEBHOOK_URL": URL, "KRING_WEBHOOK_SECRET": "has spaces in it, no"},
            "KRING_WEBHOOK_SECRET",
        ),
        (
            {"KRING_WEBHOOK_URL": URL, "KRING_WEBHOOK_SECRET": SECRET, "KRING_LISTEN": "8080"},
            "KRING_LISTEN",
        ),
    ],
)
def test_serve_names_what_it_misses_in_one_line(tmp_path, settings, named):
    result = kring("serve", cwd=tmp_path, KRING_BOT_TOKEN=TOKEN, **settings)
    assert result.returncode == 2
    assert result.stderr.startswith(f"kring: configuration error: {named}")
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert SECRET not in result.stderr


def test_json_logs_are_one_object_per_line(tmp_path):
    result = kring("db", "upgrade", cwd=tmp_path, KRING_LOG_FORMAT="json")
    assert result.returncode == 0
    lines = result.stderr.strip().splitlines()
    assert lines
    for line in lines:
        entry = json.loads(line)
        assert set(entry) >= {"time", "level", "logger", "event"}
    assert any(json.loads(line)["logger"].startswith("alembic") for line in lines)


def test_settings_are_read_from_a_dotenv_file(tmp_path):
    (tmp_path / ".env").write_text("KRING_TIMEZONE=Nowhere/Land\n")
    result = kring("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 2 and "KRING_TIMEZONE" in result.stderr


def test_staff_add_list_remove(tmp_path):
    assert kring("db", "upgrade", cwd=tmp_path).returncode == 0
    assert (tmp_path / "kring.sqlite3").exists()  # the default database in the working dir
    added = kring(
        "staff",
        "add",
        "--role",
        "manager",
        "--telegram-id",
        "9001",
        "--name",
        "Marieke",
        "--languages",
        "nl,tr",
        "--region",
        "Utrecht",
        cwd=tmp_path,
    )
    assert added.returncode == 0, added.stderr
    kring(
        "staff",
        "add",
        "--role",
        "coordinator",
        "--telegram-id",
        "9002",
        "--name",
        "Kees",
        cwd=tmp_path,
    )
    listing = kring("staff", "list", cwd=tmp_path).stdout
    assert "Marieke" in listing and "nl,tr" in listing and "Utrecht" in listing
    assert "coordinator" in listing and "9002" in listing
    assert kring("staff", "remove", "--telegram-id", "9002", cwd=tmp_path).returncode == 0
    assert kring("staff", "remove", "--telegram-id", "9002", cwd=tmp_path).returncode == 1
    assert "Kees" not in kring("staff", "list", cwd=tmp_path).stdout


def test_a_bad_role_is_refused_by_the_parser(tmp_path):
    result = kring(
        "staff", "add", "--role", "boss", "--telegram-id", "1", "--name", "X", cwd=tmp_path
    )
    assert result.returncode == 2 and "invalid choice" in result.stderr


async def test_run_with_a_token_telegram_refuses_says_so(tmp_path):
    from emulator import BotApiEmulator

    async with BotApiEmulator() as emu:
        emu.add_bot(token="123456:the-real-one", username="kring_test_bot", first_name="k")
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env={
                **{k: v for k, v in os.environ.items() if not k.startswith("KRING_")},
                "KRING_BOT_TOKEN": "123456:a-wrong-one",
                "KRING_API_BASE": emu.base_url,
            },
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert "KRING_BOT_TOKEN" in stderr.decode() and "Traceback" not in stderr.decode()
