"""Tables of the assessment: what supervisors enter, what the hall chose, what was decided.

The queue and the ratings already hold most facts; these tables hold the rest:
- supervisors' records (督查记录) for what the system cannot see, each with its
  evidence and who entered it; a record is never deleted, only voided with a reason;
- the day a promised case (承诺件) was actually finished (办结登记), which the
  queue cannot know: the window accepts the case, the back office finishes it;
- appeals (复议) of one scorecard item, with the decision and the score and rank
  before and after it, kept for good;
- democratic evaluation scores (民主测评) for the annual roll-up;
- the hall's scheme per scope (a preset and its point adjustments), each
  version from the month it applies from;
- the last computed scorecards of each month, which later months read as
  history (two months running 不称职, eligibility lost for the year);
- the sign-off of a month (自查 → reviewed → approved → published), the
  objections windows and staff raise in the self-check, and every published
  revision of a month, frozen with the schemes and definitions it used.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hallq.db import Base, UTCDateTime


class AssessmentRecord(Base):
    """A supervisor's entry: an inspection finding, a verified complaint, a praise letter, …"""

    __tablename__ = "assessment_records"
    __table_args__ = (Index("ix_assessment_records_hall_day", "hall_id", "occurred_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    occurred_on: Mapped[dt.date] = mapped_column(Date)  # the hall-local day it happened: its month counts it
    kind: Mapped[str] = mapped_column(String(30))  # inspection_finding, verified_complaint, praise_letter, …
    item: Mapped[str] = mapped_column(String(60))  # the scheme line it counts under
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    points: Mapped[float | None] = mapped_column(Float)  # only where the line lets the entry set them
    count: Mapped[int] = mapped_column(Integer, default=1)  # 人次 / occurrences
    evidence: Mapped[str] = mapped_column(Text)  # what was seen, where it is filed (photo no., letter no.)
    entered_by: Mapped[str] = mapped_column(String(120))
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    voided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    voided_by: Mapped[str | None] = mapped_column(String(120))
    void_reason: Mapped[str | None] = mapped_column(Text)


class CaseCompletion(Base):
    """The day a promised case was finished (办结), entered after the back office is done."""

    __tablename__ = "case_completions"
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), unique=True)
    completed_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(120))
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class AssessmentAppeal(Base):
    """An appeal (复议) of one scorecard item; pending until decided, then kept with its effect."""

    __tablename__ = "assessment_appeals"
    __table_args__ = (Index("ix_assessment_appeals_hall_month", "hall_id", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    month: Mapped[str] = mapped_column(String(7))  # yyyy-mm
    scope: Mapped[str] = mapped_column(String(12))  # window, department, staff
    unit: Mapped[str] = mapped_column(String(40))  # window number, department code or staff number
    item: Mapped[str] = mapped_column(String(60))  # the scorecard item key
    statement: Mapped[str] = mapped_column(Text)  # why the appellant thinks the item is wrong
    filed_by: Mapped[str] = mapped_column(String(120))
    filed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12))  # pending, decided
    decision: Mapped[str | None] = mapped_column(String(12))  # upheld, removed, changed
    points: Mapped[float | None] = mapped_column(Float)  # the item's new points when changed
    reason: Mapped[str | None] = mapped_column(Text)  # the decision's reasons
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The card as it stood just before and just after the decision.
    points_before: Mapped[float | None] = mapped_column(Float)
    score_before: Mapped[float | None] = mapped_column(Float)
    rank_before: Mapped[int | None] = mapped_column(Integer)
    score_after: Mapped[float | None] = mapped_column(Float)
    rank_after: Mapped[int | None] = mapped_column(Integer)


