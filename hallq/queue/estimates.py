"""Expected waits, from the service times the hall actually measured.

Each `finished` event carries the service time of that visit. The estimate
for an item is the people ahead times the mean service time of the item over
the last week, shared among the windows open for it now (at least one: a
closed window will open). Before anything was measured the item's guide
(`service_minutes`) or the hall default stands in.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hallq.queue.halls import HallContext
from hallq.queue.models import Item, Ticket, TicketEvent, WindowItem, WindowPause, WindowSession

LOOKBACK = dt.timedelta(days=7)


@dataclass(frozen=True)
class ItemLoad:
    waiting: int
    service_s: float
    open_windows: int

    def wait_for(self, ahead: int) -> int:
        return round(ahead * self.service_s / max(1, self.open_windows))


def item_loads(session: Session, ctx: HallContext, now: dt.datetime, items: list[Item]) -> dict[int, ItemLoad]:
    ids = [i.id for i in items]
    waiting = dict(session.execute(
        select(Ticket.item_id, func.count())
        .where(Ticket.hall_id == ctx.id, Ticket.status == "waiting", Ticket.item_id.in_(ids))
        .group_by(Ticket.item_id)
    ).all())
    measured = dict(session.execute(
        select(TicketEvent.item_id, func.avg(TicketEvent.data["service_s"].as_float()))
        .where(TicketEvent.hall_id == ctx.id, TicketEvent.kind == "finished",
               TicketEvent.item_id.in_(ids), TicketEvent.at >= now - LOOKBACK)
        .group_by(TicketEvent.item_id)
    ).all())
    paused = select(WindowPause.window_id).where(WindowPause.ended_at.is_(None))
    open_windows = dict(session.execute(
        select(WindowItem.item_id, func.count())
        .join(WindowSession, WindowSession.window_id == WindowItem.window_id)
        .where(WindowSession.ended_at.is_(None), WindowItem.item_id.in_(ids),
               WindowItem.window_id.not_in(paused))
        .group_by(WindowItem.item_id)
    ).all())
    loads = {}
    for item in items:
        default = (item.guide.get("service_minutes") or 0) * 60 or ctx.settings.default_service_s
        loads[item.id] = ItemLoad(waiting.get(item.id, 0), float(measured.get(item.id) or default),
                                  open_windows.get(item.id, 0))
    return loads
