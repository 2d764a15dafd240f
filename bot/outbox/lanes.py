"""The sender's lanes: one per chat, holding that chat's jobs (deliveries, and the progress
message of a batch reported there) in the order they go; the lanes that have work take turns,
each when its chat may have its next message."""

from __future__ import annotations

import asyncio
import heapq
import math
from collections import deque
from dataclasses import dataclass, field

from bot.pace import Pace
from conference.model.outbox import Claimed


@dataclass(eq=False)
class Delivery:
    """A claimed delivery in the sender's hands: `done` parts of it sent, with their ids."""

    claimed: Claimed
    done: int
    message_ids: list[int]
    attempts: int = 0  # failed tries of its next part (5xx, network)
    started: bool = False

    @property
    def batch_id(self) -> int:
        return self.claimed.batch_id


@dataclass(eq=False)
class ProgressUpdate:
    """A batch's progress message to send or edit; `final`: the report it becomes."""

    batch_id: int
    final: bool = False
    attempts: int = 0
    started: bool = False


Job = Delivery | ProgressUpdate


@dataclass(eq=False)
class Lane:
    chat: int
    jobs: deque[Job] = field(default_factory=deque)
    ready_at: float = -math.inf
    busy: bool = False  # its request is in flight
    queued: bool = False  # in the ready heap
    blocked: bool = False  # a 403 in this chat: the rest of its deliveries stay unsent


class Lanes:
    """Every chat's lane, and the ready ones in a heap by when each may go (first come first
    among equals). A lane that becomes ready sets `changed`: the dispatcher looks again."""

    def __init__(self, changed: asyncio.Event) -> None:
        self.changed = changed
        self._lanes: dict[int, Lane] = {}
        self._ready: list[tuple[float, int, int]] = []
        self._seq = 0

    def of(self, chat: int) -> Lane:
        """The chat's lane (a new one if it had none)."""
        lane = self._lanes.get(chat)
        if lane is None:
            lane = self._lanes[chat] = Lane(chat)
        return lane

    def schedule(self, lane: Lane) -> None:
        """The lane takes its turn when it may; one with nothing left to do goes away."""
        if lane.busy or lane.queued:
            return
        if not lane.jobs:
            del self._lanes[lane.chat]
            return
        lane.queued = True
        heapq.heappush(self._ready, (lane.ready_at, self._next_seq(), lane.chat))
        self.changed.set()

    def next(self, pace: Pace) -> Lane | None:
        """The lane whose turn is next (it stays in the heap until `take`)."""
        while self._ready:
            at, _seq, chat = self._ready[0]
            lane = self._lanes.get(chat)
            if lane is None or not lane.queued:
                heapq.heappop(self._ready)
                continue
            later = max(lane.ready_at, pace.chat_free_at(chat))
            if later > at:  # the bot wrote to this chat meanwhile: take its turn later
                heapq.heapreplace(self._ready, (later, self._next_seq(), chat))
                continue
            return lane
        return None

    def take(self, lane: Lane) -> None:
        """The lane `next` returned has its turn: out of the heap."""
        heapq.heappop(self._ready)
        lane.queued = False

    def empty(self) -> list[Delivery]:
        """Take every lane away; returns the deliveries they still held."""
        held = [
            job for lane in self._lanes.values() for job in lane.jobs if isinstance(job, Delivery)
        ]
        self._lanes.clear()
        self._ready.clear()
        return held

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq
