"""Tables of the devices the agents host, and of print jobs.

A device row holds the last state its agent reported, so every server
process (and the kiosk's issuing check) sees it; `seen_at` says how fresh it
is, and a state older than the heartbeat allows counts as unknown.

A print job is a fact like a ticket event: a ticket handed to a printer is
`pending` until the agent answers, then `printed` or `failed` with the
reason. A ticket whose last job failed is print-failed: the kiosk shows it on
screen and the guide desk can reprint it, so it is never lost and never
counted as handed out on paper.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hallq.db import Base, UTCDateTime


class Device(Base):
    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("hall_id", "kind", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    kind: Mapped[str] = mapped_column(String(20))  # messages.DeviceKind
    name: Mapped[str] = mapped_column(String(120))
    agent: Mapped[str] = mapped_column(String(120))  # the agent token's name that hosts it
    info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # e.g. paper width, windows
    state: Mapped[str] = mapped_column(String(20))  # messages.DeviceState
    detail: Mapped[str | None] = mapped_column(String(300))
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # last report of any kind
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # last change of state


class PrintJob(Base):
    __tablename__ = "print_jobs"
    __table_args__ = (Index("ix_print_jobs_hall_state", "hall_id", "state", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    printer: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))  # ticket, reprint, notice
    state: Mapped[str] = mapped_column(String(10))  # pending, printed, failed
    reason: Mapped[str | None] = mapped_column(String(300))
    requested_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
