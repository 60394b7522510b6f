"""`queue.stats` paced: each item's latest figures, a moment after the news.

Every issue, call and finish changes how many wait for an item, and each used
to send a `queue.stats` to every screen right behind its `ticket.called`. A
server sends one message to one screen at a time, so those statistics made the
call itself reach the last screen later; and a busy kiosk line would send one
per ticket when a screen can show only the latest. So the engine only marks an
item's queue as changed; PACE_S after the first mark, the marked items are
measured once (`measure`, which reads the database as it is then) and their
figures go out: a call reaches every screen first, the counts follow unnoticed,
and a hundred tickets in that moment cost one count, not a hundred.

Pacing is per process; with several server processes each paces its own.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from hallq.queue.events import Event

log = logging.getLogger(__name__)

PACE_S = 0.1


class StatsPacer:
    def __init__(self, measure: Callable[[list[Event]], list[Event]], emit: Callable[[Event], None],
                 pace_s: float = PACE_S):
        """`measure` turns the marks of changed items into their figures; `emit` sends one."""
        self._measure = measure
        self._emit = emit
        self._pace_s = pace_s
        self._pending: dict[tuple[int, str | None], Event] = {}
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def add(self, event: Event) -> None:
        """Mark `event`'s item (hall and service) as changed: its figures go out soon."""
        with self._lock:
            self._pending[(event.hall_id, event.payload.get("service"))] = event
            if self._timer is None:
                # A timer per paced moment rather than a thread forever: apps made
                # and dropped (tests, reloads) leave nothing behind.
                self._timer = threading.Timer(self._pace_s, self.flush)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> None:
        """Send what is pending now (the timer does; so may a caller that cannot wait)."""
        with self._lock:
            pending, self._pending, self._timer = self._pending, {}, None
        if not pending:
            return
        try:
            figures = self._measure(list(pending.values()))
        except Exception:  # a missed moment is healed by the next change and by snapshots
            log.exception("measuring the queues of %d items failed", len(pending))
            return
        for event in figures:
            try:
                self._emit(event)
            except Exception:  # a lost push is healed by snapshots; the next ones still go
                log.exception("sending %s failed", event.name)
