"""Read models: what the API and the real-time snapshots show.

Plain dicts shaped as API.md names them. Personal data never leaves here
whole: tickets carry the masked ID and phone at most.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hallq.queue.estimates import ItemLoad, item_loads
from hallq.queue.facts import iso
from hallq.queue.halls import HallContext
from hallq.queue.models import Item, Staff, Ticket, TicketEvent, Window, WindowItem, WindowPause, WindowSession
from hallq.queue.ordering import ahead_of


def window_numbers_by_item(s: Session, hall_id: int, item_id: int | None = None) -> dict[int, list[int]]:
    query = (select(WindowItem.item_id, Window.number).join(Window, Window.id == WindowItem.window_id)
             .where(Window.hall_id == hall_id, Window.active.is_(True)).order_by(Window.number))
    if item_id is not None:
        query = query.where(WindowItem.item_id == item_id)
    rows = s.execute(query).all()
    result: dict[int, list[int]] = {}
    for item_id, number in rows:
        result.setdefault(item_id, []).append(number)
    return result


def services(s: Session, ctx: HallContext, now: dt.datetime) -> list[dict]:
    items = s.scalars(select(Item).where(Item.hall_id == ctx.id, Item.active.is_(True)).order_by(Item.code)).all()
    loads = item_loads(s, ctx, now, items)
    day = ctx.hours.local_day(now)
    issued = dict(s.execute(select(Ticket.item_id, func.count()).where(Ticket.hall_id == ctx.id, Ticket.day == day)
                            .group_by(Ticket.item_id)).all())
    windows = window_numbers_by_item(s, ctx.id)
    hall_open = ctx.why_not_issuing(now) is None
    result = []
    for item in items:
        load = loads[item.id]
        quota_left = max(item.daily_quota - issued.get(item.id, 0), 0) if item.daily_quota else None
        result.append({
            "code": item.code, "name": item.name, "department": item.department.name,
            "department_code": item.department.code, "prefix": item.prefix,
            "waiting": load.waiting, "estimated_wait_s": load.wait_for(load.waiting),
            "open": hall_open and quota_left != 0 and bool(windows.get(item.id)),
            "quota_left": quota_left, "windows": windows.get(item.id, []), "guide": item.guide,
        })
    return result


def windows(s: Session, ctx: HallContext) -> list[dict]:
    rows = s.execute(
        select(Window, WindowSession, Staff)
        .outerjoin(WindowSession, (WindowSession.window_id == Window.id) & WindowSession.ended_at.is_(None))
        .outerjoin(Staff, Staff.id == WindowSession.staff_id)
        .where(Window.hall_id == ctx.id, Window.active.is_(True)).order_by(Window.number)
    ).all()
    pauses = dict(s.execute(select(WindowPause.window_id, WindowPause.reason).where(WindowPause.ended_at.is_(None))).all())
    current = {t.window_id: t for t in s.scalars(select(Ticket).where(Ticket.hall_id == ctx.id, Ticket.status == "called"))}
    items = {}
    for window_id, code in s.execute(select(WindowItem.window_id, Item.code).join(Item, Item.id == WindowItem.item_id)
                                     .order_by(WindowItem.tier, Item.code)):
        items.setdefault(window_id, []).append(code)
    result = []
    for window, session, staff in rows:
        status = "closed" if session is None else ("paused" if window.id in pauses else "open")
        ticket = current.get(window.id)
        result.append({
            "number": window.number, "name": window.name, "kind": window.kind, "status": status,
            "pause_reason": pauses.get(window.id),
            "serving": {"id": ticket.id, "number": ticket.number, "service": ticket.item.code} if ticket else None,
            "staff": {"name": staff.name, "number": staff.number, "post": session.post} if staff else None,
            "services": items.get(window.id, []),
        })
    return result


def ticket(s: Session, ctx: HallContext, t: Ticket, now: dt.datetime, *, with_events: bool = False,
           load: ItemLoad | None = None) -> dict:
    """A ticket as the API shows it; `load` when the caller measured it already."""
    ahead = ahead_of(s, t)
    load = load or item_loads(s, ctx, now, [t.item])[t.item_id]
    window = s.get(Window, t.window_id) if t.window_id else None
    data = {
        "id": t.id, "number": t.number, "service": t.item.code, "service_name": t.item.name,
        "department": t.item.department.name, "priority": t.priority, "priority_reason": t.priority_reason,
        "status": t.status, "ahead": ahead, "estimated_wait_s": load.wait_for(ahead) if t.status == "waiting" else 0,
        "token": t.token, "issued_at": iso(t.issued_at), "day": t.day.isoformat(),
        "windows": window_numbers_by_item(s, ctx.id, t.item_id).get(t.item_id, []),
        "window": window.number if window else None,
        "outcome": t.outcome, "due_date": t.due_date.isoformat() if t.due_date else None,
        "id_number": t.id_masked, "phone": t.phone_masked,
    }
    if with_events:
        numbers = dict(s.execute(select(Window.id, Window.number).where(Window.hall_id == ctx.id)).all())
        data["events"] = [{"kind": e.kind, "at": iso(e.at), "actor": e.actor,
                           "window": numbers.get(e.window_id), "data": e.data} for e in t.events]
    return data


def public_status(s: Session, ctx: HallContext, t: Ticket, now: dt.datetime) -> dict:
    """What anyone holding the ticket's QR code may see: nothing personal."""
    full = ticket(s, ctx, t, now)
    keep = ("number", "service", "service_name", "department", "status", "ahead", "estimated_wait_s",
            "issued_at", "windows")
    data = {k: full[k] for k in keep}
    data["calling_window"] = full["window"] if t.status == "called" else None
    data["hall"] = ctx.hall.name
    return data


def recent_calls(s: Session, ctx: HallContext, now: dt.datetime, limit: int = 10) -> list[dict]:
    day_start = dt.datetime.combine(ctx.hours.local_day(now), dt.time(0), ctx.hours.tz)
    rows = s.execute(
        select(TicketEvent, Ticket.number, Item.code, Window.number)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id).join(Item, Item.id == TicketEvent.item_id)
        .join(Window, Window.id == TicketEvent.window_id)
        .where(TicketEvent.hall_id == ctx.id, TicketEvent.kind.in_(("called", "recalled")), TicketEvent.at >= day_start)
        .order_by(TicketEvent.id.desc()).limit(limit)
    ).all()
    return [{"number": number, "service": code, "window": window, "at": iso(e.at), "kind": e.kind}
            for e, number, code, window in rows]


def snapshot(s: Session, ctx: HallContext, now: dt.datetime, window: int | None = None) -> dict:
    """Everything a screen shows, sent on every (re)connect so nothing stays stale."""
    all_windows = windows(s, ctx)
    return {
        "hall": {"id": ctx.id, "code": ctx.hall.code, "name": ctx.hall.name, "notice": ctx.settings.notice},
        "at": iso(now),
        "windows": [w for w in all_windows if window is None or w["number"] == window],
        "services": services(s, ctx, now),
        "recent_calls": recent_calls(s, ctx, now),
    }
