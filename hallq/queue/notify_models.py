"""Tables of the citizen's notifications (hallq.queue.notify): who asked to be told, and what was sent.

A contact is a ticket's opted-in number: masked and keyed-hashed as ID numbers are (hallq.privacy),
and whole only until the end of its `keep_until` day, for the sender alone. A notification is one
message of one kind for one ticket, unique (ticket, kind, key) so the database itself refuses a
second: whichever process, before or after a restart, records it first is the only one.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hallq.db import Base, UTCDateTime


class TicketContact(Base):
    __tablename__ = "ticket_contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    channel: Mapped[str] = mapped_column(String(12))  # sms (wechat: an openid, once a mini program gives one)
    # The whole address, only while a message may still need it; NULL once forgotten.
    address: Mapped[str | None] = mapped_column(String(64))
    masked: Mapped[str] = mapped_column(String(24))
    address_hash: Mapped[str] = mapped_column(String(64), index=True)
    lang: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(120))  # kiosk:k1, phone
    # The hall-local day whose end forgets the whole address (the ticket's day, unless a case keeps it longer).
    keep_until: Mapped[dt.date] = mapped_column(Date)
    forgotten_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("ticket_id", "kind", "key"),
        Index("ix_notifications_state", "state", "claimed_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # soon, called, missed, result_ready, ...
    key: Mapped[str] = mapped_column(String(60), default="")  # a second message of one kind needs its own key
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # never personal data
    # pending -> sending -> sent | failed; dropped: its number was forgotten before it went
    state: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    channel: Mapped[str | None] = mapped_column(String(20))  # the adapter that took it: simulator, http
    error: Mapped[str | None] = mapped_column(String(200))  # the adapter's reason, never the number
