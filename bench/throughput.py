"""N simulated people complete the intake at once through the emulator; then the same N people
go through the same steps with a bare aiogram bot (bench/echo_bot.py) that makes the same Bot
API calls at each step as kring, with nothing behind them. Each bot runs as its own process, as
in production (`python -m bot run` is `kring run`). A person waits for the bot's reply before the
next step, like a person on a phone. Prints updates/s and handling latency (an update sent ->
the bot's first visible reply in that chat: a new or edited message). Both bots run at once,
idle while the other is measured, in alternating rounds of fresh people; each figure is the
median round, so a moment of other work on the machine does not decide the outcome.

    python -m bench.throughput [--people 40] [--rounds 5] [--rate N] [--database-url URL]

By default people go as fast as the bot answers (saturation: the ratio of updates/s is what
counts). With `--rate 50` the people together offer 50 updates/s, evenly spaced, and what counts
is the latency at that steady load (kring's p99 against the echo bot's).

KRING_BENCH_SPY=file.raw records a py-spy profile of the kring process while it works;
KRING_BENCH_CPROFILE=file.prof runs it under cProfile (slower, but exact call counts).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import NamedTuple

from bench.fresh_database import fresh_database
from emulator import BotApiEmulator, Person

TOKEN = "123456:bench-token"
MANAGER_ID = 42

Send = Callable[[Person], Awaitable[int]]
Ready = Callable[[Person], bool]
Action = tuple[Send, Ready]  # what the person does, once the chat shows what it needs

SEND, ANSWER = "sendMessage", "answerCallbackQuery"
EDIT, MARKUP = "editMessageText", "editMessageReplyMarkup"


class Step(NamedTuple):
    kind: str  # "text" (typed), "button" (inline: a callback query), "keyboard" (a reply button)
    value: str  # what is typed, or the button's label
    after: str | None  # for a text: what the chat must show first
    calls: tuple[str, ...]  # the Bot API calls kring makes for it, in order


# The intake, and what kring sends at each step (checked every round: the echo bot makes the
# same calls at the same step, so the ratio compares the work behind the calls, not their number).
INTAKE = [
    Step("text", "/start", None, (SEND,)),
    Step("button", "Een conferentie aanvragen", None, (ANSWER, EDIT)),
    Step("button", "Familie of vriend(in)", None, (ANSWER, EDIT)),
    Step("text", "Johan", "Over wie gaat het?", (SEND,)),
    Step("text", "8", "Hoe oud is Johan?", (SEND,)),
    Step(
        "text",
        "Waar kan Johan (8) veilig opgroeien en wat is daarvoor nodig?",
        "Bijvoorbeeld",
        (SEND,),
    ),
    Step("button", "Overslaan", None, (ANSWER, EDIT)),
    Step("button", "👪 Familie of persoon", None, (ANSWER, EDIT)),
    Step("button", "Nederlands", None, (ANSWER, MARKUP)),
    Step("button", "Klaar ✓", None, (ANSWER, EDIT)),
    Step("button", "Geen voorkeur", None, (ANSWER, EDIT)),
    Step("text", "Utrecht", "In welke gemeente", (SEND,)),
    Step("keyboard", "Alleen via Telegram", None, (SEND, SEND)),
    Step("button", "✅ Ja, ik ga akkoord", None, (ANSWER, EDIT)),
    Step("button", "✅ Versturen", None, (ANSWER, MARKUP, SEND, SEND)),  # the manager's notice
]


def always(person: Person) -> bool:
    return True


def showing(text: str) -> Ready:
    """The newest message says `text` (the question to answer is on screen)."""
    return lambda p: p.last is not None and text in (p.last.text or "")


def button(label: str) -> Ready:
    def ready(p: Person) -> bool:
        keyboard = [b for row in (p.reply_keyboard or []) for b in row]
        return (p.last is not None and any(label in row for row in p.last.buttons)) or (
            label in keyboard
        )

    return ready


def typing(value: str) -> Send:
    return lambda p: p.send_text(value, wait=False)


def pressing(label: str) -> Send:
    return lambda p: p.press(label, wait=False)


def intake_script() -> list[Action]:
    actions: list[Action] = []
    for step in INTAKE:
        if step.kind == "text":
            actions.append((typing(step.value), showing(step.after) if step.after else always))
        else:
            actions.append((pressing(step.value), button(step.value)))
    return actions


def echo_script() -> list[Action]:
    """The intake's steps, typed or pressed in the same order, to the echo bot (bench.echo_bot
    puts a button "stap N" under each reply: the next step may go once it shows)."""
    return [
        (
            pressing(f"stap {i}") if step.kind == "button" else typing(f"bericht {i}"),
            button(f"stap {i}") if i else always,
        )
        for i, step in enumerate(INTAKE)
    ]


class Pace:
    """Offers updates at `rate` per second, evenly spaced (no catching up on slots nobody was
    ready for); without a rate, as fast as the people are ready."""

    def __init__(self, rate: float | None):
        self.gap = 1 / rate if rate else 0.0
        self.next = 0.0

    async def slot(self) -> None:
        if not self.gap:
            return
        now = time.perf_counter()
        at = max(now, self.next)
        self.next = at + self.gap
        await asyncio.sleep(at - now)


async def until(person: Person, ready: Ready) -> None:
    if not ready(person):
        await person.wait_for(lambda _: ready(person), timeout=60)


async def converse(
    person: Person, script: list[Action], pace: Pace, latencies: list[float]
) -> None:
    for send, ready in script:
        await until(person, ready)
        await pace.slot()
        began = time.perf_counter()
        await send(person)
        await person.wait_for(lambda m: True, timeout=60, new_only=True)
        latencies.append(time.perf_counter() - began)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def profiled() -> list[str]:
    """KRING_BENCH_CPROFILE=file.prof runs the kring process under cProfile."""
    target = os.environ.get("KRING_BENCH_CPROFILE")
    return ["-m", "cProfile", "-o", target] if target else []


async def start_profiler(pid: int) -> asyncio.subprocess.Process | None:
    target = os.environ.get("KRING_BENCH_SPY")
    if not target:
        return None
    spy = await asyncio.create_subprocess_exec(
        "py-spy",
        "record",
        "--pid",
        str(pid),
        "-r",
        "250",
        "-f",
        "raw",
        "--nonblocking",
        "--threads",
        "-o",
        target,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await asyncio.sleep(1)
    return spy


def expected_calls(people: int) -> collections.Counter[str]:
    per_person = collections.Counter(call for step in INTAKE for call in step.calls)
    return collections.Counter({method: n * people for method, n in per_person.items()})


class Contender:
    """One bot under test: its own emulator and process, started once, measured in rounds."""

    def __init__(self, label: str, command: list[str], script: Callable[[], list[Action]]):
        self.label = label
        self.command = command
        self.script = script
        self.rounds: list[tuple[float, list[float], float]] = []  # ups, latencies, cpu/update
        self.emu = BotApiEmulator(timeout=60)
        self.process: asyncio.subprocess.Process | None = None
        self.manager: Person | None = None
        self._people = 0

    async def start(self, database_url: str) -> None:
        emu = await self.emu.__aenter__()
        emu.add_bot(token=TOKEN, username="kring_bench_bot", first_name="kring")
        env = {
            **os.environ,
            "KRING_BOT_TOKEN": TOKEN,
            "KRING_API_BASE": emu.base_url,
            "KRING_DATABASE_URL": database_url,
            "KRING_LOG_LEVEL": "WARNING",
            "KRING_POLLING_TIMEOUT": "10",
        }
        if self.label == "kring":
            staff = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "staff",
                "add",
                "--role",
                "manager",
                "--telegram-id",
                str(MANAGER_ID),
                "--name",
                "Marieke",
                env=env,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            await staff.wait()
            self.manager = emu.user("Marieke", language_code="nl", user_id=MANAGER_ID)
            self.manager.chat.started = True  # the manager has opened the bot before
        self.process = await asyncio.create_subprocess_exec(*self.command, env=env)
        deadline = time.monotonic() + 60
        while not emu.calls_to("getUpdates"):
            if self.process.returncode is not None or time.monotonic() > deadline:
                raise SystemExit(f"{self.label} did not start polling")
            await asyncio.sleep(0.05)

    async def round(self, people: int, rate: float | None) -> None:
        emu, process = self.emu, self.process
        assert process is not None
        spy = await start_profiler(process.pid) if self.label == "kring" else None
        persons = [
            emu.user(f"{self.label}{self._people + i}", language_code="nl") for i in range(people)
        ]
        self._people += people
        calls_before = len(emu.calls)
        latencies: list[float] = []
        pace = Pace(rate)
        cpu_before = cpu_seconds(process.pid)
        own_before = time.process_time()
        began = time.perf_counter()
        await asyncio.gather(*(converse(p, self.script(), pace, latencies) for p in persons))
        elapsed = time.perf_counter() - began
        cpu = cpu_seconds(process.pid) - cpu_before
        own = time.process_time() - own_before
        await emu.wait_idle(0.2, timeout=60)  # the last replies may still be on their way
        assert not emu.bot().pending, "every update was confirmed"
        if spy is not None:
            spy.send_signal(2)
            await spy.wait()
        if self.manager is not None:
            notices = [m for m in self.manager.messages if "EK-" in (m.text or "")]
            assert len(notices) == self._people, "every request reached the manager"
        methods = collections.Counter(
            c.method for c in emu.calls[calls_before:] if c.method != "getUpdates"
        )
        if methods != expected_calls(people):
            raise SystemExit(
                f"{self.label} made the Bot API calls {dict(methods)}, INTAKE in bench/"
                f"throughput.py says {dict(expected_calls(people))}: bring INTAKE up to date, "
                f"so that the echo bot makes the same calls as kring"
            )
        print(f"{self.label}: Bot API calls {dict(methods.most_common())}", file=sys.stderr)
        print(
            f"{self.label}: the bot process used {cpu:.2f}s CPU in {elapsed:.2f}s "
            f"({cpu / len(latencies) * 1000:.2f} ms per update); the emulator and the people "
            f"{own:.2f}s",
            file=sys.stderr,
        )
        self.rounds.append((len(latencies) / elapsed, latencies, cpu / len(latencies)))

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()
        await self.emu.__aexit__(None, None, None)

    @property
    def ups(self) -> float:
        """The median round: one round disturbed by the machine's other work does not count."""
        return statistics.median(ups for ups, _, _ in self.rounds)

    @property
    def latencies(self) -> list[float]:
        return [latency for _, round_latencies, _ in self.rounds for latency in round_latencies]

    @property
    def cpu_ms(self) -> float:
        return statistics.median(cpu for _, _, cpu in self.rounds) * 1000

    def ms(self, share: float) -> float:
        return percentile(self.latencies, share) * 1000


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=40)
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="alternating rounds of each bot; figures are the median round",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="offer this many updates/s in all (default: as fast as answered)",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL server to run kring on (the run gets a fresh database there)",
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="kring-bench-"))

    kring = Contender("kring", [sys.executable, *profiled(), "-m", "bot", "run"], intake_script)
    echo = Contender("echo", [sys.executable, "-m", "bench.echo_bot"], echo_script)
    async with fresh_database(args.database_url, workdir) as database_url:
        try:
            for contender in (kring, echo):
                await contender.start(database_url)
            for _ in range(args.rounds):  # alternating, so both meet the same disturbances
                for contender in (kring, echo):
                    await contender.round(args.people, args.rate)
        finally:
            for contender in (kring, echo):
                await contender.stop()

    for c in (kring, echo):
        print(
            f"{c.label:>5}: {len(c.latencies)} updates in {len(c.rounds)} rounds, median round "
            f"{c.ups:.1f} updates/s ({', '.join(f'{u:.0f}' for u, _, _ in c.rounds)}), "
            f"{c.cpu_ms:.2f} ms CPU per update, p50 {c.ms(0.5):.1f} ms, "
            f"p99 {c.ms(0.99):.1f} ms, mean {statistics.fmean(c.latencies) * 1000:.1f} ms"
        )
    ratios = [k / e for (k, _, _), (e, _, _) in zip(kring.rounds, echo.rounds, strict=True)]
    calls = sum(len(step.calls) for step in INTAKE) / len(INTAKE)
    print(
        f"people={args.people} steps={len(INTAKE)} rounds={args.rounds} "
        f"rate={args.rate or 'max'} database={database_url.split(':')[0]} "
        f"Bot API calls per update={calls:.2f} (both bots) "
        f"ratio per round: {' '.join(f'{r:.2f}' for r in ratios)}"
    )
    last = (
        f"throughput: kring_ups={kring.ups:.1f} echo_ups={echo.ups:.1f} "
        f"ratio={kring.ups / echo.ups:.2f} p50_ms={kring.ms(0.5):.1f} "
        f"p99_ms={kring.ms(0.99):.1f}"
    )
    if args.rate:  # at a steady load the figure is kring's latency against the echo bot's
        last += (
            f" rate={args.rate:g} echo_p50_ms={echo.ms(0.5):.1f} "
            f"echo_p99_ms={echo.ms(0.99):.1f} "
            f"p99_vs_echo={kring.ms(0.99) / echo.ms(0.99):.2f}"
        )
    print(last)


if __name__ == "__main__":
    asyncio.run(main())
