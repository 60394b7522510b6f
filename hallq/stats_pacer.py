"""`queue.stats` paced: each item's latest figures, a moment after the news.

Every issue, call and finish changes how many wait for an item, and each used
to send a `queue.stats` to every screen right behind its `ticket.called`. A
server sends one message to one screen at a time, so those statistics made the
call itself reach the last screen later; and a busy kiosk line would send one
per ticket when a screen can show only the latest. So the statistics of an
item wait PACE_S after the first change, and only the latest of that moment
goes out: a call reaches every screen first, the counts follow unnoticed.

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
    def __init__(self, emit: Callable[[Event], None], pace_s: float = PACE_S):
        self._emit = emit
        self._pace_s = pace_s
        self._pending: dict[tuple[int, str | None], Event] = {}
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def add(self, event: Event) -> None:
        """Send `event` soon, unless a newer one for the same item comes first."""
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
        for event in pending.values():
            try:
                self._emit(event)
            except Exception:  # a lost push is healed by snapshots; the next ones still go
                log.exception("sending %s failed", event.name)
