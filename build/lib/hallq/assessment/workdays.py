"""Counting working days between two dates on the hall's calendar.

`hallq.queue.hours.HallHours` knows which days are working days (the
official calendar with make-up workdays, plus the hall's own holidays) and
can add working days; the assessment also needs to count them.
"""
from __future__ import annotations

import datetime as dt
from typing import Protocol


class WorkCalendar(Protocol):
    def is_workday(self, day: dt.date) -> bool: ...


def working_days_after(calendar: WorkCalendar, after: dt.date, through: dt.date) -> int:
    """Working days d with after < d <= through (0 when through <= after).

    This is "days late" for a case due on `after` and finished on `through`,
    and the working days a case used when accepted on `after`.
    """
    count = 0
    day = after + dt.timedelta(days=1)
    while day <= through:
        if calendar.is_workday(day):
            count += 1
        day += dt.timedelta(days=1)
    return count
