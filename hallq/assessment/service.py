"""The assessment of a hall as the web layer asks for it: the scheme the hall chose,
a month computed from the database (and kept as history), the year rolled up.

    result = month_result(session, ctx, 2025, 10)     # MonthResult, stored for later months
    cards = year_result(session, ctx, 2025, "window")  # AnnualCards
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hallq.assessment.annual import AnnualCard, compute_year
from hallq.assessment.engine import compute_month
from hallq.assessment.facts import SCOPES, Scope
from hallq.assessment.gather import DEFINITIONS, IN_CHUNK, gather_month, month_span
from hallq.assessment.history import history_from_cards
from hallq.assessment.models import AssessmentRecord, AssessmentResult, DemocraticScore, HallScheme, PublishedRevision
from hallq.assessment.presets import SchemeError, list_presets, load_preset
from hallq.assessment.scheme import Annual, Scheme
from hallq.assessment.scorecard import MonthResult
from hallq.queue import audit, inputs
from hallq.queue.errors import Invalid, Refused
from hallq.queue.halls import HallContext
from hallq.queue.models import Department, Staff, Window, WindowPost, WindowSession

DEFAULT_PRESET = "county_window"
ALWAYS = "0000-00"  # HallScheme.from_month of the version for every month
# Seed 003's roll-up, for a scheme that names none: 60% monthly average, 40% 民主测评.
DEFAULT_ANNUAL = Annual(monthly_weight=0.6, democratic_weight=0.4)


def parse_month(text: str) -> tuple[int, int]:
    return inputs.month(text)  # the one way a month is read (ASCII digits, 2000-01 to 2999-12)


def label(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


# --- the hall's schemes ---------------------------------------------------------------
# A scheme applies from a month on (HallScheme.from_month); ALWAYS is the version for every
# month before the first change. A published month keeps the schemes it was frozen with.

def scheme_rows(s: Session, hall_id: int, month: str | None = None) -> dict[str, HallScheme]:
    """Per scope, the version in force in `month` (yyyy-mm); without one, the newest version."""
    query = select(HallScheme).where(HallScheme.hall_id == hall_id)
    if month is not None:
        query = query.where(HallScheme.from_month <= month)
    rows: dict[str, HallScheme] = {}
    for row in s.scalars(query.order_by(HallScheme.from_month)):
        rows[row.scope] = row
    return rows


def scheme_versions(s: Session, hall_id: int) -> list[HallScheme]:
    return list(s.scalars(select(HallScheme).where(HallScheme.hall_id == hall_id)
                          .order_by(HallScheme.scope, HallScheme.from_month)))


def scheme_plan(s: Session, hall_id: int, month: str | None = None) -> dict[Scope, Scheme]:
    """The scheme per assessed scope in `month` (default: the newest); the county scheme for all three
    until the hall picks."""
    if not s.scalar(select(HallScheme.hall_id).where(HallScheme.hall_id == hall_id).limit(1)):
        scheme = load_preset(DEFAULT_PRESET)
        return {scope: scheme for scope in scheme.scopes}
    rows = scheme_rows(s, hall_id, month)
    return {scope: load_preset(rows[scope].preset, rows[scope].overrides or None) for scope in SCOPES
            if scope in rows}


def set_scheme(s: Session, ctx: HallContext, scope: Scope, preset: str, overrides: Mapping[str, Any] | None,
               actor: str, now: dt.datetime, from_month: str | None = None) -> Scheme:
    """Choose (or adjust) the scheme of one scope from a month on (default: this month); refuses a preset
    or override that does not load, and a month already published (it keeps the scheme it was frozen with)."""
    if scope not in SCOPES:
        raise Invalid("invalid_input", detail=f"scope must be one of {', '.join(SCOPES)}")
    if preset not in list_presets():
        raise Invalid("invalid_input", detail=f"no preset {preset!r}; presets: {', '.join(list_presets())}")
    try:
        scheme = load_preset(preset, overrides or None)
    except SchemeError as exc:
        raise Invalid("invalid_input", detail=str(exc)) from None
    if scope not in scheme.scopes:
        raise Invalid("invalid_input", detail=f"{preset} does not assess {scope}")
    if from_month is None:
        today = ctx.hours.local_day(now)
        from_month = label(today.year, today.month)
    else:
        from_month = label(*parse_month(from_month))
    published = last_published_month(s, ctx.id)
    if published is not None and from_month <= published:
        raise Refused("published", detail=f"{published} is published with the scheme it used; "
                                          f"a change can apply from the month after it on")
    if not s.scalar(select(HallScheme.hall_id).where(HallScheme.hall_id == ctx.id).limit(1)):
        # Until now every scope was assessed by the default: that stays so for the months before.
        for other in load_preset(DEFAULT_PRESET).scopes:
            s.add(HallScheme(hall_id=ctx.id, scope=other, from_month=ALWAYS, preset=DEFAULT_PRESET, overrides={},
                             changed_by=actor, changed_at=now))
        s.flush()
    row = s.get(HallScheme, (ctx.id, scope, from_month))
    before = {"preset": row.preset, "overrides": row.overrides} if row is not None else None
    if row is None:
        row = HallScheme(hall_id=ctx.id, scope=scope, from_month=from_month)
        s.add(row)
    row.preset, row.overrides, row.changed_by, row.changed_at = preset, dict(overrides or {}), actor, now
    s.flush()
    # In the audit log beside the admin's other changes (who, when, before, after).
    audit.record(s, ctx.id, actor, "scheme", f"{scope}:{from_month}", "update" if before else "create", before,
                 {"preset": preset, "overrides": dict(overrides or {})}, now)
    return scheme


def last_published_month(s: Session, hall_id: int) -> str | None:
    return s.scalar(select(func.max(PublishedRevision.month)).where(PublishedRevision.hall_id == hall_id))


# --- a month ---------------------------------------------------------------------------

@dataclass
class Month:
    """A month's result with what the database side adds to it."""
    result: MonthResult
    plan: dict[Scope, Scheme]
    ignored: list[str] = field(default_factory=list)  # records or appeals the schemes in use cannot read
    definitions: dict[str, str] = field(default_factory=lambda: dict(DEFINITIONS))
    revision: int | None = None  # a published month: the revision read

    def to_dict(self, scope: Scope) -> dict[str, Any]:
        body = self.result.to_dict(scope)
        body["definitions"] = {**body.get("definitions", {}), **self.definitions}
        body["ignored"] = list(self.ignored)
        body["revision"] = self.revision
        return body


