"""Read models: what the API and the real-time snapshots show.

Plain dicts shaped as API.md names them. Personal data never leaves here
whole: tickets carry the masked ID and phone at most.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hallq.queue.accounts import User
from hallq.queue.estimates import item_loads, item_rates
from hallq.queue.facts import iso
from hallq.queue.halls import HallContext
from hallq.queue.models import (Department, Item, Staff, Ticket, TicketEvent, Window, WindowItem, WindowPause,
                                WindowPost, WindowSession)
from hallq.queue.ordering import TARGETED_TIER, ahead_of, call_order
from hallq.queue.sessions import serving
from hallq.queue.staffing import item_staffing


def services(s: Session, ctx: HallContext, now: dt.datetime) -> list[dict]:
    items = s.scalars(select(Item).where(Item.hall_id == ctx.id, Item.active.is_(True)).order_by(Item.code)).all()
    loads = item_loads(s, ctx, now, items)
    day = ctx.hours.local_day(now)
    issued = dict(s.execute(select(Ticket.item_id, func.count()).where(Ticket.hall_id == ctx.id, Ticket.day == day)
                            .group_by(Ticket.item_id)).all())
    windows = ctx.serving
    hall_open = ctx.why_not_issuing(now) is None
    staffing = item_staffing(s, ctx, now, [item.id for item in items])
    result = []
    for item in items:
        load, staffed = loads[item.id], staffing[item.id]
        quota_left = max(item.daily_quota - issued.get(item.id, 0), 0) if item.daily_quota else None
        result.append({
            "code": item.code, "name": item.name, "department": item.department.name,
            "department_code": item.department.code, "prefix": item.prefix,
            "waiting": load.waiting, "estimated_wait_s": load.wait_for(load.waiting) + staffed.delay_s(now),
            # Issuing: a number can be taken now (the hall is open, the quota not used).
            # Open: and it will be called, by a window serving the item now.
            "issuing": hall_open and quota_left != 0,
            "open": hall_open and quota_left != 0 and bool(windows.get(item.id)) and staffed.staffed,
            "quota_left": quota_left, "windows": windows.get(item.id, []), "guide": item.guide,
            **staffed.json(ctx, now),
        })
    return result


def windows(s: Session, ctx: HallContext, number: int | None = None) -> list[dict]:
    """The hall's active windows as GET /windows shows them; only window `number` when given."""
    query = (select(Window, WindowSession, Staff)
             .outerjoin(WindowSession, (WindowSession.window_id == Window.id) & WindowSession.ended_at.is_(None))
             .outerjoin(Staff, Staff.id == WindowSession.staff_id)
             .where(Window.hall_id == ctx.id, Window.active.is_(True)).order_by(Window.number))
    if number is not None:
        query = query.where(Window.number == number)
    rows = s.execute(query).all()
    ids = [window.id for window, _, _ in rows]
    pauses = dict(s.execute(select(WindowPause.window_id, WindowPause.reason)
                            .where(WindowPause.ended_at.is_(None), WindowPause.window_id.in_(ids))).all())
    # Columns, not tickets: a window's LED job waits on this read after every call.
    current = {row.window_id: row for row in s.execute(
        select(Ticket.window_id, Ticket.id, Ticket.number, Item.code).join(Item, Item.id == Ticket.item_id)
        .where(Ticket.hall_id == ctx.id, Ticket.status == "called", Ticket.window_id.in_(ids)))}
    items = {}
    for window_id, code in s.execute(select(WindowItem.window_id, Item.code).join(Item, Item.id == WindowItem.item_id)
                                     .where(WindowItem.window_id.in_(ids)).order_by(WindowItem.tier, Item.code)):
        items.setdefault(window_id, []).append(code)
    result = []
    for window, session, staff in rows:
        status = "closed" if session is None else ("paused" if window.id in pauses else "open")
        ticket = current.get(window.id)
        result.append({
            "number": window.number, "name": window.name, "kind": window.kind, "status": status,
            "pause_reason": pauses.get(window.id),
            "serving": {"id": ticket.id, "number": ticket.number, "service": ticket.code} if ticket else None,
            "staff": {"name": staff.name, "number": staff.number, "post": session.post} if staff else None,
            "services": items.get(window.id, []),
        })
    return result