class DemocraticScore(Base):
    """A unit's democratic evaluation (民主测评) of the year, out of 100."""

    __tablename__ = "democratic_scores"
    __table_args__ = (UniqueConstraint("hall_id", "year", "scope", "unit"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    year: Mapped[int] = mapped_column(Integer)
    scope: Mapped[str] = mapped_column(String(12))
    unit: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column(Float)
    entered_by: Mapped[str] = mapped_column(String(120))
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class HallScheme(Base):
    """The scheme a hall assesses one scope by from a month on: a shipped preset and its point adjustments."""

    __tablename__ = "assessment_scheme_versions"
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), primary_key=True)
    scope: Mapped[str] = mapped_column(String(12), primary_key=True)
    from_month: Mapped[str] = mapped_column(String(7), primary_key=True)  # yyyy-mm; ALWAYS: every month
    preset: Mapped[str] = mapped_column(String(60))
    overrides: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    changed_by: Mapped[str] = mapped_column(String(120))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class AssessmentResult(Base):
    """The scorecards of one month and scope as last computed (history for later months)."""

    __tablename__ = "assessment_results"
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    scope: Mapped[str] = mapped_column(String(12), primary_key=True)
    scheme: Mapped[str] = mapped_column(String(60))
    cards: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class PublicationStep(Base):
    """One step of a month's sign-off, never changed: the month stands at its last step.

    Steps: self_check (the windows see their cards until `until`), reviewed
    (考核小组), approved (管委会), published (revision 1), revised (an appeal
    ruling on a published month: a new revision). `digest` is the result the
    step signed, so a later step can tell the month changed under it."""

    __tablename__ = "assessment_publication_steps"
    __table_args__ = (Index("ix_assessment_publication_steps_month", "hall_id", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    month: Mapped[str] = mapped_column(String(7))
    step: Mapped[str] = mapped_column(String(12))
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    until: Mapped[dt.date | None] = mapped_column(Date)  # self_check: the last day to object
    digest: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


class Objection(Base):
    """An objection (异议) a window or staff member raises to its card during the self-check (自查)."""

    __tablename__ = "assessment_objections"
    __table_args__ = (Index("ix_assessment_objections_month", "hall_id", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    month: Mapped[str] = mapped_column(String(7))
    scope: Mapped[str] = mapped_column(String(12))
    unit: Mapped[str] = mapped_column(String(40))
    item: Mapped[str | None] = mapped_column(String(60))  # the card line objected to; None: the card as a whole
    statement: Mapped[str] = mapped_column(Text)
    raised_by: Mapped[str] = mapped_column(String(120))
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    accepted: Mapped[bool | None] = mapped_column(Boolean)  # None until answered
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(120))
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class PublishedRevision(Base):
    """A published month, frozen: every scorecard, the schemes and definitions it was computed by.
    Revision 1 is the publication; each later one an appeal ruling, with the cards it changed."""

    __tablename__ = "assessment_revisions"
    __table_args__ = (UniqueConstraint("hall_id", "month", "revision"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    month: Mapped[str] = mapped_column(String(7))
    revision: Mapped[int] = mapped_column(Integer)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)   # MonthResult.to_record()
    schemes: Mapped[dict[str, Any]] = mapped_column(JSON)  # scope -> {"preset", "overrides", "from_month", "scheme"}
    definitions: Mapped[dict[str, Any]] = mapped_column(JSON)
    ignored: Mapped[list[str]] = mapped_column(JSON, default=list)
    digest: Mapped[str] = mapped_column(String(64))
    published_by: Mapped[str] = mapped_column(String(120))
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_appeals.id"))
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # cards whose score, grade or rank moved


# --- indexes the assessment reads by, on the queue's and the ratings' tables -------------
# Declared here, next to the reads that need them (gather.py, operations.py), so the
# queue's own models stay about the queue. Each one turns a scan of the hall's whole
# history into a range of one month: a hall keeps years of tickets.
from hallq.evaluator.models import Rating  # noqa: E402
from hallq.queue.models import Ticket, TicketEvent  # noqa: E402

# A month's finished, transferred, skipped and called events.
Index("ix_ticket_events_hall_kind_at", TicketEvent.hall_id, TicketEvent.kind, TicketEvent.at)
# Promised (承诺件) and supplement (补办件) tickets of a span of days.
Index("ix_tickets_hall_outcome_day", Ticket.hall_id, Ticket.outcome, Ticket.day)
# A month's tickets by issue time (waiting times, volume by hour).
Index("ix_tickets_hall_issued", Ticket.hall_id, Ticket.issued_at)
# Ratings belong to the month of the finish that asked for them.
Index("ix_ratings_hall_requested", Rating.hall_id, Rating.requested_at)


# --- the county government's 双目标 (seed 003 (三)): the centre's findings, the year reported --------------

class DualTargetFinding(Base):
    """The centre's finding of how far a department's approval work moved into the hall, for one year: the
    class (`annual.dual_target` of the scheme) that decides the share of its total it gets. Never changed:
    a correction is a new row naming the one it replaces and why; the newest row of a department and year
    is the finding in force (`finding` None: withdrawn, no finding)."""

    __tablename__ = "dual_target_findings"
    __table_args__ = (Index("ix_dual_target_findings_year", "hall_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    year: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    finding: Mapped[str | None] = mapped_column(String(40))  # the class key; None: the finding withdrawn
    evidence: Mapped[str] = mapped_column(Text)  # what the office checked: the inspection, the list of items, the file
    entered_by: Mapped[str] = mapped_column(String(120))
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("dual_target_findings.id"))
    reason: Mapped[str | None] = mapped_column(Text)  # why it replaces the earlier finding
    revision: Mapped[int | None] = mapped_column(Integer)  # the reported revision a correction after reporting made


class DualTargetRevision(Base):
    """The year's 双目标 shares as the centre reported them to the county government, frozen: revision 1 is
    the report; each later one a finding corrected after it, with its reason and the departments it moved."""

    __tablename__ = "dual_target_revisions"
    __table_args__ = (UniqueConstraint("hall_id", "year", "revision"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id"))
    year: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)
    scheme: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"id", "name", "classes"}: the classes it was reported by
    cards: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # DualTargetCard.to_dict() per department
    published_by: Mapped[str] = mapped_column(String(120))
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("dual_target_findings.id"))
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # departments whose figure moved