def month_result(s: Session, ctx: HallContext, year: int, month: int, *, now: dt.datetime | None = None,
                 store: bool = True, fresh: bool = False, plan: Mapping[Scope, Scheme] | None = None) -> Month:
    """A published month as frozen (its newest revision); any other month gathered, computed and (by
    default) kept as history for later months. `fresh`: compute even a published month (an appeal
    ruling's new revision, with the `plan` it was frozen with)."""
    if not fresh:
        row = latest(s, ctx.id, label(year, month))
        if row is not None:
            return frozen_month(row)
    plan = dict(plan) if plan is not None else scheme_plan(s, ctx.id, label(year, month))
    min_returns = min(sch.settings.repeat_min_returns for sch in plan.values())
    facts = gather_month(s, ctx, year, month, repeat_min_returns=min_returns, now=now)
    ignored = _drop_unreadable(facts, plan)
    result = compute_month(facts, plan, ctx.hours, history(s, ctx.id, year, month))
    if store:
        keep(s, ctx.id, result, now or dt.datetime.now(dt.timezone.utc))
    return Month(result, plan, ignored)


def latest(s: Session, hall_id: int, month: str) -> PublishedRevision | None:
    """The newest published revision of a month (yyyy-mm), if it is published."""
    return s.scalar(select(PublishedRevision).where(PublishedRevision.hall_id == hall_id,
                                                    PublishedRevision.month == month)
                    .order_by(PublishedRevision.revision.desc()).limit(1))


def frozen_month(row: PublishedRevision) -> Month:
    return Month(MonthResult.from_record(row.result),
                 {scope: Scheme.model_validate(v["scheme"]) for scope, v in row.schemes.items()},
                 list(row.ignored), dict(row.definitions), revision=row.revision)


def _drop_unreadable(facts, plan: Mapping[Scope, Scheme]) -> list[str]:
    """Records naming a line, and appeals naming an item, that the schemes in use do not have
    (the hall changed its scheme after they were entered): left out and listed, never a 500."""
    lines = {r.key for sch in plan.values() for r in sch.record_items()}
    ignored = [f"督查记录{r.id}（{r.item}）不在当前考核办法中，未计分" for r in facts.records if r.item not in lines]
    facts.records = [r for r in facts.records if r.item in lines]
    keep_appeals = []
    for a in facts.appeals:
        sch = plan.get(a.scope)
        known = set()
        if sch is not None:
            known = {r.key for r in sch.rules()} | {x.key for x in sch.leaves() if x.kind in ("satisfaction", "volume_rank")}
        if a.item in known:
            keep_appeals.append(a)
        else:
            ignored.append(f"复议{a.id}（{a.item}）不在当前考核办法中，未生效")
    facts.appeals = keep_appeals
    return ignored


def keep(s: Session, hall_id: int, result: MonthResult, now: dt.datetime) -> None:
    for scope, cards in result.cards.items():
        row = s.get(AssessmentResult, (hall_id, result.month, scope))
        if row is None:
            row = AssessmentResult(hall_id=hall_id, month=result.month, scope=scope)
            s.add(row)
        row.scheme, row.cards, row.computed_at = result.schemes[scope], [c.to_dict() for c in cards], now
    s.flush()