def ticket(s: Session, ctx: HallContext, t: Ticket, now: dt.datetime, *, with_events: bool = False) -> dict:
    """A ticket as the API shows it."""
    ahead = ahead_of(s, t)
    # only a waiting ticket has a wait to estimate, and it waits for a window to serve its item
    staffed = item_staffing(s, ctx, now, [t.item_id])[t.item_id] if t.status == "waiting" else None
    estimated_wait_s = (item_rates(s, ctx, now, [t.item])[t.item_id].wait_for(ahead) + staffed.delay_s(now)
                        if staffed else 0)
    data = {
        "id": t.id, "number": t.number, "service": t.item.code, "service_name": t.item.name,
        "department": t.item.department.name, "priority": t.priority, "priority_reason": t.priority_reason,
        "status": t.status, "ahead": ahead, "estimated_wait_s": estimated_wait_s,
        "token": t.token, "issued_at": iso(t.issued_at), "day": t.day.isoformat(),
        "windows": ctx.serving.get(t.item_id, []),
        "window": ctx.window_number(s, t.window_id),
        "outcome": t.outcome, "due_date": t.due_date.isoformat() if t.due_date else None,
        "id_number": t.id_masked, "phone": t.phone_masked,
        "next_services": [{"code": i.code, "name": i.name} for i in
                          (s.get(Item, item_id) for item_id in (t.next_items or [])) if i is not None],
        "staffed": staffed.staffed if staffed else None,
        "staffed_from": staffed.json(ctx, now)["staffed_from"] if staffed else None,
    }
    if with_events:
        data["events"] = [{"kind": e.kind, "at": iso(e.at), "actor": e.actor,
                           "window": ctx.window_number(s, e.window_id), "data": e.data} for e in t.events]
    return data


def public_status(s: Session, ctx: HallContext, t: Ticket, now: dt.datetime) -> dict:
    """What anyone holding the ticket's QR code may see: nothing personal."""
    full = ticket(s, ctx, t, now)
    keep = ("number", "service", "service_name", "department", "status", "ahead", "estimated_wait_s",
            "issued_at", "windows", "next_services")
    data = {k: full[k] for k in keep}
    data["calling_window"] = full["window"] if t.status == "called" else None
    if t.target_window_id is not None and t.status in ("waiting", "held"):
        # Transferred (or sent back) to one window: that one, not the item's default windows.
        data["windows"] = [ctx.window_number(s, t.target_window_id)]
    data["hall"] = ctx.hall.name
    return data


def recent_calls(s: Session, ctx: HallContext, now: dt.datetime, limit: int = 10) -> list[dict]:
    day_start = dt.datetime.combine(ctx.hours.local_day(now), dt.time(0), ctx.hours.tz)
    rows = s.execute(
        select(TicketEvent, Ticket.number, Ticket.status, Ticket.window_id, Item.code, Window.number)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id).join(Item, Item.id == TicketEvent.item_id)
        .join(Window, Window.id == TicketEvent.window_id)
        .where(TicketEvent.hall_id == ctx.id, TicketEvent.kind.in_(("called", "recalled")), TicketEvent.at >= day_start)
        .order_by(TicketEvent.id.desc()).limit(limit)
    ).all()
    # `serving`: the ticket is still at the window it was called to (not finished, skipped, held or
    # moved on), so a TV's "now calling" panel shows only calls that still stand.
    return [{"id": e.ticket_id, "number": number, "service": code, "window": window, "at": iso(e.at), "kind": e.kind,
             "serving": status == "called" and at_window == e.window_id}
            for e, number, status, at_window, code, window in rows]


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


# --- the clerk console ----------------------------------------------------------

UPCOMING = 5  # how many of the next tickets the console lists


