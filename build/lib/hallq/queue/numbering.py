"""Ticket numbers: one sequence per prefix per hall day, never handed out twice.

The counter row is bumped with a single INSERT .. ON CONFLICT DO UPDATE ..
RETURNING, which both SQLite and PostgreSQL execute atomically: concurrent
requests, threads or server processes each get their own number. The unique
(hall, prefix, day, seq) constraint on tickets is the last line of defence.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hallq.queue.models import TicketCounter


def _bump(insert):
    return (
        insert(TicketCounter)
        .values(hall_id=bindparam("hall_id"), prefix=bindparam("prefix"), day=bindparam("day"), last=1)
        .on_conflict_do_update(
            index_elements=[TicketCounter.hall_id, TicketCounter.prefix, TicketCounter.day],
            set_={"last": TicketCounter.last + 1},
        )
        .returning(TicketCounter.last)
    )


# Built once per dialect: it runs for every ticket.
_BUMPS = {"postgresql": _bump(postgresql.insert), "sqlite": _bump(sqlite.insert)}


def next_seq(session: Session, hall_id: int, prefix: str, day: dt.date) -> int:
    stmt = _BUMPS[session.get_bind().dialect.name]
    # On the session's connection, not through the ORM: the counter is no mapped object anybody holds.
    return session.connection().execute(stmt, {"hall_id": hall_id, "prefix": prefix, "day": day}).scalar_one()


def format_number(prefix: str, seq: int, digits: int) -> str:
    return f"{prefix}{seq:0{digits}d}"
