"""Domain events: what the engine tells the world once a transaction commits."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The names of API.md's real-time interface.
TICKET_ISSUED = "ticket.issued"
TICKET_CALLED = "ticket.called"
TICKET_RECALLED = "ticket.recalled"
TICKET_SKIPPED = "ticket.skipped"
TICKET_HELD = "ticket.held"
TICKET_REQUEUED = "ticket.requeued"
TICKET_TRANSFERRED = "ticket.transferred"
TICKET_FINISHED = "ticket.finished"
TICKET_EXPIRED = "ticket.expired"
WINDOW_STATUS = "window.status"
QUEUE_STATS = "queue.stats"
RATING_REQUESTED = "rating.requested"


@dataclass(frozen=True)
class Event:
    name: str
    hall_id: int
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def window(self) -> int | None:
        return self.payload.get("window")
