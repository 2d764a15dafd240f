import gc
import sys


def main() -> None:
    # Start-up is mostly imports (aiogram's ~600 Bot API types build their pydantic validators
    # at import): a few hundred thousand objects that live as long as the process, and next to
    # no garbage. The cyclic garbage collector would scan them again and again while they are
    # made (a sixth of `kring run`'s start-up), so it is off from the first import on: the
    # other commands turn it on once parsed (bot/cli.py), `kring run` once the bot is built
    # (Kring.run_polling freezes what was built first).
    gc.disable()
    from bot.cli import main as command

    sys.exit(command())


if __name__ == "__main__":
    main()
