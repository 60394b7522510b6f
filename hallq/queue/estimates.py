"""Expected waits, from the service times the hall actually measured.

Each `finished` event carries the service time of that visit. The estimate
for an item is the people ahead times the mean service time of the item over
the last week, shared among the windows serving it now (signed in, not paused;
at least one: a closed window will open). While none serves it, the time until
one is expected is added (hallq.queue.staffing: the views add it). Before anything was measured the item's guide
(`service_minutes`) or the hall default stands in.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from hallq.queue.halls import HallContext
from hallq.queue.models import Item, Ticket, TicketEvent, Window, WindowItem, WindowPause, WindowSession
from hallq.timed_cache import TimedCache

LOOKBACK = dt.timedelta(days=7)


@dataclass(frozen=True)
class ItemRate:
    """How fast an item's queue moves: its mean service time, shared among its open windows."""
    service_s: float
    open_windows: int

    def wait_for(self, ahead: int) -> int:
        return round(ahead * self.service_s / max(1, self.open_windows))


@dataclass(frozen=True)
class ItemLoad(ItemRate):
    waiting: int


# Measuring the week's service times and the open windows on every ticket cost
# more than the rest of issuing, and both move slowly: each process keeps them
# briefly. A change in this process forgets what it changed at once (`forget`):
# a finish the service times, a sign-in, sign-out, pause or resume the open
# windows; another process's change shows within the TTL.
MEASURED_TTL_S = 30.0
OPEN_TTL_S = 5.0
MEASURED, OPEN = "measured", "open"
_kept = {MEASURED: TimedCache(MEASURED_TTL_S), OPEN: TimedCache(OPEN_TTL_S)}


def forget(session: Session, hall_id: int, *what: str) -> None:
    """A hall's service times (MEASURED) or open windows (OPEN) changed; both when `what` is empty."""
    url = session.get_bind().url
    for kind in what or (MEASURED, OPEN):
        _kept[kind].forget(lambda key: key[:2] == (url, hall_id))


# Built once: they run for every screen's figures and every ticket's estimate.
_WAITING = (select(Ticket.item_id, func.count())
            .where(Ticket.hall_id == bindparam("hall_id"), Ticket.status == "waiting",
                   Ticket.item_id.in_(bindparam("ids", expanding=True)))
            .group_by(Ticket.item_id))
# Windows signed in and not paused, per item they serve.
_OPEN_WINDOWS = (select(WindowItem.item_id, func.count())
                 .join(WindowSession, WindowSession.window_id == WindowItem.window_id)
                 .join(Window, Window.id == WindowItem.window_id)
                 .where(WindowSession.ended_at.is_(None), Window.hall_id == bindparam("hall_id"),
                        Window.active.is_(True),
                        WindowItem.window_id.not_in(select(WindowPause.window_id)
                                                    .where(WindowPause.ended_at.is_(None))))
                 .group_by(WindowItem.item_id))


def item_loads(session: Session, ctx: HallContext, now: dt.datetime, items: list[Item]) -> dict[int, ItemLoad]:
    """How many wait for each item, and how fast its queue moves."""
    waiting = dict(session.execute(_WAITING, {"hall_id": ctx.id, "ids": [i.id for i in items]}).all())
    return {item_id: ItemLoad(rate.service_s, rate.open_windows, waiting.get(item_id, 0))
            for item_id, rate in item_rates(session, ctx, now, items).items()}


def item_rates(session: Session, ctx: HallContext, now: dt.datetime, items: list[Item]) -> dict[int, ItemRate]:
    """How fast each item's queue moves: all a ticket's own estimate needs (and kept briefly, see above)."""
    ids = [i.id for i in items]
    url = session.get_bind().url
    measured = _kept[MEASURED].get((url, ctx.id, tuple(ids)), lambda: dict(session.execute(
        select(TicketEvent.item_id, func.avg(TicketEvent.data["service_s"].as_float()))
        .where(TicketEvent.hall_id == ctx.id, TicketEvent.kind == "finished",
               TicketEvent.item_id.in_(ids), TicketEvent.at >= now - LOOKBACK)
        .group_by(TicketEvent.item_id)
    ).all()))
    open_windows = _kept[OPEN].get((url, ctx.id),
                           lambda: dict(session.execute(_OPEN_WINDOWS, {"hall_id": ctx.id}).all()))
    rates = {}
    for item in items:
        default = (item.guide.get("service_minutes") or 0) * 60 or ctx.settings.default_service_s
        rates[item.id] = ItemRate(float(measured.get(item.id) or default), open_windows.get(item.id, 0))
    return rates
