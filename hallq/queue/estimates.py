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
from hallq.queue.models import Item, Ticket, TicketEvent
from hallq.queue.staffing import window_counts
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


# Measuring the week's service times on every ticket cost more than the rest
# of issuing, and they move slowly: each process keeps them briefly. A finish
# in this process forgets them at once (`forget`); another process's shows
# within the TTL. The open windows are staffing's counts, kept the same way.
MEASURED_TTL_S = 30.0
_measured: TimedCache[dict] = TimedCache(MEASURED_TTL_S)


def forget(session: Session, hall_id: int) -> None:
    """A hall's service times changed."""
    url = session.get_bind().url
    _measured.forget(lambda key: key[:2] == (url, hall_id))


# Built once: they run for every screen's figures and every ticket's estimate.
_WAITING = (select(Ticket.item_id, func.count())
            .where(Ticket.hall_id == bindparam("hall_id"), Ticket.status == "waiting",
                   Ticket.item_id.in_(bindparam("ids", expanding=True)))
            .group_by(Ticket.item_id))


def item_loads(session: Session, ctx: HallContext, now: dt.datetime, items: list[Item]) -> dict[int, ItemLoad]:
    """How many wait for each item, and how fast its queue moves."""
    waiting = dict(session.execute(_WAITING, {"hall_id": ctx.id, "ids": [i.id for i in items]}).all())
    return {item_id: ItemLoad(rate.service_s, rate.open_windows, waiting.get(item_id, 0))
            for item_id, rate in item_rates(session, ctx, now, items).items()}


def item_rates(session: Session, ctx: HallContext, now: dt.datetime, items: list[Item]) -> dict[int, ItemRate]:
    """How fast each item's queue moves: all a ticket's own estimate needs (and kept briefly, see above)."""
    ids = [i.id for i in items]
    url = session.get_bind().url
    measured = _measured.get((url, ctx.id, tuple(ids)), lambda: dict(session.execute(
        select(TicketEvent.item_id, func.avg(TicketEvent.data["service_s"].as_float()))
        .where(TicketEvent.hall_id == ctx.id, TicketEvent.kind == "finished",
               TicketEvent.item_id.in_(ids), TicketEvent.at >= now - LOOKBACK)
        .group_by(TicketEvent.item_id)
    ).all()))
    counts = window_counts(session, ctx.id)
    rates = {}
    for item in items:
        default = (item.guide.get("service_minutes") or 0) * 60 or ctx.settings.default_service_s
        rates[item.id] = ItemRate(float(measured.get(item.id) or default), _serving(counts.get(item.id)))
    return rates


def _serving(counts: tuple[int, int] | None) -> int:
    signed, paused = counts or (0, 0)
    return signed - paused
