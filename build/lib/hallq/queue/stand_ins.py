"""AB岗 on the floor: the windows whose A and B posts are both away during opening hours.

seed 001 第十条: "A岗责任人因事不在岗，由B岗责任人顶岗，确保窗口不出现空岗". A post holder is at their window
when signed in there and the window is not paused; a window whose A and B holders are both elsewhere (signed in
at another window, on leave, or not signed in at all) is listed for the duty manager, with why each is away and
who was named to stand in (the leave's or the pause's 顶岗). A window someone else serves unpaused is staffed
and not listed; nor is a window without posts, nor any window outside opening hours (the lunch break, closed).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallq.queue import leave as leaves
from hallq.queue.halls import HallContext
from hallq.queue.models import Staff, Window, WindowPause, WindowPost, WindowSession


def _person(staff: Staff | None) -> dict | None:
    return {"number": staff.number, "name": staff.name} if staff else None


def posts_away(s: Session, ctx: HallContext, now: dt.datetime) -> list[dict]:
    if not ctx.hours.is_open(now):
        return []
    windows = {w.id: w for w in s.scalars(select(Window).where(Window.hall_id == ctx.id, Window.active.is_(True)))}
    posts: dict[int, dict[str, int]] = {}
    for window_id, post, staff_id in s.execute(select(WindowPost.window_id, WindowPost.post, WindowPost.staff_id)
                                               .where(WindowPost.window_id.in_(windows))):
        posts.setdefault(window_id, {})[post] = staff_id
    open_sessions = {row.window_id: row for row in s.scalars(
        select(WindowSession).where(WindowSession.ended_at.is_(None), WindowSession.window_id.in_(windows)))}
    pauses = {row.window_id: row for row in s.scalars(
        select(WindowPause).where(WindowPause.ended_at.is_(None), WindowPause.window_id.in_(windows)))}
    where = {row.staff_id: windows[row.window_id].number for row in open_sessions.values() if row.staff_id}
    on_leave = leaves.away_now(s, ctx, now)
    staff = {st.id: st for st in s.scalars(select(Staff).where(Staff.hall_id == ctx.id))}
    out = []
    for window_id, held in sorted(posts.items(), key=lambda kv: windows[kv[0]].number):
        window = windows[window_id]
        here = open_sessions.get(window_id)
        paused = pauses.get(window_id)
        if here is not None and paused is None:
            continue  # someone serves it
        away = {}
        for post in ("A", "B"):
            staff_id = held.get(post)
            if staff_id is None:
                away[post] = None
                continue
            leave = on_leave.get(staff_id)
            elsewhere = where.get(staff_id)
            away[post] = {**_person(staff.get(staff_id)),
                          "why": "leave" if leave else ("paused" if here is not None and here.staff_id == staff_id
                                                        else "elsewhere" if elsewhere else "not_signed_in"),
                          "window": elsewhere if elsewhere != window.number else None,
                          "leave": {"id": leave.id, "stand_in": _person(staff.get(leave.stand_in_staff_id))}
                          if leave else None}
        out.append({"number": window.number, "name": window.name,
                    "status": "paused" if paused is not None else "closed",
                    "pause_reason": paused.reason if paused is not None else None,
                    "pause_stand_in": _person(staff.get(paused.stand_in_staff_id)) if paused is not None else None,
                    "a": away["A"], "b": away["B"]})
    return out
