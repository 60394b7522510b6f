"""A small hall for worked examples: windows, staff, full attendance on every
working day of a month, and helpers to add the month's events."""
from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from hallq.assessment.facts import (DepartmentInfo, MonthFacts, PauseSpan, PromisedCase, Rating, RepeatVisit,
                                    Service, SessionSpan, StaffInfo, SupervisorRecord, WindowInfo)
from hallq.queue.hours import HallHours
from hallq.queue.settings import Hours

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = HallHours(Hours(), "Asia/Shanghai")  # 9:00–12:00 and 14:00–18:00 on official working days
_ids = itertools.count(1)


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=SHANGHAI)


def small_hall(year: int, month: int, n: int = 5) -> MonthFacts:
    """Windows 1..n, department Dk and staff Sk at window k; each window is
    signed in 08:55–18:05 on every working day (nothing to deduct)."""
    facts = MonthFacts(year, month)
    for k in range(1, n + 1):
        facts.departments.append(DepartmentInfo(f"D{k}", f"部门{k}"))
        facts.windows.append(WindowInfo(k, f"{k}号窗口", f"D{k}"))
        facts.staff.append(StaffInfo(f"S{k}", f"工作人员{k}", f"D{k}", k))
    day = facts.first_day
    while day <= facts.last_day:
        if HOURS.is_workday(day):
            for k in range(1, n + 1):
                facts.sessions.append(SessionSpan(next(_ids), k, f"S{k}", at(day, 8, 55), at(day, 18, 5)))
        day += dt.timedelta(days=1)
    return facts


def session_of(facts: MonthFacts, window: int, day: dt.date) -> SessionSpan:
    return next(s for s in facts.sessions if s.window == window and s.started_at.date() == day)


def move_session(facts: MonthFacts, window: int, day: dt.date, start: dt.datetime | None = None,
                 end: dt.datetime | None = None) -> SessionSpan:
    """Sign in later or sign out earlier than the full day on that day."""
    old = session_of(facts, window, day)
    new = SessionSpan(old.id, old.window, old.staff, start or old.started_at, end or old.ended_at)
    facts.sessions[facts.sessions.index(old)] = new
    return new


def pause(facts: MonthFacts, window: int, day: dt.date, start: dt.datetime, end: dt.datetime, reason: str) -> PauseSpan:
    p = PauseSpan(next(_ids), session_of(facts, window, day).id, window, reason, start, end)
    facts.pauses.append(p)
    return p


def serve(facts: MonthFacts, window: int, count: int, day: dt.date) -> list[int]:
    tickets = []
    for _ in range(count):
        t = next(_ids)
        facts.services.append(Service(t, window, f"S{window}", at(day, 10), "immediate"))
        tickets.append(t)
    return tickets


def rate(facts: MonthFacts, window: int, levels: list[int], day: dt.date, counted: bool = True) -> list[Rating]:
    out = []
    for level in levels:
        r = Rating(next(_ids), next(_ids), window, f"S{window}", level, at(day, 11), counted)
        facts.ratings.append(r)
        out.append(r)
    return out


def case(facts: MonthFacts, window: int, promised: int, accepted: dt.date, finished: dt.date | None) -> PromisedCase:
    c = PromisedCase(next(_ids), window, f"S{window}", promised, accepted,
                     HOURS.add_working_days(accepted, promised), finished)
    facts.cases.append(c)
    return c


def record(facts: MonthFacts, item: str, *, window: int | None = None, staff: str | None = None,
           points: float | None = None, count: int = 1, kind: str = "inspection_finding") -> SupervisorRecord:
    r = SupervisorRecord(next(_ids), kind, item, f"{item} 督查记录", "督查股张三", at(facts.first_day, 9),
                         window=window, staff=staff, points=points, count=count)
    facts.records.append(r)
    return r


def repeat_visit(facts: MonthFacts, window: int, returns: int, notice: bool = False) -> RepeatVisit:
    v = RepeatVisit(next(_ids), tuple(next(_ids) for _ in range(returns)), window, f"S{window}", notice)
    facts.repeat_visits.append(v)
    return v
