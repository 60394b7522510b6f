"""Tables of the hall and its queue.

State the engine needs to decide (a ticket's status, its place in the queue)
lives on the rows; everything that happened lives in event rows
(`TicketEvent`, `WindowSession`, `WindowPause`) so times and counts are
derived from facts. The database itself refuses the two worst mistakes: a
number issued twice (unique hall/prefix/day/seq) and two tickets in service at
one window (partial unique index).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hallq.db import Base, UTCDateTime


class Hall(Base):
    __tablename__ = "halls"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(60), default="Asia/Shanghai")
    # Opening hours, holidays, numbering and policy knobs: see hallfile.HallSettings.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Keys personal-data hashes (duplicate-ticket checks) without storing the data.
    secret: Mapped[str] = mapped_column(String(64))
    # The first day in hallq (hall-local): days before it count for nothing in the assessment.
    # NULL: every day on record counts. Windows and staff have theirs too.
    live_from: Mapped[dt.date | None] = mapped_column(Date)


class Department(Base):
    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("hall_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Item(Base):
    """A service item (事项) with its guide (办事指南)."""

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("hall_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(4))
    daily_quota: Mapped[int] = mapped_column(Integer, default=0)  # 0: no quota
    guide: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What citizens call it (医保, 社保卡, 二手房): the kiosk's search reads these beside the name.
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    department: Mapped[Department] = relationship(lazy="joined")


class ItemForm(Base):
    """A file an item's guide offers for download (申请书示范文本, a blank form); free, never a fee.

    Kept in the database so every server process serves the same bytes; the
    rules a file must pass are hallq.queue.forms.
    """

    __tablename__ = "item_forms"
    __table_args__ = (UniqueConstraint("item_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # the guide's order
    title: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(120))  # the file name it downloads as
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # read only to serve the file


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("hall_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    number: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    photo: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    live_from: Mapped[dt.date | None] = mapped_column(Date)


class Window(Base):
    __tablename__ = "windows"
    __table_args__ = (UniqueConstraint("hall_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="independent")  # or comprehensive
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    live_from: Mapped[dt.date | None] = mapped_column(Date)


class WindowItem(Base):
    """An item a window serves; lower tier is preferred, equal tiers are FIFO together."""

    __tablename__ = "window_items"
    window_id: Mapped[int] = mapped_column(ForeignKey("windows.id"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    tier: Mapped[int] = mapped_column(Integer, default=0)


class WindowPost(Base):
    """Who holds the A post and the B (stand-in) post of a window (AB岗)."""

    __tablename__ = "window_posts"
    window_id: Mapped[int] = mapped_column(ForeignKey("windows.id"), primary_key=True)
    post: Mapped[str] = mapped_column(String(1), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))


class Appointment(Base):
    """An online booking pushed in by an integration; checked in once, in its slot."""

    __tablename__ = "appointments"
    __table_args__ = (UniqueConstraint("hall_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    code: Mapped[str] = mapped_column(String(60))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    slot_start: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    slot_end: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    id_hash: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", use_alter=True, name="fk_appointments_ticket_id_tickets"))


class TicketCounter(Base):
    """Last sequence number handed out per prefix per hall day."""

    __tablename__ = "ticket_counters"
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(4), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("hall_id", "prefix", "day", "seq"),
        # Every column the waiting-queue counts filter on (ordering.ahead_statement, estimates._WAITING,
        # ordering.waiting_for), so they read the index alone: one item's untargeted waiting tickets
        # of a class lie together in queue order. `id` is SQLite's rowid anyway; PostgreSQL needs
        # it here for the tie on the queue key.
        Index("ix_tickets_queue_place", "hall_id", "status", "item_id", "target_window_id", "priority",
              "queue_key", "id"),
        # Tickets sent to a window by name (a transfer, a return) may be of any item: the pick reads
        # their line with one seek per class here rather than one per item of the hall. Partial: most
        # tickets are never sent anywhere, and cost this index nothing.
        Index("ix_tickets_sent", "target_window_id", "status", "priority", "queue_key", "id",
              sqlite_where=text("target_window_id IS NOT NULL"),
              postgresql_where=text("target_window_id IS NOT NULL")),
        Index("ix_tickets_item_day", "item_id", "day"),
        # At most one ticket in service per window, enforced by the database.
        Index(
            "ux_tickets_serving_window", "window_id", unique=True,
            sqlite_where=text("status = 'called'"), postgresql_where=text("status = 'called'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    day: Mapped[dt.date] = mapped_column(Date)  # the hall-local day it was issued
    prefix: Mapped[str] = mapped_column(String(4))
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(12))
    priority: Mapped[str] = mapped_column(String(12))  # green, appointment, normal
    priority_reason: Mapped[str | None] = mapped_column(String(40))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    # waiting, called, held, missed, finished, expired
    status: Mapped[str] = mapped_column(String(12))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Place in its queue: the issue time, moved only by a requeue after a miss.
    queue_key: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"))  # serving/held/last window
    target_window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"))  # only this window may call it
    return_window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"))  # comes back here after service
    id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    id_masked: Mapped[str | None] = mapped_column(String(24))
    phone_masked: Mapped[str | None] = mapped_column(String(24))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by: Mapped[str] = mapped_column(String(120))
    outcome: Mapped[str | None] = mapped_column(String(20))
    due_date: Mapped[dt.date | None] = mapped_column(Date)

    item: Mapped[Item] = relationship(lazy="joined")
    events: Mapped[list["TicketEvent"]] = relationship(order_by="TicketEvent.id", lazy="select")


class TicketEvent(Base):
    """Something that happened to a ticket: the facts times and audits come from."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        Index("ix_ticket_events_item", "hall_id", "item_id", "kind", "at"),
        Index("ix_ticket_events_window", "window_id", "kind", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))  # the item at that moment
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"))
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class WindowSession(Base):
    """A clerk signed in at a window, from sign-in to sign-out."""

    __tablename__ = "window_sessions"
    __table_args__ = (
        Index("ux_window_sessions_open_window", "window_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
        Index("ux_window_sessions_open_user", "user_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("windows.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    post: Mapped[str] = mapped_column(String(1))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(20))  # signed_out, hall_closed


class WindowPause(Base):
    __tablename__ = "window_pauses"
    id: Mapped[int] = mapped_column(primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("windows.id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("window_sessions.id"))
    reason: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
