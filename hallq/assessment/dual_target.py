"""Departments in the county government's year-end 双目标 assessment (seed 003 (三)).

"结合政府'双目标'责任制考核评分说明": a department whose approval work is all in the hall is scored on its
record (据实评分); one with a window but not all its work moved in gets half of its total, one whose window only
answers questions a quarter, one that should have a window and has none nothing; one with no or little
public-facing approval work is scored by the government's overall opinion. The scheme lists the classes and
their shares (`annual.dual_target`); which class a department is in is the centre's finding for the year.

A department's total is the average of its windows' annual scores under the scheme (monthly average and
民主测评, weighted): hallq scores a department from its windows (DOMAIN.md), never by summing their faults. A
department without a finding, or whose finding does not fit its windows (a class that needs a window for a
department with none, or the reverse), gets no figure and says why: the centre settles it, hallq does not guess.

The findings are stored (hallq.assessment.dual_target_findings) and the year computed from them and reported
(hallq.assessment.dual_target_year); this module is the arithmetic alone.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hallq.assessment.annual import AnnualCard
from hallq.assessment.scheme import DualTargetClass, Scheme
from hallq.assessment.scorecard import pts


@dataclass(slots=True)
class DualTargetCard:
    department: str            # code
    name: str
    finding: str | None        # the class key the centre found, None: not yet
    finding_name: str | None
    share: float | None        # of the total; None: the government decides, or no figure (see `note`)
    windows: list[str]         # the department's windows in the hall, by number
    total: float | None        # the average of its windows' annual scores; None without windows
    score: float | None        # share × total (0 for a 0 share even without windows); None: no figure
    note: str = ""
    window_scores: dict[str, float] = field(default_factory=dict)
    note_key: str = ""             # what `note` says, for the pages' languages
    finding_id: int | None = None  # the stored finding (hallq.assessment.dual_target_year): the evidence of the share

    def to_dict(self) -> dict[str, Any]:
        return {"department": self.department, "name": self.name, "finding": self.finding,
                "finding_name": self.finding_name, "share": self.share, "windows": list(self.windows),
                "window_scores": dict(self.window_scores), "total": self.total, "score": self.score,
                "note": self.note, "note_key": self.note_key, "finding_id": self.finding_id}


def dual_target(scheme: Scheme, window_year: Iterable[AnnualCard], departments: Mapping[str, str],
                department_windows: Mapping[str, Iterable[int | str]],
                findings: Mapping[str, str]) -> list[DualTargetCard]:
    """One card per department (`departments`: code -> name), in the order given.

    `window_year`: the windows' annual cards (compute_year, scope "window"); `department_windows`: code ->
    its windows' numbers; `findings`: code -> the class key the centre found for the year.
    """
    if scheme.annual is None or not scheme.annual.dual_target:
        raise ValueError(f"scheme {scheme.id} has no 双目标 classes")
    return shares(scheme.annual.dual_target, {str(c.unit): c.score for c in window_year}, departments,
                  department_windows, findings, scheme.id)


def shares(classes: Sequence[DualTargetClass], year_scores: Mapping[str, float], departments: Mapping[str, str],
           department_windows: Mapping[str, Iterable[int | str]], findings: Mapping[str, str],
           scheme_id: str = "") -> list[DualTargetCard]:
    """`dual_target` by the classes themselves and the windows' annual scores (window number as text ->
    score): a reported year is revised with the classes and totals it was reported by."""
    classes = {c.key: c for c in classes}
    unknown = sorted(k for k in findings.values() if k not in classes)
    if unknown:
        raise ValueError(f"no 双目标 class {', '.join(map(repr, unknown))} in scheme {scheme_id}")
    out = []
    for code, name in departments.items():
        windows = [str(w) for w in department_windows.get(code, ())]
        scored = {w: year_scores[w] for w in windows if w in year_scores}
        total = pts(sum(scored.values()) / len(scored)) if scored else None
        found = classes.get(findings.get(code, ""))
        card = DualTargetCard(code, name, found.key if found else None, found.name if found else None,
                              found.share if found else None, windows, total, None, window_scores=scored)
        if found is None:
            card.note, card.note_key = "中心尚未认定该部门的职能进驻情况，不计分", "no_finding"
        elif found.windows == "required" and not windows:
            card.share, card.note, card.note_key = None, "认定的情形须在中心设有窗口，该部门在中心没有窗口：请中心核实", "needs_window"
        elif found.windows == "none" and windows:
            card.share, card.note, card.note_key = None, "认定的情形是未在中心设置窗口，该部门在中心有窗口：请中心核实", "has_window"
        elif found.share is None:
            card.note, card.note_key = "依照政府综合意见评分，hallq 不计", "government"
        elif found.share == 0:
            card.score = 0.0
        elif total is None:
            card.note, card.note_key = "该部门窗口本年没有年度得分，不计分", "no_scores"
        else:
            card.score = pts(found.share * total)
        out.append(card)
    return out
