"""The audit log of admin changes: who changed what, when, and the entity before and after.

Every change an admin makes (the hall's settings, a department, a window, a
staff member, an account, a device token) writes one row here in the same
transaction as the change itself, so the log can never tell of a change the
database does not hold, nor miss one it does. `before` is None for a thing
created, `after` for one ended; neither ever holds a password or a token.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from hallq.db import Base, UTCDateTime

# scheme: the assessment scheme a scope is assessed by from a month on (hallq.assessment.service.set_scheme).
ENTITIES = ("hall", "department", "window", "staff", "account", "token", "scheme", "item")


class AdminChange(Base):
    __tablename__ = "admin_changes"
    __table_args__ = (Index("ix_admin_changes_hall_at", "hall_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))  # as event rows name people: "user:admin"
    entity: Mapped[str] = mapped_column(String(20))  # one of ENTITIES
    key: Mapped[str] = mapped_column(String(120))  # its code, number, username or token name
    action: Mapped[str] = mapped_column(String(20))  # create, update, deactivate, reset_password, revoke…
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


def record(session: Session, hall_id: int, actor: str, entity: str, key: str, action: str,
           before: dict | None, after: dict | None, now: dt.datetime) -> AdminChange | None:
    """One change, in the caller's transaction; a 'change' that changes nothing is not recorded."""
    if entity not in ENTITIES:
        raise ValueError(f"unknown audited entity {entity}")
    if before == after and action == "update":
        return None
    row = AdminChange(hall_id=hall_id, at=now, actor=actor, entity=entity, key=str(key), action=action,
                      before=before, after=after)
    session.add(row)
    return row


def changes(session: Session, hall_id: int, *, entity: str | None = None, actor: str | None = None,
            since: dt.datetime | None = None, until: dt.datetime | None = None,
            limit: int = 1000) -> list[dict]:
    """The hall's admin changes, newest first, as the API and the audit trail show them."""
    query = select(AdminChange).where(AdminChange.hall_id == hall_id)
    if entity:
        query = query.where(AdminChange.entity == entity)
    if actor:
        query = query.where(AdminChange.actor == actor)
    if since:
        query = query.where(AdminChange.at >= since)
    if until:
        query = query.where(AdminChange.at < until)
    rows = session.scalars(query.order_by(AdminChange.id.desc()).limit(limit))
    return [{"id": r.id, "at": r.at.isoformat(), "actor": r.actor, "entity": r.entity, "key": r.key,
             "action": r.action, "before": r.before, "after": r.after} for r in rows]
