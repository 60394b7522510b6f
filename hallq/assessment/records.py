"""What people enter for the assessment: supervisors' records, case completions,
appeals (复议) and their decisions, democratic evaluation scores.

Every function takes the session, who acts, the hall and the time; it checks the
permission ("assess" for supervisors, "appeal" for a clerk's own card), checks
the entry against the scheme in use, and writes a row that names who entered it.
Nothing is deleted: a wrong record is voided with a reason, an appeal keeps its
decision with the score and rank before and after.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallq.queue.accounts import Principal
from hallq.assessment.engine import RECORD_KINDS
from hallq.assessment.facts import SCOPES
from hallq.assessment.models import AssessmentAppeal, AssessmentRecord, DemocraticScore
from hallq.assessment.scheme import Rule
from hallq.assessment.publication import revise
from hallq.assessment.service import label, latest, month_result, parse_month, scheme_plan
from hallq.assessment.speaks_for import speaks_for
from hallq.queue.errors import Invalid, NotFound, Refused
from hallq.queue.facts import iso
from hallq.queue.halls import HallContext
from hallq.queue.models import Department, Staff, Window

DECISIONS = ("upheld", "removed", "changed")
DECISION_NAMES = {"upheld": "维持", "removed": "撤销该项", "changed": "变更分值"}
TEXT_MAX = 4000


def _text(value: str | None, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid("invalid_input", detail=f"{field} is required")
    return value[:TEXT_MAX]


# --- supervisors' records ------------------------------------------------------------------

def record_lines(s: Session, hall_id: int, month: str | None = None) -> dict[str, Rule]:
    """The scheme lines a record may name, over every scope the hall assesses (in `month`; default: newest)."""
    lines: dict[str, Rule] = {}
    for scheme in scheme_plan(s, hall_id, month).values():
        for rule in scheme.record_items():
            lines.setdefault(rule.key, rule)
    return lines


def _units(s: Session, hall_id: int, window: int | None, staff: str | None, department: str | None):
    w = st = d = None
    if window is not None:
        w = s.scalar(select(Window).where(Window.hall_id == hall_id, Window.number == window))
        if w is None:
            raise NotFound("window_unknown", window=window)
    if staff:
        st = s.scalar(select(Staff).where(Staff.hall_id == hall_id, Staff.number == staff))
        if st is None:
            raise NotFound("invalid_input", detail=f"no staff member {staff}")
    if department:
        d = s.scalar(select(Department).where(Department.hall_id == hall_id, Department.code == department))
        if d is None:
            raise NotFound("invalid_input", detail=f"no department {department}")
    if w is None and st is None and d is None:
        raise Invalid("invalid_input", detail="a record names a window, a staff member or a department")
    return w, st, d


def add_record(s: Session, who: Principal, ctx: HallContext, now: dt.datetime, *, kind: str, item: str,
               occurred_on: dt.date, evidence: str, window: int | None = None, staff: str | None = None,
               department: str | None = None, points: float | None = None, count: int = 1) -> AssessmentRecord:
    who.require("assess")
    return derived_record(s, who.actor, ctx, now, kind=kind, item=item, occurred_on=occurred_on, evidence=evidence,
                          window=window, staff=staff, department=department, points=points, count=count)


def derived_record(s: Session, actor: str, ctx: HallContext, now: dt.datetime, *, kind: str, item: str,
                   occurred_on: dt.date, evidence: str, window: int | None = None, staff: str | None = None,
                   department: str | None = None, points: float | None = None, count: int = 1) -> AssessmentRecord:
    """A record a rule derives from a fact someone was allowed to record (a department's late reply to a
    complaint, recorded by its chief representative, who may not enter records): the same checks as
    add_record, the permission being the fact's own. `actor`: who recorded the fact."""
    if kind not in RECORD_KINDS:
        raise Invalid("invalid_input", detail=f"kind must be one of {', '.join(RECORD_KINDS)}")
    month = label(occurred_on.year, occurred_on.month)
    _not_published(s, ctx.id, month)
    lines = record_lines(s, ctx.id, month)
    rule = lines.get(item)
    if rule is None:
        raise Invalid("invalid_input", detail=f"no record line {item!r} in the hall's schemes")
    if not 1 <= count <= 1000:
        raise Invalid("invalid_input", detail="count must be from 1 to 1000")
    if rule.entry_points is not None:
        lo, hi = rule.entry_points
        if points is None or not lo <= points <= hi:
            raise Invalid("invalid_input", detail=f"{rule.name}: points from {lo:g} to {hi:g}")
    elif points is not None and points != rule.points:
        raise Invalid("invalid_input", detail=f"{rule.name} is worth {rule.points:g} points; leave points out")
    else:
        points = None
    if occurred_on > ctx.hours.local_day(now):
        raise Invalid("invalid_input", detail="occurred_on cannot be in the future")
    w, st, d = _units(s, ctx.id, window, staff, department)
    row = AssessmentRecord(hall_id=ctx.id, occurred_on=occurred_on, kind=kind, item=item,
                           window_id=w.id if w else None, staff_id=st.id if st else None,
                           department_id=d.id if d else None, points=points, count=count,
                           evidence=_text(evidence, "evidence"), entered_by=actor, entered_at=now)
    s.add(row)
    s.flush()
    return row


