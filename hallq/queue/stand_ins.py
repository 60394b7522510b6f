"""AB岗 on the floor: the windows whose A and B posts are both away during opening hours.

seed 001 第十条: "A岗责任人因事不在岗，由B岗责任人顶岗，确保窗口不出现空岗". A post holder is at their window
when signed in there and the window is not paused; a window whose A and B holders are both elsewhere (signed in
at another window, on leave, or not signed in at all) is listed for the duty manager, with why each is away and
who was named to stand in (the leave's or the pause's 顶岗). A window someone else serves unpaused is staffed
and not listed; nor is a window without posts, nor any window outside opening hours (the lunch break, closed).

Who may be named when a window pauses (`candidates`, the console's pause dialog): its other post holder (the B post
first: seed 001 第十条 "由B岗责任人顶岗"), then the colleagues of the departments the window serves (its own
department and its items' departments: seed 000 "安排替岗工作人员到办事窗口值班" names staff of the same unit).
Anyone on approved leave now is listed as such; the pause itself still accepts any active staff member
(hallq.queue.sessions.pause), as before.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallq.queue import leave as leaves
from hallq.queue.halls import HallContext
from hallq.queue.models import Department, Item, Staff, Window, WindowItem, WindowPause, WindowPost, WindowSession
from hallq.queue.sessions import default_cover


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


def candidates(s: Session, ctx: HallContext, window: Window, staff_id: int | None, now: dt.datetime) -> list[dict]:
    """Who `staff_id` may name to stand in when pausing `window`: its post holders (B first), then the staff of
    the departments it serves; each with their post here, department, whether they are the default (what a pause
    naming nobody records), on leave now, or signed in at another window."""
    posts = dict(s.execute(select(WindowPost.post, WindowPost.staff_id).where(WindowPost.window_id == window.id)).all())
    departments = set(s.scalars(select(Item.department_id).join(WindowItem, WindowItem.item_id == Item.id)
                                .where(WindowItem.window_id == window.id, Item.active.is_(True))))
    if window.department_id is not None:
        departments.add(window.department_id)
    colleagues = list(s.scalars(select(Staff).where(Staff.hall_id == ctx.id, Staff.active.is_(True),
                                                    Staff.department_id.in_(departments)).order_by(Staff.number))) \
        if departments else []
    holders = [s.get(Staff, posts[p]) for p in ("B", "A") if posts.get(p) is not None]
    seen, people = set(), []
    for person in [*holders, *colleagues]:
        if person is None or not person.active or person.id == staff_id or person.id in seen:
            continue
        seen.add(person.id)
        people.append(person)
    if not people:
        return []
    default = default_cover(s, window, staff_id)
    on_leave = leaves.away_now(s, ctx, now)
    post_of = {held: post for post, held in posts.items()}
    names = dict(s.execute(select(Department.id, Department.name)
                           .where(Department.id.in_({p.department_id for p in people if p.department_id}))).all())
    elsewhere = dict(s.execute(select(WindowSession.staff_id, Window.number)
                               .join(Window, Window.id == WindowSession.window_id)
                               .where(WindowSession.ended_at.is_(None), Window.hall_id == ctx.id,
                                      WindowSession.staff_id.in_([p.id for p in people]))).all())
    return [{**_person(p), "post": post_of.get(p.id), "department": names.get(p.department_id),
             "default": p.id == default, "on_leave": p.id in on_leave,
             "window": elsewhere.get(p.id) if elsewhere.get(p.id) != window.number else None}
            for p in people]


def pause_cover(s: Session, window: Window) -> dict | None:
    """Who was named to stand in for the window's open pause, if it is paused and someone was."""
    staff_id = s.scalar(select(WindowPause.stand_in_staff_id).where(WindowPause.window_id == window.id,
                                                                    WindowPause.ended_at.is_(None)))
    return _person(s.get(Staff, staff_id)) if staff_id else None
