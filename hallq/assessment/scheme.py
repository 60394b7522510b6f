"""Rule schemes (考核办法) as data: the shape of a scheme and its checks.

A scheme is a tree of sections worth points: top-level categories (大项)
that may hold sub-items (小项), each leaf holding the lines (rules) that
deduct or add points. A leaf starts full and loses points ("deduct"), is
banded by the satisfaction rate ("satisfaction"), scored by volume rank
("volume_rank"), or starts at zero and gains points ("bonus", outside the
base, 奖励分/附加分). Every section is capped at its maximum and floored at
zero ("加满封顶、扣完为止").

Loading, presets and overrides live in `hallq.assessment.presets`.
"""
from __future__ import annotations

from typing import Literal

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from hallq.assessment.facts import SCOPES, Scope

# Where a line's occurrences come from (see engine.occurrences).
Source = Literal[
    "attendance.late",        # signed in after opening / after the lunch break (per incident)
    "attendance.early_leave",  # signed out before closing / before the break (per incident)
    "attendance.unattended",   # window unattended beyond the allowed minutes (per spell)
    "attendance.absent",       # 旷工: an A-post holder's half day with no sign-in and no approved leave (per half
                               # day); supervisors may record absences hallq cannot see on the line too
    "case.overdue_day",        # 承诺件 finished late: per case and working day late
    "case.overdue",            # 承诺件 finished late: per case, in the month after its due date
    "case.faster",             # 承诺件 finished this much faster than promised (per case)
    "case.repeat_visit",       # 2+ returns after a 补办 without a one-time notice (per case)
    "item.to_immediate",       # an item turned from 承诺件 into 即办件 by an admin change (per item, seed 002)
    "rating.bad",              # a counted 不满意/非常不满意 rating (per rating)
    "ticket.transfer",         # a ticket transferred away (per ticket)
    "ticket.no_show",          # a called ticket skipped as a no-show (per ticket)
    "window.grade",            # staff: the grade of the staff member's window this month
    "staff.deductions",        # window: its staff's own deductions, once per `per_staff_points` taken
    "record",                  # a supervisor's record naming this line
]
SectionKind = Literal["deduct", "satisfaction", "volume_rank", "bonus"]


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def _english(text: str) -> str:
    if _CJK.search(text):
        raise ValueError("an English name holds no Chinese characters or full-width punctuation")
    return text


# The English of a name shown on pages in English; pages fall back to the Chinese when it is left out.
English = Annotated[str, Field(min_length=1, max_length=300), AfterValidator(_english)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(Strict):
    """One deduction or bonus line, e.g. "上班迟到或下班早退的，每人次扣1分"."""
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    name_en: English | None = None
    source: Source
    # Signed points per occurrence (per working day for case.overdue_day);
    # omitted where the entry sets them within `entry_points`.
    points: float | None = None
    entry_points: tuple[float, float] | None = None  # signed range an entry may set, e.g. [1, 5] or [-20, -10]
    cap: float | None = Field(None, gt=0)  # most points this line can move in a month
    faster_from: float | None = Field(None, ge=0, le=1)   # case.faster: at least this share faster …
    faster_below: float | None = Field(None, gt=0, le=1)  # … and below this share (omitted: no upper bound)
    grade: str | None = None  # window.grade: the window grade that triggers the line
    per_staff_points: float | None = Field(None, gt=0)  # staff.deductions: one occurrence per this many points
    # Verified bad conduct: the whole month scores 0 ("month", seed 004 best window), or the
    # category the line sits in does ("category": seed 003 "本月工作窗口不得分" for the 50-point half).
    zeroes: Literal["month", "category"] | None = None
    removes_eligibility: Literal["month", "year"] | None = None  # no honours this month / this year
    # Money per occurrence in 元, recorded beside the points and never part of the score: a fine
    # (negative) or a reward (positive), e.g. seed 000 篇二 "每人次扣2分、20元", "加2分，20元".
    yuan: float | None = None
    scopes: tuple[Scope, ...] = SCOPES
    # A record line the complaint register fills in itself (hallq.supervision): "verified" is offered first
    # when a complaint is closed as verified; "reply_late_day" takes a department's late reply to a
    # forwarded complaint, the record's count being the working days late (seed 002 第十三条（五）).
    complaint: Literal["verified", "reply_late_day"] | None = None
    # A record line the staff register fills in itself (hallq.supervision.register): a change of a window's staff
    # made without the centre's consent (seed 004 "1年内中途未经同意更换工作人员"; seed 002 "中途无故更换").
    staff_change: bool = False
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self):
        if self.source == "record":
            if (self.points is None) == (self.entry_points is None):
                raise ValueError("a record line needs exactly one of `points` (fixed) or `entry_points` (set by the entry)")
            if self.entry_points is not None:
                lo, hi = self.entry_points
                if lo > hi or (lo < 0 < hi):
                    raise ValueError("`entry_points` must be [low, high] on one side of zero")
        else:
            if self.points is None:
                raise ValueError(f"a {self.source} line needs `points`")
            if self.entry_points is not None:
                raise ValueError("only record lines may let the entry set the points")
        if self.source == "case.faster":
            if self.faster_from is None:
                raise ValueError("a case.faster line needs `faster_from`")
            if self.faster_below is not None and self.faster_below <= self.faster_from:
                raise ValueError("`faster_below` must be above `faster_from`")
        elif self.faster_from is not None or self.faster_below is not None:
            raise ValueError("`faster_from`/`faster_below` belong to case.faster lines")
        if self.complaint is not None and self.source != "record":
            raise ValueError("`complaint` marks record lines only")
        if self.staff_change and self.source != "record":
            raise ValueError("`staff_change` marks record lines only")
        if (self.source == "window.grade") != (self.grade is not None):
            raise ValueError("`grade` is needed by, and only by, window.grade lines")
        if (self.source == "staff.deductions") != (self.per_staff_points is not None):
            raise ValueError("`per_staff_points` is needed by, and only by, staff.deductions lines")
        return self


