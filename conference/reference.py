import re

_PATTERN = re.compile(r"^EK-(\d{4})-(\d{4,})$")


def format_reference(year: int, number: int) -> str:
    """The number a family quotes on the phone: EK-2026-0007."""
    return f"EK-{year:04d}-{number:04d}"


def parse_reference(text: str) -> tuple[int, int] | None:
    match = _PATTERN.match(text.strip().upper())
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2))
