"""End of the day: tickets still waiting expire, windows left open sign out.

Run periodically by the server (and safe to run any number of times, from
any number of processes): it only touches rows that still need it.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from hallq.queue import events as ev
from hallq.queue.facts import record
from hallq.queue.halls import hall_context
from hallq.queue.models import Hall, Ticket, Window, WindowSession
from hallq.queue.sessions import end_if_left_open, end_session, serving_number
from hallq.queue.stats import queue_stats
from hallq.queue.unit_of_work import UnitOfWork

SYSTEM = "system:closing"
STALE = ("waiting", "held", "missed")


def close_day(uow: UnitOfWork, hall_id: int, now: dt.datetime) -> int:
    """Expire what the day left behind; returns how many tickets expired."""
    s = uow.session
    ctx = hall_context(s, hall_id)
    today = ctx.hours.local_day(now)
    close = ctx.hours.closing_time(today)
    closed = not ctx.hours.hours.always_open and (close is None or now >= close)
    # Today's leftovers once the hall has closed; earlier days' always.
    last_day = today if closed else today - dt.timedelta(days=1)
    stale = s.scalars(select(Ticket).where(
        Ticket.hall_id == hall_id, Ticket.day <= last_day,
        Ticket.status.in_(STALE + ("called",)),
    ).with_for_update(of=Ticket)).all()
    items = {}
    for ticket in stale:
        if ticket.status == "called" and ticket.day == today:
            continue  # still at the counter; it ends when the clerk finishes
        was = ticket.status
        ticket.status = "expired"
        window = s.get(Window, ticket.window_id) if ticket.window_id else None
        record(uow, ticket, "expired", now, SYSTEM, window=window, data={"was": was}, publish=ev.TICKET_EXPIRED)
        items[ticket.item_id] = ticket.item
    if items:
        queue_stats(uow, ctx, list(items.values()))

    sessions = s.execute(select(WindowSession, Window).join(Window, Window.id == WindowSession.window_id)
                         .where(Window.hall_id == hall_id, WindowSession.ended_at.is_(None))).all()
    for session, window in sessions:
        if end_if_left_open(uow, ctx.hours, window, session, now):
            continue
        if closed and serving_number(s, window) is None:
            end_session(uow, window, session, now, "hall_closed")
    return len([t for t in stale if t.status == "expired"])


def close_all_halls(uow: UnitOfWork, now: dt.datetime) -> int:
    return sum(close_day(uow, hall_id, now) for hall_id in uow.session.scalars(select(Hall.id)).all())
