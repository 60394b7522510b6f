"""The year: monthly average and democratic evaluation (民主测评), weighted
(seed 003: 60% + 40%), ranked, graded, and the annual title to a share of
the units (seed 003: 50% of windows as 年度红旗窗口).

A month scored 0 for bad conduct counts as 0 in the average; a unit that
lost eligibility for the year cannot take the title.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hallq.assessment.facts import Scope
from hallq.assessment.ranking import assign_grades, assign_ranks, pick, quota_size, rank_key
from hallq.assessment.scheme import Scheme
from hallq.assessment.scorecard import Flag, MonthResult, pts


@dataclass(slots=True)
class AnnualCard:
    year: int
    scope: Scope
    unit: str
    number: int | str | None
    name: str
    months: dict[str, float]          # "yyyy-mm" -> the month's score
    monthly_average: float
    democratic: float | None
    score: float
    rank: int | None = None
    of: int | None = None
    grade: str | None = None
    title: str | None = None
    ineligible: str | None = None
    flags: list[Flag] = field(default_factory=list)
    window_points: float = 0.0   # staff, departments: points from their window's grade for the year (in `score`)

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year, "scope": self.scope, "unit": self.unit, "number": self.number,
                "name": self.name, "months": dict(self.months), "monthly_average": self.monthly_average,
                "democratic": self.democratic, "score": self.score, "rank": self.rank, "of": self.of,
                "grade": self.grade, "title": self.title, "ineligible": self.ineligible,
                "window_points": self.window_points,
                "flags": [f.to_dict() for f in self.flags]}


def compute_year(year: int, months: Iterable[MonthResult | Mapping[str, Any]], scheme: Scheme,
                 democratic: Mapping[str, float], scope: Scope | None = None,
                 window_grades: Mapping[str, str] | None = None,
                 unit_windows: Mapping[str, Iterable[int | str]] | None = None) -> list[AnnualCard]:
    """Annual cards for one scope, best first.

    `months`: the year's MonthResults, or stored scorecard dicts (any scope;
    only `scope` is used). `democratic`: unit key -> 民主测评 score out of 100.
    A unit without a democratic score counts it as 0 and cannot take the title.
    Staff or departments under a scheme with `annual.window_grade_points`:
    `window_grades` gives each window's grade for the year (window number as
    text -> grade) and `unit_windows` each unit's windows (a staff member's A
    post; a department's windows). The points count once per unit.
    """
    if scheme.annual is None:
        raise ValueError(f"scheme {scheme.id} has no annual roll-up")
    annual = scheme.annual
    scope = scope or annual.title_scope
    # A month the unit was not assessed in (no attendance, no work; a B post) is no month of its average.
    cards = [c for c in _cards(months, scope, year) if not c.get("not_assessed")]
    by_unit: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for c in cards:
        by_unit[str(c["unit"])].append(c)
    out: list[AnnualCard] = []
    for unit, rows in by_unit.items():
        rows.sort(key=lambda c: c["month"])
        scores = {c["month"]: c["score"] for c in rows}
        average = sum(scores.values()) / len(scores)
        dem = democratic.get(unit)
        total = annual.monthly_weight * average + annual.democratic_weight * (dem or 0.0)
        extra, why = 0.0, []
        if scope != "window" and annual.window_grade_points:
            windows = [str(w) for w in (unit_windows or {}).get(unit, ())]
            for gp in annual.window_grade_points:
                got = [w for w in windows if (window_grades or {}).get(w) == gp.grade]
                if got:
                    extra += gp.points
                    names = "、".join(f"{w}号窗口" for w in got)
                    why.append(f"{gp.name}：{names}年度{gp.grade}，{gp.points:+g}分")
        total += extra
        lost = next((f"{c['month']}：{c['ineligible_year']}" for c in rows if c.get("ineligible_year")), None)
        card = AnnualCard(year, scope, unit, rows[-1].get("number"), rows[-1].get("name", unit), scores,
                          pts(average), dem, pts(total), ineligible=lost, window_points=pts(extra))
        for text in why:
            card.flags.append(Flag("window_grade_points", text))
        if dem is None and annual.democratic_weight:
            card.flags.append(Flag("no_democratic_score", "没有民主测评成绩（按0分计，不参加年度评选）"))
        if lost:
            card.flags.append(Flag("ineligible", "取消年度评选资格：" + lost))
        out.append(card)
    ranked = assign_ranks(out, key=lambda c: rank_key(
        {"score": c.score, "monthly_average": c.monthly_average, "number": c.number},
        ("score", "monthly_average", "number")))
    for c in ranked:
        c.of = len(ranked)
    honours = lambda c: c.ineligible is None and (c.democratic is not None or not annual.democratic_weight)  # noqa: E731
    assign_grades(ranked, scheme.grade_bands(scope), honours_allowed=honours)
    if annual.title is not None and scope == annual.title_scope:
        for c in pick(ranked, honours, quota_size(len(ranked), annual.title_percent)):
            c.title = annual.title
    return ranked


def _cards(months: Iterable[MonthResult | Mapping[str, Any]], scope: Scope, year: int) -> list[Mapping[str, Any]]:
    out: list[Mapping[str, Any]] = []
    for m in months:
        rows = [c.to_dict() for c in m.cards.get(scope, [])] if isinstance(m, MonthResult) else [m]
        out.extend(r for r in rows if r["scope"] == scope and r["month"].startswith(f"{year:04d}-"))
    return out


def vote_candidates(year: int, months: Iterable[MonthResult | Mapping[str, Any]], scheme: Scheme, vote_key: str,
                    staff_windows: Mapping[str, int | str | None] | None = None) -> list[str]:
    """Who may stand in a voted title (scheme.votes). Staff: those whose window won the vote's
    selection in a month of the year and did not lose the year's eligibility, themselves or their
    window (`staff_windows`: staff -> window). Other scopes: the units that won the selection (or,
    without one, every unit assessed in the year) and kept their eligibility."""
    vote = next(v for v in scheme.votes if v.key == vote_key)
    if vote.scope != "staff":
        cards = [c for c in _cards(months, vote.scope, year) if not c.get("not_assessed")]
        lost = {str(c["unit"]) for c in cards if c.get("ineligible_year")}
        if vote.candidates_from is None:
            return sorted({str(c["unit"]) for c in cards} - lost)
        title = next(s.title for s in scheme.selections if s.key == vote.candidates_from)
        return sorted({str(c["unit"]) for c in cards if title in (c.get("selected") or ())} - lost)
    title = next(s.title for s in scheme.selections if s.key == vote.candidates_from)
    windows = _cards(months, "window", year)
    won = {str(c["unit"]) for c in windows if title in (c.get("selected") or ())}
    lost = {str(c["unit"]) for c in windows if c.get("ineligible_year")}
    lost_staff = {str(c["unit"]) for c in _cards(months, "staff", year) if c.get("ineligible_year")}
    return sorted(st for st, w in staff_windows.items()
                  if w is not None and str(w) in won - lost and st not in lost_staff)
