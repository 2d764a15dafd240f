"""What a person types (a name, an answer, a broadcast), made safe to show to others. Invisible
characters that steer how the rest of a message is shown go: right-to-left overrides and
embeddings, isolates, zero-width spaces and joiners of words, byte order marks, and control
characters (a name with U+202E once turned every message it appeared in backwards). What a
language needs stays: line breaks and tabs, the zero-width non-joiner and joiner (Persian
words, emoji sequences) and the plain direction marks."""

from __future__ import annotations

import re

_INVISIBLE = re.compile(
    "["
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # control characters (C0 without \t \n \r, DEL, C1)
    "\u200b"  # zero-width space
    "\u202a-\u202e"  # embeddings and overrides (LRE, RLE, PDF, LRO, RLO)
    "\u2060-\u2064"  # word joiner and invisible operators
    "\u2066-\u2069"  # isolates (LRI, RLI, FSI, PDI)
    "\ufeff"  # byte order mark
    "\ufff9-\ufffb"  # interlinear annotations
    "]"
)


def plain(text: str) -> str:
    """The text without characters that change how the rest of a message is shown."""
    return _INVISIBLE.sub("", text.replace("\u2028", "\n").replace("\u2029", "\n"))
