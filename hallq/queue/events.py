"""Domain events: what the engine tells the world once a transaction commits.

Every event's name is here, whichever component raises it; the server's rooms
(hallq.server.realtime) and hub route by these names. What the server and the
device agent say to each other is hallq.protocol's.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hallq import protocol

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
RATING_RECEIVED = "rating.received"
DEVICE_STATUS = protocol.DEVICE_STATUS  # a device's changed state: the agent's report, passed on as news
# Our own beside API.md's (docs/realtime-rooms.md).
FOLLOWUP_OPENED = "followup.opened"  # a bad review's follow-up case
FOLLOWUP_UPDATED = "followup.updated"
KIOSK_HELP = "kiosk.help"  # a citizen asked for help at a kiosk: the duty screen alone
ALERT_RAISED = "alert.raised"  # the duty manager's alerts (hallq.queue.alerts): the supervisors' room alone
ALERT_ACKNOWLEDGED = "alert.acknowledged"
ALERT_ENDED = "alert.ended"
HELP_ACKNOWLEDGED = "kiosk.help.acknowledged"  # someone is coming: to the kiosk that called, alone
PRINT_REQUESTED = "print.requested"  # for the hub only: carries the job to the printer's agent
PRINT_RESULT = "print.result"  # news for the kiosk and the duty manager
# What the hall posts changed (an admin's edit of the hall, a window or a staff member; a month
# published): its public screens take a fresh snapshot. Carries only what changed, no data.
HALL_INFO = "hall.info"


@dataclass(frozen=True)
class Event:
    name: str
    hall_id: int
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def window(self) -> int | None:
        return self.payload.get("window")
