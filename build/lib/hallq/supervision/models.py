"""Tables of the supervision office (督查股): the complaint register (投诉来访登记) and each complaint's steps.

A complaint is never deleted; every step (registered, forwarded, replied, reported back, re-verification,
return visit, closed) is a row naming who did it and when, so the timeline is read, never reconstructed.
The complainant's name and contact are kept whole here for the supervision office alone (seed 004
投诉处理制度 第六条 "未经投诉人同意不得公开其情况"); every other reader gets them masked (views.py).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hallq.db import Base, UTCDateTime


class Complaint(Base):
    __tablename__ = "complaints"
    __table_args__ = (Index("ix_complaints_hall_status_due", "hall_id", "status", "due_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # when the complainant complained
    channel: Mapped[str] = mapped_column(String(20))  # in_person, phone, letter, online, hotline_12345
    hotline_ref: Mapped[str | None] = mapped_column(String(60))  # the 12345 work order number, if passed on
    complainant_name: Mapped[str] = mapped_column(String(100))
    complainant_contact: Mapped[str | None] = mapped_column(String(200))  # phone or address
    content: Mapped[str] = mapped_column(Text)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    # registered, forwarded (waiting for the department), replied, reported (result told to the complainant),
    # closed
    status: Mapped[str] = mapped_column(String(12))
    due_date: Mapped[dt.date | None] = mapped_column(Date)  # hall-local day the department's reply is due
    outcome: Mapped[str | None] = mapped_column(String(12))  # verified, unfounded (once closed)
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_records.id"))  # a verified one's
    registered_by: Mapped[str] = mapped_column(String(120))
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(120))


class ComplaintStep(Base):
    """One step of a complaint's life, as its timeline shows it."""

    __tablename__ = "complaint_steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # registered, forwarded, replied, reported, reverify, visit, closed
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # when it was done (recorded at `recorded_at`)
    person: Mapped[str] = mapped_column(String(100))  # who did it (who replied for the department, who called)
    text: Mapped[str | None] = mapped_column(Text)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))  # forwarded/reverify: to whom
    due_date: Mapped[dt.date | None] = mapped_column(Date)  # forwarded/reverify: the reply's deadline
    days_late: Mapped[int | None] = mapped_column(Integer)  # replied: working days after the deadline
    satisfied: Mapped[bool | None] = mapped_column(Boolean)  # reported/visit: the complainant's answer
    record_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_records.id"))  # a late reply's points
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))  # the account that recorded it
