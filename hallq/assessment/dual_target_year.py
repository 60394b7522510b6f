"""A year's 双目标 shares from the centre's stored findings (seed 003 (三)), and the year as reported.

    year = dual_target_year(session, ctx, 2025, now)   # live until reported, then the newest revision
    publish(session, who, ctx, 2025, now, note)         # revision 1: the report to the county government

The shares are computed by `dual_target.dual_target` from the windows' annual scores (the year page's) and
the finding in force for each department (the newest of its rows, hallq.assessment.models.DualTargetFinding).

Reported (报送) is the 双目标's publication, done the way a month's is (hallq.assessment.publication): the
centre (admins, "approve") reports a year that is over and whose months are all published, so every total
rests on frozen months; the report is stored whole and read from then on. After it nothing changes silently:
a finding entered or corrected later (hallq.assessment.dual_target_findings) makes the next revision, with
its reason, author and the departments whose figure moved, the window totals kept as reported (as an appeal
ruling recomputes a month with the schemes it was frozen with); every revision stays readable.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallq.assessment.annual import AnnualCard
from hallq.assessment.dual_target import DualTargetCard, dual_target, shares
from hallq.assessment.models import DualTargetFinding, DualTargetRevision
from hallq.assessment.scheme import DualTargetClass, Scheme
from hallq.assessment.service import _month_has_facts, label, latest, scheme_plan, year_counted_to, year_result
from hallq.queue.accounts import Principal
from hallq.queue.errors import Refused
from hallq.queue.halls import HallContext
from hallq.queue.models import Department, Window

TEXT_MAX = 4000


def dual_scheme(s: Session, hall_id: int, year: int) -> Scheme:
    """The scheme the year ends under that has 双目标 classes (seed 003's 窗口争星), or refused."""
    plan = scheme_plan(s, hall_id, label(year, 12))
    for scope in ("window", "department", "staff"):
        scheme = plan.get(scope)
        if scheme is not None and scheme.annual is not None and scheme.annual.dual_target:
            return scheme
    raise Refused("dual_target_none", year=year)


def classes_json(scheme: Scheme | dict[str, Any]) -> list[dict[str, Any]]:
    if isinstance(scheme, dict):
        return list(scheme["classes"])
    return [c.model_dump(mode="json") for c in scheme.annual.dual_target]


# --- the findings ---------------------------------------------------------------------------

def findings(s: Session, hall_id: int, year: int) -> list[DualTargetFinding]:
    """Every finding of the year, corrections included, oldest first."""
    return list(s.scalars(select(DualTargetFinding).where(DualTargetFinding.hall_id == hall_id,
                                                          DualTargetFinding.year == year)
                          .order_by(DualTargetFinding.id)))


def in_force(rows: list[DualTargetFinding]) -> dict[int, DualTargetFinding]:
    """Department id -> its newest finding (a withdrawn one included: its `finding` is None)."""
    out: dict[int, DualTargetFinding] = {}
    for row in rows:
        out[row.department_id] = row
    return out


# --- the year -----------------------------------------------------------------------------------

@dataclass
class DualTargetYear:
    year: int
    scheme: dict[str, Any]                 # {"id", "name", "classes"}
    cards: list[dict[str, Any]]            # DualTargetCard.to_dict() per department, with its code's name
    counted_to: dt.date | None = None      # a year not over: its last day counted (provisional)
    revision: int | None = None            # reported: the revision read
    revisions: list[DualTargetRevision] = field(default_factory=list)


def _scheme_json(scheme: Scheme) -> dict[str, Any]:
    return {"id": scheme.id, "name": scheme.name, "name_en": scheme.name_en, "classes": classes_json(scheme)}


def compute(s: Session, ctx: HallContext, year: int, now: dt.datetime) -> DualTargetYear:
    """The year as it now stands: the windows' annual scores (months up to now) and the findings in force."""
    scheme = dual_scheme(s, ctx.id, year)
    window_year, _ = year_result(s, ctx, year, "window", now)
    departments = list(s.execute(select(Department.id, Department.code, Department.name)
                                 .where(Department.hall_id == ctx.id).order_by(Department.code)).all())
    windows: dict[int, list[int]] = {}
    for dept_id, number in s.execute(select(Window.department_id, Window.number).where(
            Window.hall_id == ctx.id, Window.department_id.is_not(None)).order_by(Window.number)):
        windows.setdefault(dept_id, []).append(number)
    current = in_force(findings(s, ctx.id, year))
    cards = _cards(scheme, window_year, departments, windows, current)
    return DualTargetYear(year, _scheme_json(scheme), cards, year_counted_to(ctx, year, now))


def _cards(scheme: Scheme, window_year: list[AnnualCard], departments, windows: dict[int, list[int]],
           current: dict[int, DualTargetFinding]) -> list[dict[str, Any]]:
    known = {c.key for c in scheme.annual.dual_target}
    by_code = {code: current.get(dept_id) for dept_id, code, _ in departments}
    # A finding of a class the scheme no longer has (the hall changed its scheme): no figure, said so.
    stale = {code for code, row in by_code.items() if row is not None and row.finding and row.finding not in known}
    found = {code: row.finding for code, row in by_code.items() if row is not None and row.finding in known}
    out: list[DualTargetCard] = dual_target(scheme, window_year, {code: name for _, code, name in departments},
                                            {code: windows.get(dept_id, ()) for dept_id, code, _ in departments},
                                            found)
    for card in out:
        row = by_code.get(card.department)
        card.finding_id = row.id if row is not None else None
        if card.department in stale:
            card.finding = row.finding
            card.note = f"认定的情形“{row.finding}”不在当前考核办法中，不计分：请重新认定"
            card.note_key = "stale"
    return [c.to_dict() for c in out]


def revisions(s: Session, hall_id: int, year: int) -> list[DualTargetRevision]:
    return list(s.scalars(select(DualTargetRevision).where(DualTargetRevision.hall_id == hall_id,
                                                           DualTargetRevision.year == year)
                          .order_by(DualTargetRevision.revision)))


def reported(s: Session, hall_id: int, year: int) -> DualTargetRevision | None:
    """The newest reported revision of the year, if it was reported."""
    return s.scalar(select(DualTargetRevision).where(DualTargetRevision.hall_id == hall_id,
                                                     DualTargetRevision.year == year)
                    .order_by(DualTargetRevision.revision.desc()).limit(1))


def dual_target_year(s: Session, ctx: HallContext, year: int, now: dt.datetime) -> DualTargetYear:
    """A reported year as frozen (its newest revision); any other computed now."""
    rows = revisions(s, ctx.id, year)
    if rows:
        last = rows[-1]
        return DualTargetYear(year, last.scheme, list(last.cards), None, last.revision, rows)
    return compute(s, ctx, year, now)


def moved_since_report(s: Session, ctx: HallContext, year: int, now: dt.datetime) -> list[dict[str, Any]]:
    """Departments whose total or figure, computed now, differs from the newest report: a window's month revised
    by an appeal ruling, or a democratic score changed, after it. The report stands as it was (nothing changes
    silently); the office sees the difference and the centre decides. Empty for a year not reported."""
    last = reported(s, ctx.id, year)
    if last is None:
        return []
    try:
        live = {c["department"]: c for c in compute(s, ctx, year, now).cards}
    except Refused:  # the hall's scheme has no 双目标 classes any more: nothing to compare
        return []
    out = []
    for card in last.cards:
        now_card = live.get(card["department"])
        if now_card is not None and (now_card["total"], now_card["score"]) != (card["total"], card["score"]):
            out.append({"department": card["department"], "name": card["name"],
                        "reported": {"total": card["total"], "score": card["score"]},
                        "now": {"total": now_card["total"], "score": now_card["score"]}})
    return out


# --- reporting ------------------------------------------------------------------------------------

def publish(s: Session, who: Principal, ctx: HallContext, year: int, now: dt.datetime,
            note: str | None = None) -> DualTargetRevision:
    """Report the year (revision 1): the centre's (admins), once the year is over and its months published."""
    who.require("approve")
    if ctx.hours.local_day(now).year <= year:
        raise Refused("year_not_over", year=year)
    if reported(s, ctx.id, year) is not None:
        raise Refused("dual_target_reported", year=year)
    open_months = [label(year, m) for m in range(1, 13)
                   if _month_has_facts(s, ctx, year, m) and latest(s, ctx.id, label(year, m)) is None]
    if open_months:
        raise Refused("months_unpublished", months="、".join(open_months))
    live = compute(s, ctx, year, now)
    row = DualTargetRevision(hall_id=ctx.id, year=year, revision=1, scheme=live.scheme, cards=live.cards,
                             published_by=who.actor, published_at=now,
                             reason=(note or "").strip()[:TEXT_MAX] or "报送", changes=[])
    s.add(row)
    s.flush()
    return row


def revise(s: Session, ctx: HallContext, year: int, finding: DualTargetFinding, now: dt.datetime,
           reason: str) -> DualTargetRevision:
    """A finding entered after the report: the next revision, each department's windows and totals as
    reported, its class the finding in force; with the departments whose share or figure moved."""
    previous = reported(s, ctx.id, year)
    classes = [DualTargetClass.model_validate(c) for c in previous.scheme["classes"]]
    year_scores = {unit: score for c in previous.cards for unit, score in c["window_scores"].items()}
    current = in_force(findings(s, ctx.id, year))
    code_of = dict(s.execute(select(Department.id, Department.code).where(Department.hall_id == ctx.id)).all())
    by_code = {code_of[dept_id]: row for dept_id, row in current.items()}
    known = {c.key for c in classes}
    out = shares(classes, year_scores, {c["department"]: c["name"] for c in previous.cards},
                 {c["department"]: c["windows"] for c in previous.cards},
                 {code: row.finding for code, row in by_code.items() if row.finding in known})
    for card in out:
        row = by_code.get(card.department)
        card.finding_id = row.id if row is not None else None
    cards = [c.to_dict() for c in out]
    row = DualTargetRevision(hall_id=ctx.id, year=year, revision=previous.revision + 1, scheme=previous.scheme,
                             cards=cards, published_by=finding.entered_by, published_at=now,
                             reason=reason[:TEXT_MAX], finding_id=finding.id, changes=_changes(previous.cards, cards))
    s.add(row)
    s.flush()
    return row


def _changes(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def shown(card: dict[str, Any]) -> dict[str, Any]:
        return {"finding": card["finding"], "share": card["share"], "score": card["score"]}

    old = {c["department"]: c for c in before}
    return [{"department": c["department"], "name": c["name"],
             "before": shown(old[c["department"]]) if c["department"] in old else None, "after": shown(c)}
            for c in after if c["department"] not in old or shown(old[c["department"]]) != shown(c)]
