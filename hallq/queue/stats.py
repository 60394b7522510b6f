"""The `queue.stats` news: how many wait for an item and how long it takes."""
from __future__ import annotations

import datetime as dt

from hallq.queue.estimates import item_loads
from hallq.queue.events import QUEUE_STATS, Event
from hallq.queue.facts import iso
from hallq.queue.halls import HallContext
from hallq.queue.models import Item
from hallq.queue.unit_of_work import UnitOfWork


def queue_stats(uow: UnitOfWork, ctx: HallContext, now: dt.datetime, items: list[Item]) -> None:
    loads = item_loads(uow.session, ctx, now, items)
    uow.loads.update(loads)
    for item in items:
        load = loads[item.id]
        uow.add_event(Event(QUEUE_STATS, ctx.id, {
            "service": item.code, "number": None, "window": None, "at": iso(now),
            "waiting": load.waiting, "estimated_wait_s": load.wait_for(load.waiting),
        }))
