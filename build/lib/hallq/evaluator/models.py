"""Tables of 好差评: ratings, appeal decisions, and bad-review follow-up cases.

A rating is a fact and is never deleted or edited: a suspicious one is
`flagged` (kept, marked for supervisors), and one ruled mistaken or malicious
on appeal stops being `counted`, with the decision in its own row. The
database refuses a second rating of one ticket (unique ticket_id), so two
racing answers cannot both win.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hallq.db import Base, UTCDateTime


class Rating(Base):
    __tablename__ = "ratings"
    __table_args__ = (
        Index("ix_ratings_hall_at", "hall_id", "at"),
        Index("ix_ratings_window_at", "window_id", "at"),
        Index("ix_ratings_actor_at", "actor", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("windows.id"))  # the window that finished the ticket
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # signed in there at finish
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    level: Mapped[int] = mapped_column(Integer)  # 5 非常满意 … 1 非常不满意
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)  # codes of choices.REASONS
    comment: Mapped[str | None] = mapped_column(String(500))  # free text, personal numbers masked
    channel: Mapped[str] = mapped_column(String(10))  # pad, keypad, qr
    actor: Mapped[str] = mapped_column(String(120))  # the token that sent it (rate limits count by it)
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # the finish that asked for it
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_reason: Mapped[str | None] = mapped_column(String(200))  # comma-separated codes: instant, top_burst
    counted: Mapped[bool] = mapped_column(Boolean, default=True)  # False once an appeal rules it out


class RatingAppeal(Base):
    """A supervisor's ruling on a bad review (申诉复核); one per rating, kept for good."""

    __tablename__ = "rating_appeals"
    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), unique=True)
    ruling: Mapped[str] = mapped_column(String(12))  # mistaken, malicious (not counted), valid (stands)
    reasons: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(120))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class FollowUp(Base):
    """A bad review's case: the window answers for it, a callback, a fix, closed by a deadline."""

    __tablename__ = "followups"
    __table_args__ = (Index("ix_followups_hall_status_due", "hall_id", "status", "due_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    rating_id: Mapped[int] = mapped_column(ForeignKey("ratings.id"), unique=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    window_id: Mapped[int] = mapped_column(ForeignKey("windows.id"))
    assignee_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # 首席代表; None: unassigned
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    due_date: Mapped[dt.date] = mapped_column(Date)  # hall-local day it must be closed by
    status: Mapped[str] = mapped_column(String(12))  # open, closed, withdrawn (appeal upheld)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(120))
    closing_note: Mapped[str | None] = mapped_column(Text)


class FollowUpNote(Base):
    """What was done on a case: a callback to the citizen (回访) or a rectification (整改)."""

    __tablename__ = "followup_notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(ForeignKey("followups.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # callback, rectification
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # when it was done
    person: Mapped[str] = mapped_column(String(100))  # who did it (the caller for a callback)
    text: Mapped[str] = mapped_column(Text)  # the result of the call, or what was fixed
    reached: Mapped[bool | None] = mapped_column(Boolean)  # callback: was the citizen reached
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))  # who recorded it
