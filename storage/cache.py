"""What one kring process remembers between updates, so the hot path reads no rows.

Safe because exactly one process serves a bot's updates (Telegram answers a second poller with
409 Conflict) and only that process writes these rows. The database stays the truth: the cache
is filled from it on first use after a start, and changed only after a commit succeeded."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field

from conference.model import Person

RECENT_UPDATES = 10_000


@dataclass
class ProcessCache:
    conversations: dict[str, tuple[str | None, str]] = field(default_factory=dict)  # JSON data
    persons: dict[int, Person] = field(default_factory=dict)
    # The highest update id handled before this process began (None: not read yet).
    high_water: int | None = None
    recent_updates: set[int] = field(default_factory=set)
    _recent_order: deque[int] = field(default_factory=deque)
    _forgotten_max: int = 0
    # set after a commit that queued outbound messages: wakes the outbound sender
    outbox_queued: asyncio.Event = field(default_factory=asyncio.Event)
    outbox_last_batch: int = 0  # the highest batch id handed out (0: not read yet)

    def remember_update(self, update_id: int) -> None:
        self.recent_updates.add(update_id)
        self._recent_order.append(update_id)
        if len(self._recent_order) > RECENT_UPDATES:
            forgotten = self._recent_order.popleft()
            self.recent_updates.discard(forgotten)
            self._forgotten_max = max(self._forgotten_max, forgotten)

    def update_seen(self, update_id: int) -> bool | None:
        """True or False when memory knows; None when only the database can tell."""
        if update_id in self.recent_updates:
            return True
        if self.high_water is not None and update_id > max(self.high_water,
                                                            self._forgotten_max):
            return False
        return None
