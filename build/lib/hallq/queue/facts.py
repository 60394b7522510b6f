"""Recording what happened to a ticket.

Every change of a ticket goes through `record`: it writes the event row (the
fact, with time and actor) and, when the change is news for screens, queues
the matching real-time event for after commit. One call, so the two never
drift apart.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert

from hallq.queue.events import Event
from hallq.queue.models import Ticket, TicketEvent, Window
from hallq.queue.unit_of_work import UnitOfWork

# An event row is written once and never changed, and nothing in the transaction
# reads it back as an object: a plain INSERT on the session's connection costs a
# fraction of an ORM flush (which ran for every issue, call and finish). Built once.
_INSERT_EVENT = insert(TicketEvent)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def record(uow: UnitOfWork, ticket: Ticket, kind: str, now: dt.datetime, actor: str, *,
           window: Window | None = None, data: dict[str, Any] | None = None,
           publish: str | None = None) -> None:
    uow.session.connection().execute(_INSERT_EVENT, {
        "ticket_id": ticket.id, "hall_id": ticket.hall_id, "item_id": ticket.item_id,
        "window_id": window.id if window else None, "kind": kind, "at": now, "actor": actor, "data": data or {}})
    if publish:
        announce(uow, publish, ticket, now, window, **(data or {}))


def announce(uow: UnitOfWork, name: str, ticket: Ticket, now: dt.datetime, window: Window | None = None,
             **extra) -> None:
    """Queue real-time news about a ticket (API.md: number, window, service, at)."""
    uow.add_event(Event(name, ticket.hall_id, {
        "id": ticket.id,
        "number": ticket.number,
        "service": ticket.item.code,
        "service_name": ticket.item.name,
        "priority": ticket.priority,
        "status": ticket.status,
        "window": window.number if window else None,
        "at": iso(now),
        **extra,
    }))
