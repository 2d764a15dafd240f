"""Text longer than one Telegram message (4,096 characters), as several messages.

A plan of 30 agreements in the family's own words easily runs past the limit; cutting it off
would lose agreements, and a cut inside an HTML tag makes Telegram refuse the message. So a
long text is split where a reader would break it: between paragraphs, else between lines,
else between words, and only as a last resort inside a word. Formatting open at a cut
(<b>, <i>, ...) is closed before it and opened again after it, so every part is valid HTML.
Lengths are counted as Telegram counts them (UTF-16 code units), on the HTML source, which is
never shorter than what is shown."""

from __future__ import annotations

import re

LIMIT = 4000  # a little below Telegram's 4096, for what a caller appends to a part

_TOKEN = re.compile(r"(<[^>]*>|&[#a-zA-Z0-9]+;)")  # tags and entities are never cut
_OPEN = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)(?:\s[^>]*)?>")
_CLOSE = re.compile(r"</([a-zA-Z][a-zA-Z0-9-]*)\s*>")


def units(text: str) -> int:
    """Telegram's length: UTF-16 code units (an emoji beyond the BMP counts two)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def split_message(text: str, limit: int = LIMIT) -> list[str]:
    """`text` (Telegram HTML) as parts of at most `limit` units each, in order."""
    if units(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for block in _blocks(text, limit):
        joined = f"{current}\n{block}" if current else block
        if units(joined) <= limit:
            current = joined
            continue
        if current:
            parts.append(current)
        current = block
    if current:
        parts.append(current)
    return [part.strip("\n") for part in parts if part.strip()]


def _blocks(text: str, limit: int) -> list[str]:
    """Lines, with paragraph breaks kept as empty lines; a line too long alone is cut into
    pieces that fit."""
    blocks: list[str] = []
    for line in text.split("\n"):
        if units(line) <= limit:
            blocks.append(line)
        else:
            blocks.extend(_cut_line(line, limit))
    return blocks


def _cut_line(line: str, limit: int) -> list[str]:
    """One long line into pieces of at most `limit`, between words where possible, with
    open tags closed at each cut and reopened in the next piece."""
    tokens = [t for t in _TOKEN.split(line) if t]
    pieces: list[str] = []
    open_tags: list[tuple[str, str]] = []  # (name, the opening tag as written)
    current = ""

    def room() -> int:  # what the current piece may still take, leaving room to close
        closing = "".join(f"</{name}>" for name, _tag in open_tags)
        return limit - units(current) - units(closing)

    def cut() -> None:
        nonlocal current
        reopened = "".join(tag for _name, tag in open_tags)
        if current == reopened:  # nothing since the last cut (or the start)
            raise ValueError("formatting nested too deep to split")
        closing = "".join(f"</{name}>" for name, _tag in reversed(open_tags))
        pieces.append(current + closing)
        current = reopened

    for token in tokens:
        if token.startswith("<") or token.startswith("&"):
            if units(token) > room():
                cut()
            current += token
            if (closing := _CLOSE.fullmatch(token)) is not None:
                for i in range(len(open_tags) - 1, -1, -1):
                    if open_tags[i][0] == closing.group(1):
                        del open_tags[i]
                        break
            elif (opening := _OPEN.fullmatch(token)) is not None:
                open_tags.append((opening.group(1), token))
            continue
        while units(token) > room():
            head = _fit(token, max(room(), 0))
            if (at := head.rfind(" ")) > 0:
                head = head[: at + 1]  # between words
            current += head
            token = token[len(head) :]
            cut()
        current += token
    if current:
        pieces.append(current + "".join(f"</{name}>" for name, _tag in reversed(open_tags)))
    return pieces


def _fit(text: str, space: int) -> str:
    """The longest start of `text` within `space` units (never half a surrogate pair)."""
    used = 0
    for i, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > space:
            return text[:i]
    return text
