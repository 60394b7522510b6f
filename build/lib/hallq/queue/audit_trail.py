"""The audit trail (操作记录) of one hall day: what staff did and what admins changed, from the facts.

Nothing is recorded twice for it: staff actions are the ticket events (calls, recalls, skips, holds,
transfers, finishes, notices…), window sessions (sign-in, sign-out) and pauses (pause, resume) the
engine writes anyway; admin changes are the audit log (hallq.queue.audit). One list, oldest first,
filterable by person, window and action. Personal data never appears: a ticket is named by its number,
and an event's own data (notes, missing materials) is left out.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import aliased

from hallq.queue.accounts import User
from hallq.queue.audit import AdminChange
from hallq.queue.models import Ticket, TicketEvent, Window, WindowPause, WindowSession
from hallq.queue.unit_of_work import UnitOfWork

HEADER = ("at", "person", "window", "action", "subject", "detail")
LIMIT = 5000  # a busy hall's day is a few thousand events


def trail(uow: UnitOfWork, hall_id: int, timezone: str, day: dt.date, *, person: str | None = None,
          window: int | None = None, action: str | None = None) -> list[dict]:
    s = uow.session
    zone = ZoneInfo(timezone)
    start = dt.datetime.combine(day, dt.time(0), zone).astimezone(dt.timezone.utc)
    end = start + dt.timedelta(days=1)
    rows: list[dict] = []

    def add(at, actor, window_number, what, subject="", detail=""):
        if start <= at < end:
            rows.append({"at": at, "person": actor, "window": window_number, "action": what,
                         "subject": subject, "detail": detail})

    for at, actor, number, kind, ticket in s.execute(
            select(TicketEvent.at, TicketEvent.actor, Window.number, TicketEvent.kind, Ticket.number)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id).outerjoin(Window, Window.id == TicketEvent.window_id)
            .where(TicketEvent.hall_id == hall_id, TicketEvent.at >= start, TicketEvent.at < end)
            .order_by(TicketEvent.id).limit(LIMIT)):
        add(at, actor, number, kind, ticket)
    for started, ended, reason, number, username in s.execute(
            select(WindowSession.started_at, WindowSession.ended_at, WindowSession.end_reason, Window.number,
                   User.username)
            .join(Window, Window.id == WindowSession.window_id).join(User, User.id == WindowSession.user_id)
            .where(Window.hall_id == hall_id, WindowSession.started_at < end,
                   (WindowSession.ended_at.is_(None)) | (WindowSession.ended_at >= start)).limit(LIMIT)):
        add(started, f"user:{username}", number, "sign_in")
        if ended is not None:
            add(ended, f"user:{username}", number, "sign_out", detail=reason or "")
    sessions = aliased(WindowSession)
    for started, ended, reason, number, username in s.execute(
            select(WindowPause.started_at, WindowPause.ended_at, WindowPause.reason, Window.number, User.username)
            .join(Window, Window.id == WindowPause.window_id).join(sessions, sessions.id == WindowPause.session_id)
            .join(User, User.id == sessions.user_id)
            .where(Window.hall_id == hall_id, WindowPause.started_at < end,
                   (WindowPause.ended_at.is_(None)) | (WindowPause.ended_at >= start)).limit(LIMIT)):
        add(started, f"user:{username}", number, "pause", detail=reason)
        if ended is not None:
            add(ended, f"user:{username}", number, "resume")
    for change in s.scalars(select(AdminChange).where(AdminChange.hall_id == hall_id, AdminChange.at >= start,
                                                      AdminChange.at < end).limit(LIMIT)):
        add(change.at, change.actor, int(change.key) if change.entity == "window" else None,
            f"{change.entity}.{change.action}", change.key)
    if person:
        rows = [r for r in rows if r["person"] in (person, f"user:{person}")]
    if window is not None:
        rows = [r for r in rows if r["window"] == window]
    if action:
        rows = [r for r in rows if r["action"] == action or r["action"].startswith(action + ".")]
    rows.sort(key=lambda r: r["at"])
    return [{**r, "at": r["at"].astimezone(zone).isoformat()} for r in rows]
