"""The `queue.stats` news: how many wait for an item and how long it takes.

An issue, call or finish only marks its items' queues as changed
(`queue_stats`). The figures are measured when the news goes out
(`queue_figures`), which the real-time layer does a moment later and once for
all the changes of that moment (hallq/server/stats_pacer.py): a busy kiosk line no
longer counts the whole queue again inside every ticket's transaction, and
the figures a screen gets are the latest, not those of one transaction.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hallq.queue.estimates import item_loads
from hallq.queue.events import QUEUE_STATS, Event
from hallq.queue.facts import iso
from hallq.queue.halls import HallContext
from hallq.queue.models import Item
from hallq.queue.staffing import item_staffing
from hallq.queue.unit_of_work import UnitOfWork


def queue_stats(uow: UnitOfWork, ctx: HallContext, items: Iterable[Item]) -> None:
    """These items' queues changed: their figures are news once the transaction commits."""
    for item in items:
        uow.add_event(Event(QUEUE_STATS, ctx.id, {"service": item.code}))


_ITEMS = select(Item).where(Item.hall_id == bindparam("hall_id"), Item.code.in_(bindparam("codes", expanding=True)))


def queue_figures(session: Session, ctx: HallContext, now: dt.datetime, codes: Iterable[str]) -> list[Event]:
    """The `queue.stats` news of these items (by code) as the database has them now."""
    items = session.scalars(_ITEMS, {"hall_id": ctx.id, "codes": sorted(set(codes))}).all()
    loads = item_loads(session, ctx, now, items)
    staffing = item_staffing(session, ctx, now, [item.id for item in items])
    return [Event(QUEUE_STATS, ctx.id, {
        "service": item.code, "number": None, "window": None, "at": iso(now),
        "waiting": loads[item.id].waiting,
        # as GET /services says it: the wait for a window expected is part of it
        # (whether a window serves it is window.status news: screens read it from their snapshot)
        "estimated_wait_s": loads[item.id].wait_for(loads[item.id].waiting) + staffing[item.id].delay_s(now),
    }) for item in items]