def history(s: Session, hall_id: int, year: int, month: int):
    """Grades and lost eligibility of the twelve months before, as last computed."""
    first = label(year - 1, month)
    rows = s.scalars(select(AssessmentResult).where(AssessmentResult.hall_id == hall_id,
                                                    AssessmentResult.month >= first,
                                                    AssessmentResult.month < label(year, month))).all()
    return history_from_cards(_dated_records([c for r in rows for c in r.cards], s), year)


def _dated_records(cards: list[dict[str, Any]], s: Session) -> list[dict[str, Any]]:
    """Cards stored before a record's evidence carried its day, kind and 人次 (months frozen by an earlier
    version): those filled in from the records themselves, so flags counted within working days see them."""
    bare = {e["id"] for c in cards for i in c.get("items", ()) for e in i.get("evidence", ())
            if e.get("type") == "record" and not e.get("on")}
    if not bare:
        return cards
    ids = sorted(bare)
    found = {r.id: r for start in range(0, len(ids), IN_CHUNK)
             for r in s.scalars(select(AssessmentRecord).where(AssessmentRecord.id.in_(ids[start:start + IN_CHUNK])))}

    def filled(e: dict[str, Any]) -> dict[str, Any]:
        r = found.get(e["id"]) if e.get("type") == "record" and not e.get("on") else None
        return {**e, "on": r.occurred_on.isoformat(), "kind": r.kind, "times": r.count} if r else e
    return [{**c, "items": [{**i, "evidence": [filled(e) for e in i.get("evidence", ())]} for i in c.get("items", ())]}
            for c in cards]


# --- the year -----------------------------------------------------------------------------

def democratic_scores(s: Session, hall_id: int, year: int, scope: Scope) -> dict[str, float]:
    return {r.unit: r.score for r in s.scalars(select(DemocraticScore).where(
        DemocraticScore.hall_id == hall_id, DemocraticScore.year == year, DemocraticScore.scope == scope))}


def year_result(s: Session, ctx: HallContext, year: int, scope: Scope, now: dt.datetime) -> tuple[list[AnnualCard], Scheme]:
    """The year's cards: each month up to now computed afresh (and kept), then 60/40 with 民主测评."""
    plan = scheme_plan(s, ctx.id, label(year, 12))  # the scheme the year ends under
    scheme = plan.get(scope)
    if scheme is None:
        raise Invalid("invalid_input", detail=f"the hall does not assess {scope}")
    if scheme.annual is None:
        scheme = scheme.model_copy(update={"annual": DEFAULT_ANNUAL})
    today = ctx.hours.local_day(now)
    cards: list[dict[str, Any]] = []
    for month in range(1, 13):
        if (year, month) > (today.year, today.month):
            break
        if not _month_has_facts(s, ctx, year, month):
            continue
        result = month_result(s, ctx, year, month, now=now).result
        cards.extend(c.to_dict() for c in result.cards.get(scope, []))
    window_grades = unit_windows = None
    if scope != "window" and scheme.annual.window_grade_points and "window" in plan:
        window_grades = {c.unit: c.grade for c in year_result(s, ctx, year, "window", now)[0]}
        if scope == "staff":
            rows = s.execute(select(Staff.number, Window.number).join(WindowPost, WindowPost.staff_id == Staff.id)
                             .join(Window, Window.id == WindowPost.window_id)
                             .where(Window.hall_id == ctx.id, WindowPost.post == "A")).all()
        else:
            rows = s.execute(select(Department.code, Window.number).join(Window, Window.department_id == Department.id)
                             .where(Window.hall_id == ctx.id)).all()
        unit_windows = {}
        for unit, number in rows:
            unit_windows.setdefault(unit, []).append(number)
    return compute_year(year, cards, scheme, democratic_scores(s, ctx.id, year, scope), scope,
                        window_grades, unit_windows), scheme


def year_counted_to(ctx: HallContext, year: int, now: dt.datetime) -> dt.date | None:
    """A year not over yet holds a running month (or none yet): the last day counted, today; None once it is over."""
    today = ctx.hours.local_day(now)
    return today if year >= today.year else None


def _month_has_facts(s: Session, ctx: HallContext, year: int, month: int) -> bool:
    """A month the hall worked in: someone signed in at a window (months before hallq are skipped)."""
    span = month_span(ctx, year, month)
    return s.scalar(select(WindowSession.id).join(Window, Window.id == WindowSession.window_id)
                    .where(Window.hall_id == ctx.id, WindowSession.started_at >= span.start,
                           WindowSession.started_at < span.end).limit(1)) is not None