def _not_published(s: Session, hall_id: int, month: str) -> None:
    """A published month's records stay as they were; it changes only by an appeal ruling."""
    if latest(s, hall_id, month) is not None:
        raise Refused("month_published", month=month)


def get_record(s: Session, hall_id: int, record_id: int) -> AssessmentRecord:
    row = s.get(AssessmentRecord, record_id) if 0 < record_id < 2**31 else None
    if row is None or row.hall_id != hall_id:
        raise NotFound("invalid_input", detail=f"no record {record_id}")
    return row


def void_record(s: Session, who: Principal, ctx: HallContext, record_id: int, reason: str,
                now: dt.datetime) -> AssessmentRecord:
    who.require("assess")
    row = get_record(s, ctx.id, record_id)
    _not_published(s, ctx.id, label(row.occurred_on.year, row.occurred_on.month))
    if row.voided_at is not None:
        raise Refused("invalid_input", detail=f"record {record_id} is already void")
    row.voided_at, row.voided_by, row.void_reason = now, who.actor, _text(reason, "reason")
    return row


class Names:
    """Window numbers, staff numbers and department codes by id, read once."""

    def __init__(self, s: Session, hall_id: int):
        self.window = dict(s.execute(select(Window.id, Window.number).where(Window.hall_id == hall_id)).all())
        self.staff = {i: (n, name) for i, n, name in s.execute(
            select(Staff.id, Staff.number, Staff.name).where(Staff.hall_id == hall_id))}
        self.dept = {i: (c, name) for i, c, name in s.execute(
            select(Department.id, Department.code, Department.name).where(Department.hall_id == hall_id))}


def record_json(r: AssessmentRecord, names: Names, lines: dict[str, Rule] | None = None) -> dict[str, Any]:
    rule = (lines or {}).get(r.item)
    staff = names.staff.get(r.staff_id)
    dept = names.dept.get(r.department_id)
    return {
        "id": r.id, "occurred_on": r.occurred_on.isoformat(), "month": r.occurred_on.strftime("%Y-%m"),
        "kind": r.kind, "kind_name": RECORD_KINDS.get(r.kind, r.kind), "item": r.item,
        "item_name": rule.name if rule else r.item,
        "points_each": r.points if r.points is not None else (rule.points if rule else None),
        "points": r.points, "count": r.count, "window": names.window.get(r.window_id),
        "staff": {"number": staff[0], "name": staff[1]} if staff else None,
        "department": {"code": dept[0], "name": dept[1]} if dept else None,
        "evidence": r.evidence, "entered_by": r.entered_by, "entered_at": iso(r.entered_at),
        "void": r.voided_at is not None,
        "voided_at": iso(r.voided_at) if r.voided_at else None, "voided_by": r.voided_by, "void_reason": r.void_reason,
    }


def records(s: Session, hall_id: int, month: str) -> list[AssessmentRecord]:
    year, m = parse_month(month)
    first = dt.date(year, m, 1)
    nxt = dt.date(year + (m == 12), m % 12 + 1, 1)
    return list(s.scalars(select(AssessmentRecord).where(
        AssessmentRecord.hall_id == hall_id, AssessmentRecord.occurred_on >= first,
        AssessmentRecord.occurred_on < nxt).order_by(AssessmentRecord.occurred_on, AssessmentRecord.id)))


# --- appeals (复议) ------------------------------------------------------------------------------

def _card(month, scope: str, unit: str):
    cards = month.result.cards.get(scope, [])
    return next((c for c in cards if c.unit == unit), None)


def file_appeal(s: Session, who: Principal, ctx: HallContext, now: dt.datetime, *, month: str, scope: str,
                unit: str, item: str, statement: str) -> AssessmentAppeal:
    year, m = parse_month(month)
    if scope not in SCOPES:
        raise Invalid("invalid_input", detail=f"scope must be one of {', '.join(SCOPES)}")
    speaks_for(s, who, ctx.id, scope, unit)
    current = month_result(s, ctx, year, m, now=now, store=False)
    card = _card(current, scope, unit)
    if card is None:
        raise NotFound("invalid_input", detail=f"no {scope} {unit} assessed in {month}")
    if card.item(item) is None:
        raise Invalid("invalid_input", detail=f"{item!r} is not an item of that scorecard")
    pending = s.scalar(select(AssessmentAppeal.id).where(
        AssessmentAppeal.hall_id == ctx.id, AssessmentAppeal.month == label(year, m),
        AssessmentAppeal.scope == scope, AssessmentAppeal.unit == unit, AssessmentAppeal.item == item,
        AssessmentAppeal.status == "pending"))
    if pending is not None:
        raise Refused("invalid_input", detail=f"appeal {pending} of this item is still pending")
    row = AssessmentAppeal(hall_id=ctx.id, month=label(year, m), scope=scope, unit=unit, item=item,
                           statement=_text(statement, "statement"), filed_by=who.actor, filed_at=now,
                           status="pending")
    s.add(row)
    s.flush()
    return row


