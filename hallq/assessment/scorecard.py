"""What the engine returns: scorecards that trace every point to facts.

`Scorecard.to_dict()` is the JSON shape of `GET /api/v1/assessment/{yyyy-mm}`:
`score`, `grade`, `rank`, and `items`, each with `points` and `evidence`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from hallq.assessment.facts import Scope


def pts(x: float) -> float:
    """Points as shown: two decimals (steps such as 0.1 and 1.5 stay exact), never -0."""
    return round(x, 2) + 0.0


@dataclass(slots=True)
class Evidence:
    type: str          # ticket, rating, session, pause, record, window
    id: int | str      # the row, for the drill-down
    detail: str = ""   # what this fact contributed, in words
    label: str = ""    # as people name it: a ticket's number and day, "A004 (10-15)"; "" where the id is it
    # A supervisor's record: the day it happened, its kind and 人次, kept so later months can count
    # occurrences by date (a flag counted within working days, seed 002 第二十五条（二）).
    on: str = ""       # ISO day
    kind: str = ""     # the record's kind, e.g. verified_complaint
    times: int = 1

    def to_dict(self) -> dict[str, Any]:
        out = {"type": self.type, "id": self.id, "label": self.label or str(self.id), "detail": self.detail}
        if self.on:
            out.update(on=self.on, kind=self.kind, times=self.times)
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Evidence":
        label = d.get("label", "")
        return cls(d["type"], d["id"], d.get("detail", ""), "" if label == str(d["id"]) else label,
                   d.get("on", ""), d.get("kind", ""), d.get("times", 1))


@dataclass(slots=True)
class Item:
    """One line of a scorecard: a rule's occurrences, or a banded section."""
    key: str            # the rule key (or the section key for banded sections); appeals name it
    name: str
    category: str       # top-level category key
    section: str        # the leaf section it belongs to
    source: str
    count: float        # occurrences (working days for case.overdue_day)
    points: float       # signed effect on the score, after the line's cap and any appeal
    evidence: list[Evidence] = field(default_factory=list)
    computed_points: float | None = None  # before the appeal, when an appeal changed it
    capped: bool = False
    appeal: dict[str, Any] | None = None
    detail: str = ""
    # What the line took from or gave to the score once its section's and the card's caps and
    # floors applied (a −16 line in a section with 15 left takes −15); None: all of `points`.
    applied: float | None = None
    yuan: float = 0.0   # money in 元 the line records (fine < 0, reward > 0), outside the score

    @property
    def takes(self) -> float:
        return self.points if self.applied is None else self.applied

    @property
    def stands(self) -> bool:
        """Has occurrences and was not removed on appeal: its consequences
        (a zeroed month, lost eligibility) apply."""
        return self.count > 0 and (self.appeal is None or self.appeal["decision"] != "removed")

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "name": self.name, "category": self.category, "section": self.section,
            "source": self.source, "count": self.count, "points": self.points, "applied": self.takes,
            "computed_points": self.computed_points, "capped": self.capped, "appeal": self.appeal,
            "detail": self.detail, "evidence": [e.to_dict() for e in self.evidence], "yuan": self.yuan,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Item":
        return cls(d["key"], d["name"], d["category"], d["section"], d["source"], d["count"], d["points"],
                   [Evidence.from_dict(e) for e in d["evidence"]], d.get("computed_points"), d.get("capped", False),
                   d.get("appeal"), d.get("detail", ""), d.get("applied"), d.get("yuan", 0.0))


@dataclass(slots=True)
class SectionScore:
    key: str
    name: str
    kind: str
    max: float | None
    points: float          # after the cap and floor
    raw: float             # full marks plus the lines, before the cap and floor
    limited: str | None    # "cap" or "floor" when the raw value was cut; "zeroed" when a line zeroed the category
    parts: list["SectionScore"] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # item keys in this leaf

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "kind": self.kind, "max": self.max,
                "points": self.points, "raw": self.raw, "limited": self.limited,
                "items": list(self.items), "parts": [p.to_dict() for p in self.parts]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "SectionScore":
        return cls(d["key"], d["name"], d["kind"], d["max"], d["points"], d["raw"], d["limited"],
                   [SectionScore.from_dict(p) for p in d["parts"]], list(d["items"]))


@dataclass(slots=True)
class Flag:
    key: str      # no_ratings, zeroed, ineligible, or a scheme flag such as two_months_unfit
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "message": self.message}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Flag":
        return cls(d["key"], d["message"])


