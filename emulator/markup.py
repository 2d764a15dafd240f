"""Telegram's HTML parse_mode, re-implemented after tdlib's parser (same error wording)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ALLOWED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
        "tg-spoiler", "tg-emoji", "code", "pre", "blockquote",
    }
)  # fmt: skip
SIMPLE_TYPES = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "tg-spoiler": "spoiler", "span": "spoiler",
}  # fmt: skip
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]+)|#[xX]([0-9a-fA-F]+));")
UNQUOTED_VALUE_RE = re.compile(r"[A-Za-z0-9.\-]*")


class HtmlError(ValueError):
    pass


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    match = ENTITY_RE.match(text, pos)
    if not match:
        return None
    named, dec, hexa = match.groups()
    if named:
        return NAMED_ENTITIES[named], match.end()
    code = int(dec) if dec else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


@dataclass
class _Open:
    name: str
    argument: str | None
    utf16_start: int
    out_start: int  # index into the output chunks, to recover a link's own text


class _Parser:
    def __init__(self, text: str, strict_ampersand: bool):
        self.src = text
        self.strict_ampersand = strict_ampersand
        self.pos = 0
        self.out: list[str] = []
        self.utf16 = 0
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def fail(self, reason: str, at: int, detail: str = "") -> HtmlError:
        return HtmlError(f"{reason} at byte offset {len(self.src[:at].encode())}{detail}")

    def emit(self, chunk: str) -> None:
        self.out.append(chunk)
        self.utf16 += utf16_len(chunk)

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        src = self.src
        while self.pos < len(src):
            ch = src[self.pos]
            if ch == "&":
                decoded = decode_entity(src, self.pos)
                if decoded:
                    self.emit(decoded[0])
                    self.pos = decoded[1]
                    continue
                if self.strict_ampersand:
                    # Real Telegram keeps such "&" literally; strict mode flags unescaped input.
                    raise self.fail('Character "&" must be escaped as "&amp;"', self.pos)
            if ch != "<":
                self.emit(ch)
                self.pos += 1
                continue
            if self.pos + 1 < len(src) and src[self.pos + 1] == "/":
                self.end_tag()
            else:
                self.start_tag()
        if self.stack:
            name = self.stack[-1].name
            raise HtmlError(f'Can\'t find end tag corresponding to start tag "{name}"')
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def skip_space(self) -> None:
        while self.pos < len(self.src) and self.src[self.pos].isspace():
            self.pos += 1

    def start_tag(self) -> None:
        src, begin = self.src, self.pos
        self.pos += 1
        while self.pos < len(src) and not src[self.pos].isspace() and src[self.pos] != ">":
            self.pos += 1
        if self.pos >= len(src):
            raise self.fail("Unclosed start tag", begin)
        name = src[begin + 1 : self.pos].lower()
        if name not in ALLOWED_TAGS:
            raise self.fail(f'Unsupported start tag "{name}"', begin)
        argument: str | None = None
        while True:
            self.skip_space()
            if self.pos >= len(src):
                raise self.fail(f'Unclosed start tag "{name}"', begin)
            if src[self.pos] == ">":
                break
            attr, value = self.attribute(name, begin)
            if name == "a" and attr == "href":
                argument = value
            elif name == "code" and attr == "class" and value.startswith("language-"):
                argument = value[len("language-") :]
            elif name == "span" and attr == "class":
                argument = value
            elif name == "tg-emoji" and attr == "emoji-id":
                argument = value
            elif name == "blockquote" and attr == "expandable":
                argument = "expandable"
        self.pos += 1
        if name == "span" and argument != "tg-spoiler":
            raise self.fail('Tag "span" must have class "tg-spoiler"', begin)
        self.stack.append(_Open(name, argument, self.utf16, len(self.out)))

    def attribute(self, tag: str, begin: int) -> tuple[str, str]:
        src, start = self.src, self.pos
        stop = "=>/\"'"
        while self.pos < len(src) and not src[self.pos].isspace() and src[self.pos] not in stop:
            self.pos += 1
        attr = src[start : self.pos].lower()
        if not attr:
            raise self.fail(f'Empty attribute name in the tag "{tag}"', begin)
        self.skip_space()
        if self.pos >= len(src):
            raise self.fail(f'Unclosed start tag "{tag}"', begin)
        if src[self.pos] != "=":
            return attr, ""
        self.pos += 1
        self.skip_space()
        if self.pos >= len(src):
            raise self.fail(f'Unclosed start tag "{tag}"', begin)
        quote = src[self.pos]
        if quote not in "\"'":
            match = UNQUOTED_VALUE_RE.match(src, self.pos)
            assert match is not None
            self.pos = match.end()
            if self.pos >= len(src) or not (src[self.pos].isspace() or src[self.pos] == ">"):
                raise self.fail("Unexpected end of name token", match.start())
            return attr, match.group().lower()
        self.pos += 1
        value: list[str] = []
        while self.pos < len(src) and src[self.pos] != quote:
            decoded = decode_entity(src, self.pos) if src[self.pos] == "&" else None
            if decoded:
                value.append(decoded[0])
                self.pos = decoded[1]
            else:
                value.append(src[self.pos])
                self.pos += 1
        if self.pos >= len(src):
            raise self.fail("Unclosed start tag", begin)
        self.pos += 1
        return attr, "".join(value)

    def end_tag(self) -> None:
        src, begin = self.src, self.pos
        if not self.stack:
            raise self.fail("Unexpected end tag", begin)
        self.pos += 2
        while self.pos < len(src) and not src[self.pos].isspace() and src[self.pos] != ">":
            self.pos += 1
        found = src[begin + 2 : self.pos].lower()
        self.skip_space()
        if self.pos >= len(src) or src[self.pos] != ">":
            raise self.fail("Unclosed end tag", begin)
        self.pos += 1
        top = self.stack.pop()
        if found and found != top.name:
            detail = f', expected "</{top.name}>", found "</{found}>"'
            raise self.fail("Unmatched end tag", begin, detail)
        self.close(top)

    def close(self, tag: _Open) -> None:
        length = self.utf16 - tag.utf16_start
        if length <= 0:
            return
        entity: dict[str, Any] = {"offset": tag.utf16_start, "length": length}
        if tag.name in SIMPLE_TYPES:
            entity["type"] = SIMPLE_TYPES[tag.name]
        elif tag.name == "a":
            url = tag.argument
            if url is None:
                url = "".join(self.out[tag.out_start :])
            entity.update(type="text_link", url=url)
        elif tag.name == "tg-emoji":
            if not (tag.argument or "").isdigit():
                raise HtmlError("Invalid custom emoji identifier specified")
            entity.update(type="custom_emoji", custom_emoji_id=tag.argument)
        elif tag.name == "blockquote":
            entity["type"] = "expandable_blockquote" if tag.argument else "blockquote"
        elif tag.name == "code":
            entity["type"] = "code"
            if tag.argument:
                entity["language"] = tag.argument
        else:  # pre: swallow an inner <code class="language-x"> covering the same span
            entity["type"] = "pre"
            last = self.entities[-1] if self.entities else None
            if last and last["type"] == "code" and last["offset"] == tag.utf16_start:
                if last["length"] == length:
                    self.entities.pop()
                    if "language" in last:
                        entity["language"] = last["language"]
        self.entities.append(entity)


def parse_html(text: str, strict_ampersand: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Return (visible text, entities) or raise HtmlError with Telegram's reason."""
    return _Parser(text, strict_ampersand).run()


def strip_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Telegram trims surrounding whitespace; keep entity offsets (UTF-16) consistent."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    limit = utf16_len(stripped)
    result = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, limit)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result
