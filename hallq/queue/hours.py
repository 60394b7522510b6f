"""When a hall is open: opening sessions on working days of the Chinese
official calendar (with make-up workdays), in the hall's time zone."""
from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

from hallq.queue.settings import Hours

log = logging.getLogger(__name__)


@lru_cache(maxsize=4096)
def official_workday(day: dt.date) -> bool:
    """A working day by the State Council's calendar; weekdays where it has no data yet."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        log.warning("no official calendar for %s; assuming Monday to Friday (add holidays/workdays to the hall file)", day.year)
        return day.weekday() < 5


class HallHours:
    def __init__(self, hours: Hours, timezone: str):
        self.hours = hours
        self.tz = ZoneInfo(timezone)
        self._holidays = frozenset(hours.holidays)
        self._workdays = frozenset(hours.workdays)

    def local_day(self, now: dt.datetime) -> dt.date:
        return now.astimezone(self.tz).date()

    def is_workday(self, day: dt.date) -> bool:
        if day in self._holidays:
            return False
        if day in self._workdays:
            return True
        return official_workday(day)

    def sessions_on(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """Opening sessions of a day as aware datetimes (empty when closed)."""
        if self.hours.always_open:
            start = dt.datetime.combine(day, dt.time(0), self.tz)
            return [(start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), self.tz))]
        if not self.is_workday(day):
            return []
        return [(dt.datetime.combine(day, a, self.tz), dt.datetime.combine(day, b, self.tz))
                for a, b in self.hours.sessions]

    def is_open(self, now: dt.datetime) -> bool:
        return any(a <= now < b for a, b in self.sessions_on(self.local_day(now)))

    def closing_time(self, day: dt.date) -> dt.datetime | None:
        """When the day's last session ends; None on a closed day."""
        sessions = self.sessions_on(day)
        return sessions[-1][1] if sessions else None

    def minutes_to_close(self, now: dt.datetime) -> float | None:
        """Minutes until the day's closing, or None where the hall never closes."""
        if self.hours.always_open:
            return None
        close = self.closing_time(self.local_day(now))
        return None if close is None else (close - now).total_seconds() / 60

    def add_working_days(self, day: dt.date, n: int) -> dt.date:
        """The date n working days after `day` (a promised case's due date)."""
        while n > 0:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                n -= 1
        return day
