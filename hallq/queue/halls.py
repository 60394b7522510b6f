"""A hall with its parsed settings and calendar, as the engine uses it."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallq.queue.errors import NotFound
from hallq.queue.hours import HallHours
from hallq.queue.models import Hall, Window
from hallq.queue.settings import HallSettings


@dataclass(frozen=True)
class HallContext:
    hall: Hall
    settings: HallSettings
    hours: HallHours

    @property
    def id(self) -> int:
        return self.hall.id

    def why_not_issuing(self, now: dt.datetime) -> str | None:
        """Why no ticket can be issued now ('hall_closed', 'closing_soon'), or None."""
        if not self.hours.is_open(now):
            return "hall_closed"
        left = self.hours.minutes_to_close(now)
        if left is not None and left < self.settings.closing_buffer_minutes:
            return "closing_soon"
        return None


@lru_cache(maxsize=64)
def _parsed(settings_json: str, timezone: str) -> tuple[HallSettings, HallHours]:
    # Parsing settings and building the calendar on every request would cost
    # more than the queries; halls change their settings rarely.
    settings = HallSettings.model_validate_json(settings_json)
    return settings, HallHours(settings.hours, timezone)


def hall_context(session: Session, hall_id: int) -> HallContext:
    hall = session.get(Hall, hall_id)
    if hall is None:
        raise NotFound("hall_unknown", hall=hall_id)
    settings, hours = _parsed(json.dumps(hall.settings, sort_keys=True), hall.timezone)
    return HallContext(hall, settings, hours)


def find_window(session: Session, hall_id: int, number: int, *, lock: bool = False) -> Window:
    """An active window by number; `lock` serialises actions on it (PostgreSQL row lock)."""
    query = select(Window).where(Window.hall_id == hall_id, Window.number == number, Window.active.is_(True))
    if lock:
        query = query.with_for_update()
    window = session.scalar(query)
    if window is None:
        raise NotFound("window_unknown", window=number)
    return window