def get_appeal(s: Session, hall_id: int, appeal_id: int) -> AssessmentAppeal:
    row = s.get(AssessmentAppeal, appeal_id) if 0 < appeal_id < 2**31 else None
    if row is None or row.hall_id != hall_id:
        raise NotFound("invalid_input", detail=f"no appeal {appeal_id}")
    return row


def decide_appeal(s: Session, who: Principal, ctx: HallContext, appeal_id: int, now: dt.datetime, *,
                  decision: str, reason: str, points: float | None = None) -> AssessmentAppeal:
    """Decide a pending appeal; the month is recomputed and kept, with the card before and after."""
    who.require("assess")
    if decision not in DECISIONS:
        raise Invalid("invalid_input", detail=f"decision must be one of {', '.join(DECISIONS)}")
    if decision == "changed" and points is None:
        raise Invalid("invalid_input", detail="a changed item needs its new points")
    row = get_appeal(s, ctx.id, appeal_id)
    if row.status != "pending":
        raise Refused("invalid_input", detail=f"appeal {appeal_id} was decided already")
    year, m = parse_month(row.month)
    before = _card(month_result(s, ctx, year, m, now=now, store=False), row.scope, row.unit)
    row.status, row.decision, row.reason = "decided", decision, _text(reason, "reason")
    row.points = points if decision == "changed" else None
    row.decided_by, row.decided_at = who.actor, now
    s.flush()
    if latest(s, ctx.id, row.month) is not None:
        # A published month changes only here: the ruling is its next revision.
        revise(s, ctx, row.month, now, actor=who.actor, appeal_id=row.id,
               reason=f"复议{row.id}（{row.scope} {row.unit} {row.item}）：{DECISION_NAMES[decision]}。{row.reason}")
    after = _card(month_result(s, ctx, year, m, now=now), row.scope, row.unit)
    if before is not None:
        item = before.item(row.item)
        row.points_before = item.points if item else None
        row.score_before, row.rank_before = before.score, before.rank
    if after is not None:
        row.score_after, row.rank_after = after.score, after.rank
    return row


def appeal_json(a: AssessmentAppeal) -> dict[str, Any]:
    return {
        "id": a.id, "month": a.month, "scope": a.scope, "unit": a.unit, "item": a.item, "statement": a.statement,
        "filed_by": a.filed_by, "filed_at": iso(a.filed_at), "status": a.status, "decision": a.decision,
        "points": a.points, "reason": a.reason, "decided_by": a.decided_by,
        "decided_at": iso(a.decided_at) if a.decided_at else None,
        "before": {"points": a.points_before, "score": a.score_before, "rank": a.rank_before},
        "after": {"score": a.score_after, "rank": a.rank_after},
    }


def appeals(s: Session, hall_id: int, month: str | None = None, status: str | None = None) -> list[AssessmentAppeal]:
    query = select(AssessmentAppeal).where(AssessmentAppeal.hall_id == hall_id)
    if month:
        year, m = parse_month(month)
        query = query.where(AssessmentAppeal.month == label(year, m))
    if status:
        query = query.where(AssessmentAppeal.status == status)
    return list(s.scalars(query.order_by(AssessmentAppeal.id)))


# --- democratic evaluation (民主测评) -------------------------------------------------------------

def set_democratic(s: Session, who: Principal, ctx: HallContext, year: int, scope: str,
                   scores: dict[str, float], now: dt.datetime) -> list[DemocraticScore]:
    who.require("assess")
    if scope not in SCOPES:
        raise Invalid("invalid_input", detail=f"scope must be one of {', '.join(SCOPES)}")
    if not 2000 <= year <= 2999:
        raise Invalid("invalid_input", detail="year must be yyyy")
    known = _unit_keys(s, ctx.id, scope)
    rows = []
    for unit, score in scores.items():
        if unit not in known:
            raise NotFound("invalid_input", detail=f"no {scope} {unit}")
        if not 0 <= score <= 100:
            raise Invalid("invalid_input", detail="a democratic score is from 0 to 100")
        row = s.scalar(select(DemocraticScore).where(DemocraticScore.hall_id == ctx.id, DemocraticScore.year == year,
                                                     DemocraticScore.scope == scope, DemocraticScore.unit == unit))
        if row is None:
            row = DemocraticScore(hall_id=ctx.id, year=year, scope=scope, unit=unit)
            s.add(row)
        row.score, row.entered_by, row.entered_at = float(score), who.actor, now
        rows.append(row)
    s.flush()
    return rows


def _unit_keys(s: Session, hall_id: int, scope: str) -> set[str]:
    if scope == "window":
        return {str(n) for n in s.scalars(select(Window.number).where(Window.hall_id == hall_id))}
    if scope == "staff":
        return set(s.scalars(select(Staff.number).where(Staff.hall_id == hall_id)))
    return set(s.scalars(select(Department.code).where(Department.hall_id == hall_id)))