@dataclass(slots=True)
class Scorecard:
    month: str
    scope: Scope
    unit: str                 # window number, staff number or department code, as text
    number: int | str | None  # window or staff number (rank tie-break); None for departments
    name: str
    department: str | None
    scheme: str
    score: float
    base_points: float        # the categories within the base (100)
    bonus_points: float       # bonus categories, after their caps
    categories: list[SectionScore]
    items: list[Item]
    stats: dict[str, Any]
    grade: str | None = None
    rank: int | None = None
    of: int | None = None
    selected: list[str] = field(default_factory=list)  # honours: titles of the selections won
    flags: list[Flag] = field(default_factory=list)
    zeroed: bool = False
    ineligible: str | None = None       # why the unit cannot take honours this month
    ineligible_year: str | None = None  # … nor for the rest of the year
    not_assessed: str | None = None     # why the unit takes no rank, grade or place this month
    department_name: str | None = None  # as people name it; `department` is its code

    @property
    def satisfaction_rate(self) -> float | None:
        return self.stats.get("satisfaction_rate")

    @property
    def tickets_served(self) -> int:
        return self.stats.get("tickets_served", 0)

    def item(self, key: str) -> Item | None:
        return next((i for i in self.items if i.key == key), None)

    @property
    def yuan(self) -> float:
        """Fines and rewards in 元 the card's lines record (outside the score)."""
        return pts(sum(i.yuan for i in self.items))

    def to_dict(self) -> dict[str, Any]:
        return {
            "month": self.month, "scope": self.scope, "unit": self.unit, "number": self.number,
            "name": self.name, "department": self.department, "department_name": self.department_name,
            "scheme": self.scheme,
            "score": self.score, "base_points": self.base_points, "bonus_points": self.bonus_points,
            "grade": self.grade, "rank": self.rank, "of": self.of, "selected": list(self.selected),
            "not_assessed": self.not_assessed,
            "flags": [f.to_dict() for f in self.flags], "zeroed": self.zeroed,
            "ineligible": self.ineligible, "ineligible_year": self.ineligible_year, "yuan": self.yuan,
            "stats": dict(self.stats),
            "categories": [c.to_dict() for c in self.categories],
            "items": [i.to_dict() for i in self.items],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Scorecard":
        """A card as stored (a published month): what to_dict gave, read back whole."""
        return cls(
            d["month"], d["scope"], d["unit"], d["number"], d["name"], d["department"], d["scheme"], d["score"],
            d["base_points"], d["bonus_points"], [SectionScore.from_dict(c) for c in d["categories"]],
            [Item.from_dict(i) for i in d["items"]], dict(d["stats"]), d["grade"], d["rank"], d["of"],
            list(d["selected"]), [Flag.from_dict(f) for f in d["flags"]], d["zeroed"], d["ineligible"],
            d["ineligible_year"], d["not_assessed"], d.get("department_name"))


@dataclass(slots=True)
class Chosen:
    """The outcome of one selection (e.g. 最佳服务窗口) in one month."""
    key: str
    title: str
    scope: Scope
    quota: int       # how many could be chosen
    units: list[str]  # who was, best first (empty when nobody reached the floor)

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "scope": self.scope, "quota": self.quota,
                "units": list(self.units)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Chosen":
        return cls(d["key"], d["title"], d["scope"], d["quota"], list(d["units"]))


@dataclass(slots=True)
class MonthResult:
    month: str
    cards: dict[Scope, list[Scorecard]]            # ranked, best first
    selections: dict[str, "Chosen"]                # selection key -> who was chosen
    schemes: dict[Scope, str]
    definitions: dict[Scope, dict[str, str]]
    counted_to: dt.date | None = None  # a running month: the last day counted; None once the month is over

    def card(self, scope: Scope, unit: str | int) -> Scorecard:
        unit = str(unit)
        return next(c for c in self.cards[scope] if c.unit == unit)

    def card_dict(self, scope: Scope, unit: str | int) -> dict[str, Any]:
        """One scorecard on its own (an export, a drill-down page), with the definitions it used."""
        return {**self.card(scope, unit).to_dict(), "definitions": self.definitions.get(scope, {}),
                "provisional": self.counted_to is not None,
                "counted_to": self.counted_to.isoformat() if self.counted_to else None}

    def to_dict(self, scope: Scope) -> dict[str, Any]:
        """The API answer for one scope."""
        return {
            "month": self.month, "scope": scope, "scheme": self.schemes.get(scope),
            "provisional": self.counted_to is not None,
            "counted_to": self.counted_to.isoformat() if self.counted_to else None,
            "definitions": self.definitions.get(scope, {}),
            "selections": {k: v.to_dict() for k, v in self.selections.items() if v.scope == scope},
            "scorecards": [c.to_dict() for c in self.cards.get(scope, [])],
        }


    def to_record(self) -> dict[str, Any]:
        """The whole result as JSON, every scope: what a published revision keeps."""
        return {
            "month": self.month, "counted_to": self.counted_to.isoformat() if self.counted_to else None,
            "schemes": dict(self.schemes), "definitions": {k: dict(v) for k, v in self.definitions.items()},
            "selections": {k: v.to_dict() for k, v in self.selections.items()},
            "cards": {scope: [c.to_dict() for c in cards] for scope, cards in self.cards.items()},
        }

    @classmethod
    def from_record(cls, d: dict[str, Any]) -> "MonthResult":
        return cls(d["month"], {scope: [Scorecard.from_dict(c) for c in cards] for scope, cards in d["cards"].items()},
                   {k: Chosen.from_dict(v) for k, v in d["selections"].items()}, dict(d["schemes"]),
                   {k: dict(v) for k, v in d["definitions"].items()},
                   dt.date.fromisoformat(d["counted_to"]) if d["counted_to"] else None)


def provisional_note(counted_to: dt.date, en: bool = False) -> str:
    """How every page, export and bulletin of a running month says it is not final."""
    if en:
        return f"Provisional: facts up to {counted_to.day} {counted_to:%B}"
    return f"截至{counted_to.month}月{counted_to.day}日 · 临时数据"
