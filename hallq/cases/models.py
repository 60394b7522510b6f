"""The case tables: a case per accepted ticket, the tasks of a joint case, and every change to either."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hallq.db import Base, UTCDateTime

# The kinds of case, named as the finish's outcome names them (API.md).
KINDS = ("promised", "joint", "forwarded", "supplement", "rejected")
# open: being worked on; waiting: for the citizen's materials (补办件); done: the result is ready (办结);
# delivered: handed out (发放结果). A refusal (答复件) is done when opened: its answer is the result.
STATUSES = ("open", "waiting", "done", "delivered")


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_hall_status_due", "hall_id", "status", "due_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"))  # the window that accepted it
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))  # answers for it (牵头)
    accepted_by: Mapped[str] = mapped_column(String(120))
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    promised_days: Mapped[int | None] = mapped_column(Integer)
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    # What the kind needs: missing materials (补办件), the reason (答复件), to whom it went (上报件), a note.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    delay_reason: Mapped[str | None] = mapped_column(Text)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    completed_on: Mapped[dt.date | None] = mapped_column(Date)
    result_ready_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    notified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # "result ready" sent to the citizen
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    delivered_by: Mapped[str | None] = mapped_column(String(120))
    delivered_to: Mapped[str | None] = mapped_column(String(100))


class CaseTask(Base):
    """One department's part of a joint case (联办件, 并联审批): the lead's and each assisting department's."""

    __tablename__ = "case_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    role: Mapped[str] = mapped_column(String(8))  # lead, assist
    task: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    done_by: Mapped[str | None] = mapped_column(String(120))


class CaseChange(Base):
    """Every step and correction of a case: who, when, what it was before and after (the case's log)."""

    __tablename__ = "case_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(20))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
