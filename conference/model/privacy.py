"""A person's rights over what kring holds about them: a copy of it (export) and its erasure.
What an erasure leaves behind, and what it counts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from conference.model.ids import ConferenceId, PersonId

# What stands where an erased person's name or words were (a conference keeps a place for
# them, so its counts stay right); one sign, the same in every language.
ERASED = "—"
# The person row that stands in as the applicant of a request whose applicant was erased
# (conference.applicant_id must name a person). Telegram ids are positive.
NOBODY = PersonId(0)


@dataclass(frozen=True)
class Erased:
    """What an erasure did, in counts only (what the log and the operator see)."""

    conferences: tuple[ConferenceId, ...] = ()  # where the person applied or was invited
    invitees: int = 0  # places in a circle anonymised
    removed: int = 0  # rows deleted: suggestions, proposals, conversations, raw updates
    messages: int = 0  # outbox texts emptied
    persons: int = 0  # person rows removed


def redact(text: str | None, words: Iterable[str]) -> str | None:
    """`text` with every whole-word occurrence of `words` (names, a phone number) replaced
    by ERASED; None stays None."""
    if not text:
        return text
    for word in sorted({w for w in words if w and w.strip()}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", ERASED, text)
    return text


def mentions(text: str, words: Iterable[str], passages: Iterable[str] = ()) -> bool:
    """Does `text` hold one of `words` as a whole word, or one of `passages` anywhere?"""
    return redact(text, words) != text or any(p and p in text for p in passages)


def is_pseudonym(person: PersonId) -> bool:
    """An erased person's id in the audit log: negative (see AuditLog.pseudonymise)."""
    return person < 0
