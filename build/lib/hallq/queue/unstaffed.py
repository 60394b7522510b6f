"""AB岗: a window left unstaffed while tickets wait for it raises the duty manager's alert.

Run by the server's housekeeping sweep (every few seconds, so within a minute)
with the app's clock. A window is unstaffed when nobody is signed in (未签到) or
it is paused; it is left unstaffed *while tickets wait for it* when, during
opening hours, tickets wait for an item that no staffed window serves and this
window serves it, or tickets sent to this window alone wait for it. The alert
ends once the window is staffed again, nobody waits for it any more, or the
hall is not open (the lunch break, after closing). Safe from any number of
processes: raising an ongoing alert again adds nothing (hallq.queue.alerts).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from hallq.queue import alerts
from hallq.queue.halls import hall_context
from hallq.queue.models import Hall, Item, Ticket, Window, WindowItem, WindowPause, WindowSession
from hallq.queue.unit_of_work import UnitOfWork


def watch_windows(uow: UnitOfWork, hall_id: int, now: dt.datetime) -> list[int]:
    """Raise (or keep) the alerts of the windows left unstaffed with tickets waiting; end the others.
    Returns the numbers of the windows whose alert is ongoing."""
    s = uow.session
    ctx = hall_context(s, hall_id)
    wanted: dict[int, dict] = {}
    if ctx.hours.is_open(now):
        wanted = _left_unstaffed(s, hall_id)
    for number, data in wanted.items():
        alerts.raise_alert(uow, hall_id, alerts.UNSTAFFED, f"window:{number}", now, data)
    for subject in alerts.ongoing_subjects(s, hall_id, alerts.UNSTAFFED):
        number = int(subject.partition(":")[2])
        if number not in wanted:
            alerts.end_alert(uow, hall_id, alerts.UNSTAFFED, subject, now)
    return sorted(wanted)


def _left_unstaffed(s, hall_id: int) -> dict[int, dict]:
    windows = dict(s.execute(select(Window.id, Window.number).where(Window.hall_id == hall_id,
                                                                     Window.active.is_(True))).all())
    signed_in = set(s.scalars(select(WindowSession.window_id).where(
        WindowSession.window_id.in_(windows), WindowSession.ended_at.is_(None))))
    paused = set(s.scalars(select(WindowPause.window_id).where(
        WindowPause.window_id.in_(windows), WindowPause.ended_at.is_(None))))
    staffed = signed_in - paused
    serves: dict[int, set[int]] = {}  # item id -> window ids
    for window_id, item_id in s.execute(select(WindowItem.window_id, WindowItem.item_id)
                                        .where(WindowItem.window_id.in_(windows))):
        serves.setdefault(item_id, set()).add(window_id)
    waiting = s.execute(select(Ticket.item_id, Ticket.target_window_id, Item.code, func.count())
                        .join(Item, Item.id == Ticket.item_id)
                        .where(Ticket.hall_id == hall_id, Ticket.status == "waiting")
                        .group_by(Ticket.item_id, Ticket.target_window_id, Item.code)).all()
    found: dict[int, dict] = {}
    for item_id, target, code, count in waiting:
        if target is not None:
            left = {target} if target in windows and target not in staffed else set()
        else:
            servers = serves.get(item_id, set())
            left = servers if servers and not servers & staffed else set()
        for window_id in left:
            entry = found.setdefault(windows[window_id], {
                "window": windows[window_id], "status": "paused" if window_id in paused else "closed",
                "waiting": 0, "services": []})
            entry["waiting"] += count
            if code not in entry["services"]:
                entry["services"].append(code)
    return found


def watch_all_halls(uow: UnitOfWork, now: dt.datetime) -> None:
    for hall_id in uow.session.scalars(select(Hall.id)).all():
        watch_windows(uow, hall_id, now)