class Band(Strict):
    """Satisfaction band: from this rate (inclusive) the section scores `points`."""
    min_rate: float = Field(ge=0, le=1)
    points: float = Field(ge=0)


class Section(Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    name_en: English | None = None
    kind: SectionKind = "deduct"
    max: float | None = Field(None, ge=0)  # None only for an uncapped bonus section
    rules: tuple[Rule, ...] = ()
    parts: tuple["Section", ...] = ()  # sub-items (小项); a section has parts or rules, not both
    bands: tuple[Band, ...] = ()        # satisfaction
    top: int | None = Field(None, ge=1)  # volume_rank: the first `top` by tickets served score full
    note: str = ""

    @model_validator(mode="after")
    def _consistent(self):
        if self.parts and self.rules:
            raise ValueError("a section holds either sub-items (`parts`) or lines (`rules`), not both")
        if self.max is None and self.kind != "bonus":
            raise ValueError("only a bonus section may leave out `max`")
        if self.kind == "satisfaction":
            if not self.bands:
                raise ValueError("a satisfaction section needs `bands`")
            rates = [b.min_rate for b in self.bands]
            if rates != sorted(rates, reverse=True) or len(set(rates)) != len(rates):
                raise ValueError("satisfaction bands go from the highest rate down, each rate once")
            if rates[-1] != 0:
                raise ValueError("the last satisfaction band must start at 0 so every rate has a band")
            if any(b.points > self.max for b in self.bands):
                raise ValueError("a band cannot give more than the section's `max`")
        elif self.bands:
            raise ValueError("`bands` belong to satisfaction sections")
        if (self.kind == "volume_rank") != (self.top is not None):
            raise ValueError("`top` is needed by, and only by, volume_rank sections")
        if self.parts:
            if self.kind not in ("deduct", "bonus"):
                raise ValueError(f"a {self.kind} section cannot have sub-items")
            if self.kind == "deduct":
                total = sum(p.max or 0 for p in self.parts)
                if abs(total - self.max) > 1e-9:
                    raise ValueError(f"sub-items add up to {total:g}, the section is worth {self.max:g}")
        return self

    def leaves(self):
        if self.parts:
            for part in self.parts:
                yield from part.leaves()
        else:
            yield self


class GradeBand(Strict):
    name: str
    name_en: English | None = None
    min: float  # from this score (inclusive)
    quota_percent: float | None = Field(None, gt=0, le=100)  # "at most N%" of those assessed


class Selection(Strict):
    """A monthly honour by rank: best windows (最佳服务窗口), red flags (红旗窗口)."""
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    title_en: English | None = None
    scope: Scope = "window"
    quota_percent: float | None = Field(None, gt=0, le=100)
    quota_count: int | None = Field(None, ge=1)
    min_score: float | None = None  # a floor: nobody selected below it (seed 004 best window: 90); none for seed 003 red flags

    @model_validator(mode="after")
    def _one_quota(self):
        if (self.quota_percent is None) == (self.quota_count is None):
            raise ValueError("give exactly one of `quota_percent` and `quota_count`")
        return self


class ConsecutiveFlag(Strict):
    """A mark on a card from the unit's run of facts, of one of two kinds:

    - a grade held `months` months running: two months 不称职 sends the person
      back to their department (seed 004 第十五条);
    - `count` occurrences of the named `lines` within the month or the year so far
      (`within`), marked in the month the count is reached and after: two verified
      complaints in a row (seed 004 第十五条), three overdue cases in a year (seed 002).
      With `within_working_days`, the occurrences must fall within that many working
      days, first to last inclusive, the last in this month (seed 002 第二十五条（二）
      "在22个工作日内，被群众连续两次投诉且经查证属实的"); the occurrences are then
      supervisors' records, dated, of `record_kind` where it is given (a complaint closed
      as verified is a `verified_complaint` record, on whatever line the office filed it),
      on the `lines` where they are given, and earlier months' count whatever the year.

    Either kind may also take away honours (`removes_eligibility`), as a line can.
    """
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    grade: str | None = None
    months: int = Field(2, ge=2)
    lines: tuple[str, ...] = ()
    count: int | None = Field(None, ge=1)
    within: Literal["month", "year"] = "year"
    within_working_days: int | None = Field(None, ge=1)
    record_kind: str | None = Field(None, pattern=r"^[a-z][a-z_]*$")
    removes_eligibility: Literal["month", "year"] | None = None
    message: str
    message_en: English | None = None
    scope: Scope = "staff"

    @model_validator(mode="after")
    def _one_kind(self):
        counted = bool(self.lines) or self.record_kind is not None
        if (self.grade is None) == (not counted):
            raise ValueError("a flag needs either `grade` (months running) or `lines` or `record_kind` "
                             "(occurrences counted)")
        if counted != (self.count is not None):
            raise ValueError("occurrences counted (`lines`, `record_kind`) need `count`, and only they")
        if self.record_kind is not None and self.within_working_days is None:
            raise ValueError("`record_kind` counts dated records: give `within_working_days`")
        return self


class WindowGradePoints(Strict):
    """Points carried from windows to the year of their staff or department: when the unit's
    window gets this grade for the year (seed 004 绩4 "获优秀的，每人加10分"; 集中受理考核细则
    "部门在政务服务中心的窗口年终被评为优秀的，加5分"), once per unit."""
    grade: str
    points: float
    name: str
    name_en: English | None = None


class DualTargetClass(Strict):
    """How a department's year-end score enters the county government's 双目标 assessment, by how far its
    approval work moved into the hall (seed 003 (三)"结合政府'双目标'责任制考核评分说明"): the share of its
    total it gets (1 据实评分, 1/2, 1/4, 0), or none where the government decides ("依照政府综合意见评分").
    Which class a department is in is the centre's finding, given per department and year."""
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    name_en: English | None = None
    share: float | None = Field(None, ge=0, le=1)  # None: decided by the government, hallq gives no figure
    # Whether a department of this class has windows in the hall: a finding against the hall's windows is
    # shown as a question, not scored ("required": 设置有窗口; "none": 未设置窗口; "any": either).
    windows: Literal["required", "none", "any"] = "any"


class Annual(Strict):
    """The year: monthly average and democratic evaluation (民主测评), weighted."""
    monthly_weight: float = Field(ge=0, le=1)
    democratic_weight: float = Field(ge=0, le=1)
    title: str | None = None            # e.g. 年度红旗窗口
    title_en: English | None = None
    title_scope: Scope = "window"
    title_percent: float | None = Field(None, gt=0, le=100)
    window_grade_points: tuple[WindowGradePoints, ...] = ()
    # Departments in the government's 双目标 assessment (hallq.assessment.dual_target), each by its class.
    dual_target: tuple[DualTargetClass, ...] = ()

    @model_validator(mode="after")
    def _weights(self):
        if abs(self.monthly_weight + self.democratic_weight - 1) > 1e-9:
            raise ValueError("`monthly_weight` and `democratic_weight` must add up to 1")
        if (self.title is None) != (self.title_percent is None):
            raise ValueError("an annual title needs `title_percent`, and the reverse")
        keys = [c.key for c in self.dual_target]
        if len(set(keys)) != len(keys):
            raise ValueError("each `dual_target` class key once")
        return self


class VotedTitle(Strict):
    """A title decided by a vote or a committee, not by score (seed 003 服务明星: "在获得红旗窗口的
    工作人员中投票推选", 4–6 a year; seed 000 桐庐 年度优秀进驻部门, 6, "经中心考核工作领导小组综合
    评议确定"). hallq names the candidates — staff of the windows, or the units, that won
    `candidates_from` (a selection) in some month of the year and kept their eligibility; every
    unit of the scope when it is left out — and the decision is the centre's."""
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    title_en: English | None = None
    scope: Scope = "staff"
    min_count: int = Field(ge=1)
    max_count: int = Field(ge=1)
    candidates_from: str | None = None  # a selection's key
    note: str = ""

    @model_validator(mode="after")
    def _counts(self):
        if self.max_count < self.min_count:
            raise ValueError("`max_count` must be at least `min_count`")
        return self


class Settings(Strict):
    """The edges DOMAIN.md settles, changeable per hall."""
    satisfied_from_level: int = Field(3, ge=1, le=5)  # 基本满意 or better counts as satisfied
    no_ratings_full: bool = True       # a month without counted ratings scores the full band
    unattended_minutes: float = Field(15, gt=0)
    late_grace_minutes: float = Field(0, ge=0)
    allowed_pause_reasons: tuple[str, ...] = ()
    repeat_min_returns: int = Field(2, ge=1)
    # Who is assessed: a window or staff member short of either in the month takes no grade, rank,
    # quota place or title. The seeds set no figure, so 0: only a unit with neither attendance nor
    # work is left out (engine._not_assessed); a hall's scheme may ask for more.
    min_attended_days: int = Field(0, ge=0, le=31)   # days signed in at a window
    min_tickets_served: int = Field(0, ge=0)
    # How departments are scored (departments.py): the average of their windows (plus their own
    # records), their own scheme's lines over all their facts, or not at all.
    department_score: Literal["average", "own", "none"] = "average"
    rank_by: tuple[Literal["score", "satisfaction_rate", "tickets_served", "number"], ...] = (
        "score", "satisfaction_rate", "tickets_served", "number")

    @model_validator(mode="after")
    def _score_first(self):
        if not self.rank_by or self.rank_by[0] != "score":
            raise ValueError("ranks start with the score")
        return self


class Scheme(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    name_en: English | None = None
    source: str = ""
    note: str = ""
    scopes: tuple[Scope, ...]
    base: float = 100
    max_total: float | None = None  # e.g. "每月满分为100分" even with bonuses
    categories: tuple[Section, ...]
    grades: dict[Scope, tuple[GradeBand, ...]] = {}
    selections: tuple[Selection, ...] = ()
    flags: tuple[ConsecutiveFlag, ...] = ()
    annual: Annual | None = None
    votes: tuple[VotedTitle, ...] = ()
    settings: Settings = Settings()

    @model_validator(mode="after")
    def _consistent(self):
        base = sum(c.max for c in self.categories if c.kind != "bonus")
        if abs(base - self.base) > 1e-9:
            raise ValueError(f"the categories add up to {base:g}, the scheme's base is {self.base:g}")
        keys: set[str] = set()
        for section in self._all_sections():
            if section.key in keys:
                raise ValueError(f"key {section.key!r} is used twice")
            keys.add(section.key)
        for leaf in self.leaves():
            for rule in leaf.rules:
                if rule.key in keys:
                    raise ValueError(f"key {rule.key!r} is used twice")
                keys.add(rule.key)
            if leaf.kind in ("satisfaction", "volume_rank") and leaf.rules:
                raise ValueError(f"section {leaf.key!r}: a {leaf.kind} section has no lines")
        for scope, bands in self.grades.items():
            mins = [b.min for b in bands]
            if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
                raise ValueError(f"grades.{scope}: bands go from the highest score down")
            if bands[-1].quota_percent is not None:
                raise ValueError(f"grades.{scope}: the lowest grade cannot have a quota")
        for flag in self.flags:
            names = {b.name for b in self.grades.get(flag.scope, ())}
            if flag.grade is not None and flag.grade not in names:
                raise ValueError(f"flag {flag.key!r}: no grade {flag.grade!r} for {flag.scope}")
            unknown = [k for k in flag.lines if k not in {r.key for r in self.rules()}]
            if unknown:
                raise ValueError(f"flag {flag.key!r}: no line {', '.join(map(repr, unknown))}")
            if flag.within_working_days is not None:
                not_records = [k for k in flag.lines if k not in {r.key for r in self.record_items()}]
                if not_records:
                    raise ValueError(f"flag {flag.key!r}: counted within working days, it reads supervisors' "
                                     f"records; {', '.join(map(repr, not_records))} is no record line")
        for sel in self.selections:
            if sel.scope not in self.scopes:
                raise ValueError(f"selection {sel.key!r}: the scheme does not assess {sel.scope}")
        for vote in self.votes:
            if vote.candidates_from is not None and vote.candidates_from not in {s.key for s in self.selections}:
                raise ValueError(f"vote {vote.key!r}: no selection {vote.candidates_from!r}")
        return self

    def _all_sections(self):
        stack = list(self.categories)
        while stack:
            section = stack.pop()
            yield section
            stack.extend(section.parts)

    def leaves(self):
        for category in self.categories:
            yield from category.leaves()

    def rules(self):
        for leaf in self.leaves():
            yield from leaf.rules

    def record_items(self) -> list[Rule]:
        """The lines a supervisor's record may name (for the record-entry page)."""
        return [r for r in self.rules() if r.source in ("record", "attendance.absent")]

    def grade_bands(self, scope: Scope) -> tuple[GradeBand, ...]:
        return self.grades.get(scope, ())
