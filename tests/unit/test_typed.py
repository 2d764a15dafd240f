"""What a person types loses the invisible characters that steer how a message is shown, and
keeps what languages need."""

from __future__ import annotations

import pytest

from conference.typed import plain


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Wim\u202e (8)", "Wim (8)"),  # a right-to-left override left open
        ("\u2066Edith\u2069 \u202aX\u202c", "Edith X"),  # isolates, an embedding
        ("Her\u200bman\ufeff\u2060", "Herman"),  # zero-width space, BOM, word joiner
        ("a\x00b\x07c\x1bd\x7fe\x85f", "abcdef"),  # C0, DEL, C1 controls
        ("regel 1\u2028regel 2\u2029", "regel 1\nregel 2\n"),
        ("tab\there\r\nnext", "tab\there\r\nnext"),  # what text needs stays
        ("می\u200cخواهم", "می\u200cخواهم"),  # Persian needs the zero-width non-joiner
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # emoji sequences need the joiner
        ("\u200fمرحبا\u200e", "\u200fمرحبا\u200e"),  # plain direction marks open nothing
    ],
)
def test_plain_drops_what_steers_and_keeps_what_languages_need(typed: str, kept: str):
    assert plain(typed) == kept
