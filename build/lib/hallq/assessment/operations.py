"""How the hall ran in a month (每月运行情况): volumes, waits, outcomes, satisfaction
trend, bad-review follow-up. The figures behind the supervisors' charts and the
monthly bulletin; a few aggregate queries, the rest counted in Python.

Waiting time (DOMAIN.md) = the first call minus the issue time, for tickets
issued in the month that were called.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from hallq.assessment.gather import month_span
from hallq.evaluator.choices import SATISFIED
from hallq.evaluator.models import FollowUp, Rating
from hallq.queue.halls import HallContext
from hallq.queue.models import Ticket, TicketEvent

# Minutes; the 15- and 30-minute marks are where halls promise waits end.
WAIT_EDGES = (0, 5, 10, 15, 20, 30, 45, 60)
MARKS = (15, 30)
OUTCOME_NAMES = {"immediate": "即办件", "promised": "承诺件", "joint": "联办件", "supplement": "补办件",
                 "forwarded": "上报件", "rejected": "答复件"}


def wait_buckets() -> list[str]:
    labels = [f"{a}–{b}" for a, b in zip(WAIT_EDGES, WAIT_EDGES[1:])]
    return labels + [f"{WAIT_EDGES[-1]}+"]


def _bucket(minutes: float) -> int:
    for i, edge in enumerate(WAIT_EDGES[1:]):
        if minutes < edge:
            return i
    return len(WAIT_EDGES) - 1


def _shift(year: int, month: int, by: int) -> tuple[int, int]:
    n = year * 12 + (month - 1) + by
    return n // 12, n % 12 + 1


def month_operations(s: Session, ctx: HallContext, year: int, month: int, now: dt.datetime,
                     trend_months: int = 12) -> dict[str, Any]:
    span = month_span(ctx, year, month)
    tz = ctx.hours.tz
    issued = s.execute(select(Ticket.id, Ticket.issued_at, Ticket.status, Ticket.outcome, Ticket.priority)
                       .where(Ticket.hall_id == ctx.id, Ticket.issued_at >= span.start,
                              Ticket.issued_at < span.end)).all()
    # A ticket is called the day it was issued; a day's margin is plenty.
    first_calls = dict(s.execute(
        select(TicketEvent.ticket_id, func.min(TicketEvent.at))
        .where(TicketEvent.hall_id == ctx.id, TicketEvent.kind == "called", TicketEvent.at >= span.start,
               TicketEvent.at < span.end + dt.timedelta(days=1))
        .group_by(TicketEvent.ticket_id)).all())
    by_hour = Counter()
    waits = [0] * (len(WAIT_EDGES))
    wait_minutes: list[float] = []
    outcomes = Counter()
    priorities = Counter()
    finished = 0
    for tid, at, status, outcome, priority in issued:
        by_hour[at.astimezone(tz).hour] += 1
        priorities[priority] += 1
        if status == "finished":
            finished += 1
            if outcome:
                outcomes[outcome] += 1
        called = first_calls.get(tid)
        if called is not None:
            minutes = (called - at).total_seconds() / 60
            wait_minutes.append(minutes)
            waits[_bucket(minutes)] += 1
    hours = sorted(by_hour) or [9]
    first_hour, last_hour = min(hours[0], 8), max(hours[-1], 18)
    called = len(wait_minutes)
    over = {m: sum(1 for w in wait_minutes if w > m) for m in MARKS}

    trend = []
    for back in range(trend_months - 1, -1, -1):
        y, m = _shift(year, month, -back)
        sp = month_span(ctx, y, m)
        total, satisfied = s.execute(
            select(func.count(Rating.id), func.sum(case((Rating.level >= SATISFIED, 1), else_=0)))
            .where(Rating.hall_id == ctx.id, Rating.counted.is_(True), Rating.requested_at >= sp.start,
                   Rating.requested_at < sp.end)).one()
        trend.append({"month": f"{y:04d}-{m:02d}", "ratings": total or 0,
                      "rate": (satisfied or 0) / total if total else None})

    cases = s.execute(select(FollowUp.status, FollowUp.due_date, FollowUp.closed_at)
                      .where(FollowUp.hall_id == ctx.id, FollowUp.opened_at >= span.start,
                             FollowUp.opened_at < span.end)).all()
    today = ctx.hours.local_day(now)
    followups = {"opened": len(cases), "closed": sum(1 for c in cases if c.status == "closed"),
                 "withdrawn": sum(1 for c in cases if c.status == "withdrawn"),
                 "open": sum(1 for c in cases if c.status == "open"),
                 "overdue": sum(1 for c in cases if c.status == "open" and c.due_date < today),
                 "closed_late": sum(1 for c in cases if c.status == "closed" and c.closed_at is not None
                                    and ctx.hours.local_day(c.closed_at) > c.due_date)}
    return {
        "month": f"{year:04d}-{month:02d}",
        "issued": len(issued), "finished": finished, "called": called,
        "priorities": dict(priorities),
        "outcomes": [{"outcome": k, "name": OUTCOME_NAMES.get(k, k), "count": outcomes[k]}
                     for k in OUTCOME_NAMES if outcomes.get(k)],
        "wait": {
            "buckets": wait_buckets(), "counts": waits, "marks": list(MARKS),
            "average_min": round(sum(wait_minutes) / called, 1) if called else None,
            "over_15": over[15], "over_30": over[30],
            "share_over_15": over[15] / called if called else None,
            "share_over_30": over[30] / called if called else None,
        },
        "by_hour": {"hours": list(range(first_hour, last_hour + 1)),
                    "counts": [by_hour.get(h, 0) for h in range(first_hour, last_hour + 1)]},
        "satisfaction_trend": trend,
        "followups": followups,
    }