def day_start(ctx: HallContext, now: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(ctx.hours.local_day(now), dt.time(0), ctx.hours.tz)


def _brief(t: Ticket, now: dt.datetime, *, targeted: bool = False) -> dict:
    return {"id": t.id, "number": t.number, "service": t.item.code, "service_name": t.item.name,
            "priority": t.priority, "priority_reason": t.priority_reason, "status": t.status,
            "issued_at": iso(t.issued_at), "waited_s": round((now - t.issued_at).total_seconds()),
            "targeted": targeted}


def _serving_detail(s: Session, ctx: HallContext, t: Ticket, now: dt.datetime) -> dict:
    """The ticket at the counter, with what the clerk needs to know about its visit so far."""
    data = ticket(s, ctx, t, now, with_events=True)
    calls = [e for e in data["events"] if e["kind"] == "called"]
    first_wait = calls[0]["data"].get("wait_s") if calls else None
    last_call = calls[-1]["at"] if calls else None
    data.update({
        "called_at": last_call,
        "waited_s": first_wait if first_wait is not None else round((now - t.issued_at).total_seconds()),
        # Recalls count since the latest call, as the engine's recall limit does.
        "recall_count": sum(1 for e in data["events"] if e["kind"] == "recalled" and last_call and e["at"] >= last_call),
        "transfers": [{"at": e["at"], "actor": e["actor"], **e["data"]} for e in data["events"] if e["kind"] == "transferred"],
        "returns_to": ctx.window_number(s, t.return_window_id),
        "guide": t.item.guide or {},
    })
    return data


def upcoming(s: Session, window: Window, limit: int = UPCOMING) -> list[tuple[Ticket, bool]]:
    """The next tickets in the order the window would call them, and whether each was sent to it by name.

    Read as the engine's pick reads the queue (the first few of each of the
    window's lines, ordering.call_order), so the preview follows the policy and
    costs the same at any queue length; the anti-starvation swap happens only at
    call time and is not shown.
    """
    order = call_order(s, window, limit)
    tickets = {t.id: t for t in s.scalars(select(Ticket).where(Ticket.id.in_([h.id for h in order])))}
    return [(tickets[h.id], h.tier == TARGETED_TIER) for h in order]


def _last_finished(s: Session, ctx: HallContext, window: Window, now: dt.datetime) -> dict | None:
    """The case this window finished last today: the console offers its written notice."""
    row = s.execute(select(TicketEvent, Ticket).join(Ticket, Ticket.id == TicketEvent.ticket_id)
                    .where(TicketEvent.window_id == window.id, TicketEvent.kind == "finished",
                           TicketEvent.at >= day_start(ctx, now))
                    .order_by(TicketEvent.id.desc()).limit(1)).first()
    if row is None:
        return None
    event, t = row
    keep = ("outcome", "due_date", "promised_days", "returning_to", "missing_materials", "departments", "note")
    return {**_brief(t, now), **{k: event.data.get(k) for k in keep}, "finished_at": iso(event.at)}


def window_console(s: Session, ctx: HallContext, window: Window, now: dt.datetime) -> dict:
    """Everything the clerk console of one window shows."""
    state = windows(s, ctx, window.number)[0]
    rows = s.execute(select(Item, WindowItem.tier).join(WindowItem, WindowItem.item_id == Item.id)
                     .where(WindowItem.window_id == window.id, Item.active.is_(True))
                     .order_by(WindowItem.tier, Item.code)).all()
    loads = item_loads(s, ctx, now, [item for item, _ in rows])
    sent_here = s.scalar(select(func.count()).select_from(Ticket).where(  # hall and status first: the queue index
        Ticket.hall_id == window.hall_id, Ticket.status == "waiting", Ticket.target_window_id == window.id)) or 0
    current = serving(s, window)
    today = ctx.hours.local_day(now)
    parked = s.scalars(select(Ticket).where(Ticket.window_id == window.id, Ticket.status == "held")
                       .order_by(Ticket.id)).all()
    missed = s.scalars(select(Ticket).where(Ticket.window_id == window.id, Ticket.status == "missed",
                                            Ticket.day == today).order_by(Ticket.id.desc()).limit(10)).all()
    return {
        "at": iso(now),
        "hall": {"id": ctx.id, "name": ctx.hall.name, "timezone": ctx.hall.timezone},
        "window": state,
        "recall_limit": ctx.settings.recall_limit,
        # 过号's minimum: the console asks for a confirmation and says when a skip is allowed
        "skip_rule": {"calls": ctx.settings.skip_after_calls, "minutes": ctx.settings.skip_after_minutes},
        "items": [{"code": item.code, "name": item.name, "department": item.department.name, "prefix": item.prefix,
                   "tier": tier, "waiting": loads[item.id].waiting} for item, tier in rows],
        "sent_here": sent_here,
        "current": _serving_detail(s, ctx, current, now) if current else None,
        "upcoming": [_brief(t, now, targeted=targeted) for t, targeted in upcoming(s, window)],
        "held": [_brief(t, now) for t in parked],
        "missed": [_brief(t, now) for t in missed],
        "last_finished": _last_finished(s, ctx, window, now),
    }


def me(s: Session, ctx: HallContext, user_id: int, username: str, role: str) -> dict:
    """Who a staff token belongs to: their posts and the window they sit at now."""
    user = s.get(User, user_id)
    staff = s.get(Staff, user.staff_id) if user and user.staff_id else None
    posts = []
    if staff is not None:
        posts = [{"window": number, "post": post} for number, post in s.execute(
            select(Window.number, WindowPost.post).join(WindowPost, WindowPost.window_id == Window.id)
            .where(WindowPost.staff_id == staff.id, Window.active.is_(True)).order_by(Window.number, WindowPost.post))]
    session = s.execute(select(WindowSession, Window.number).join(Window, Window.id == WindowSession.window_id)
                        .where(WindowSession.user_id == user_id, WindowSession.ended_at.is_(None))).first()
    department = s.get(Department, staff.department_id) if staff and staff.department_id else None
    return {
        "username": username, "role": role, "hall": {"id": ctx.id, "name": ctx.hall.name, "timezone": ctx.hall.timezone},
        "staff": {"number": staff.number, "name": staff.name,
                  "department": department.name if department else None} if staff else None,
        "posts": posts,
        "signed_in": {"window": session[1], "post": session[0].post, "since": iso(session[0].started_at)}
        if session else None,
    }


def my_day(s: Session, ctx: HallContext, actor: str, user_id: int, now: dt.datetime) -> dict:
    """A clerk's day so far, read from the ticket events they caused and their window sessions."""
    start = day_start(ctx, now)
    user = s.get(User, user_id)
    rows = s.execute(select(TicketEvent.kind, TicketEvent.data).where(
        TicketEvent.hall_id == ctx.id, TicketEvent.actor == actor, TicketEvent.at >= start)).all()
    finished = [data for kind, data in rows if kind == "finished"]
    times = [d["service_s"] for d in finished if isinstance(d.get("service_s"), (int, float))]
    outcomes: dict[str, int] = {}
    for d in finished:
        outcomes[d.get("outcome")] = outcomes.get(d.get("outcome"), 0) + 1
    sessions = s.execute(select(WindowSession, Window.number).join(Window, Window.id == WindowSession.window_id)
                         .where(WindowSession.user_id == user_id, WindowSession.started_at >= start)
                         .order_by(WindowSession.id)).all()
    pauses = s.scalars(select(WindowPause).where(WindowPause.session_id.in_([r[0].id for r in sessions]))).all()
    return {
        "at": iso(now), "day": ctx.hours.local_day(now).isoformat(),
        "served": len(finished),
        "average_service_s": round(sum(times) / len(times)) if times else None,
        "outcomes": outcomes,
        "calls": sum(1 for kind, _ in rows if kind == "called"),
        "recalls": sum(1 for kind, _ in rows if kind == "recalled"),
        "skipped": sum(1 for kind, _ in rows if kind == "skipped"),
        "transferred": sum(1 for kind, _ in rows if kind == "transferred"),
        "sessions": [{"window": number, "post": ws.post, "started_at": iso(ws.started_at),
                      "ended_at": iso(ws.ended_at) if ws.ended_at else None} for ws, number in sessions],
        "paused_s": round(sum(((p.ended_at or now) - p.started_at).total_seconds() for p in pauses)),
        "staff_id": user.staff_id if user else None,  # the web adds the ratings (evaluator.views.ratings_today)
    }
