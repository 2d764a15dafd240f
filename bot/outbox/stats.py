"""What the sender counted since it started (for benchmarks and tests; logs carry the same)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SenderStats:
    sent: int = 0  # messages (parts) Telegram accepted
    requests: int = 0
    marks: int = 0  # transactions that committed attempt marks (each before its requests left)
    marked: int = 0  # requests marked
    waiting: float = 0.0  # seconds requests were in flight, summed
    retried: int = 0  # 5xx and network errors retried
    blocked: int = 0
    failed: int = 0
    edits: int = 0
