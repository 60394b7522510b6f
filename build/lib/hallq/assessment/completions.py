"""Promised cases (承诺件) waiting for their completion to be entered (办结登记).

The queue knows when a case was accepted and when it is due; the back office
finishes it later, and a supervisor (or the window) enters the day. Until then
the case is open and its days late grow (gather.py reads it the same way).

    rows = open_cases(session, ctx, 2025, 10, today)
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from hallq.assessment.gather import CASE_LOOKBACK_DAYS, month_span
from hallq.assessment.models import CaseCompletion
from hallq.assessment.workdays import working_days_after
from hallq.queue.halls import HallContext
from hallq.queue.models import Item, Ticket, TicketEvent, Window


def open_cases(s: Session, ctx: HallContext, year: int, month: int, today: dt.date) -> list[dict[str, Any]]:
    """Cases accepted by the month's end and not yet completed, most days late first.

    `days_late` counts to today, or to the month's end for a past month (what the
    month's scorecards deduct).
    """
    span = month_span(ctx, year, month)
    through = min(today, span.last_day)
    rows = s.execute(
        select(Ticket.id, Ticket.number, Ticket.day, Ticket.due_date, Item.name, Window.number, TicketEvent.at)
        .join(Item, Item.id == Ticket.item_id)
        .join(TicketEvent, and_(TicketEvent.ticket_id == Ticket.id, TicketEvent.kind == "finished"))
        .join(Window, Window.id == TicketEvent.window_id)
        .outerjoin(CaseCompletion, CaseCompletion.ticket_id == Ticket.id)
        .where(Ticket.hall_id == ctx.id, Ticket.outcome == "promised", Ticket.due_date.is_not(None),
               Ticket.day >= span.first_day - dt.timedelta(days=CASE_LOOKBACK_DAYS), Ticket.day <= span.last_day,
               CaseCompletion.id.is_(None))
        .order_by(TicketEvent.id)).all()
    cases: dict[int, dict[str, Any]] = {}
    for tid, number, day, due, item, window, at in rows:
        accepted = ctx.hours.local_day(at)
        # The last finish is the one that accepted the case (earlier legs went elsewhere).
        cases[tid] = {"ticket": tid, "number": number, "issued_on": day, "item": item, "window": window,
                      "accepted_on": accepted, "due_on": due,
                      "days_late": working_days_after(ctx.hours, due, through) if through > due else 0}
    return sorted(cases.values(), key=lambda c: (-c["days_late"], c["due_on"], c["ticket"]))


def entered_in(s: Session, ctx: HallContext, year: int, month: int) -> list[dict[str, Any]]:
    """Completions dated in the month, as entered."""
    span = month_span(ctx, year, month)
    rows = s.execute(
        select(CaseCompletion, Ticket.number, Ticket.due_date)
        .join(Ticket, Ticket.id == CaseCompletion.ticket_id)
        .where(CaseCompletion.hall_id == ctx.id, CaseCompletion.completed_on >= span.first_day,
               CaseCompletion.completed_on <= span.last_day)
        .order_by(CaseCompletion.completed_on, CaseCompletion.id)).all()
    return [{"ticket": c.ticket_id, "number": number, "due_on": due, "completed_on": c.completed_on,
             "note": c.note, "entered_by": c.entered_by,
             "days_late": working_days_after(ctx.hours, due, c.completed_on) if due and c.completed_on > due else 0}
            for c, number, due in rows]
