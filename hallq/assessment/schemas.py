"""Request bodies of the assessment API (validated by pydantic, published as OpenAPI)."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from hallq.assessment.engine import RECORD_KINDS
from hallq.queue.schemas import Body, Day, Id

Scope = Literal["window", "department", "staff"]
Text = Annotated[str, Field(min_length=1, max_length=4000)]


class RecordIn(Body):
    kind: Literal[tuple(RECORD_KINDS)] = Field(description="inspection_finding, verified_complaint, praise_letter, "
                                                           "media_mention, misconduct, other")
    item: Annotated[str, Field(min_length=1, max_length=60, description="the scheme line (GET /assessment/lines)")]
    occurred_on: Day = Field(description="the hall-local day it happened; its month counts it")
    evidence: Text = Field(description="what was seen and where it is filed")
    window: Id | None = None
    staff: Annotated[str | None, Field(None, max_length=40, description="staff number")] = None
    department: Annotated[str | None, Field(None, max_length=40, description="department code")] = None
    points: float | None = Field(None, description="only where the line lets the entry set them (e.g. praise 1-5)")
    count: Annotated[int, Field(ge=1, le=1000, description="人次 / occurrences")] = 1


class VoidIn(Body):
    reason: Text


class AppealIn(Body):
    month: Annotated[str, Field(pattern=r"^\d{4}-\d{2}$")]
    scope: Scope
    unit: Annotated[str, Field(min_length=1, max_length=40, description="window number, department code or staff number")]
    item: Annotated[str, Field(min_length=1, max_length=60, description="the scorecard item key")]
    statement: Text


class DecisionIn(Body):
    decision: Literal["upheld", "removed", "changed"]
    reason: Text
    points: float | None = Field(None, description="the item's new points (signed) when changed")


class DemocraticIn(Body):
    scope: Scope = "window"
    scores: dict[Annotated[str, Field(max_length=40)], Annotated[float, Field(ge=0, le=100)]] = Field(
        description="unit (window number, department code or staff number) -> 民主测评 score out of 100")


class SchemeIn(Body):
    scope: Scope
    preset: Annotated[str, Field(min_length=1, max_length=60)]
    overrides: dict[str, Any] = Field(default_factory=dict, description="point adjustments, keyed like the preset")
    from_month: Annotated[str | None, Field(None, pattern=r"^\d{4}-\d{2}$",
                                            description="yyyy-mm the change applies from (default: this month); "
                                                        "months already published keep their scheme")] = None


class SelfCheckIn(Body):
    days: Annotated[int, Field(ge=1, le=30, description="working days the windows and staff may object")] = 3
    note: Annotated[str | None, Field(None, max_length=4000)] = None


class StepIn(Body):
    note: Annotated[str | None, Field(None, max_length=4000)] = None


class ObjectionIn(Body):
    scope: Scope
    unit: Annotated[str, Field(min_length=1, max_length=40, description="window number or staff number")]
    item: Annotated[str | None, Field(None, max_length=60, description="the card line objected to (omit: the card)")] = None
    statement: Text


class AnswerIn(Body):
    accepted: bool = Field(description="the objection stands: the office puts the card right before the review")
    answer: Text


class FindingIn(Body):
    department: Annotated[str, Field(min_length=1, max_length=40, description="department code")]
    finding: Annotated[str | None, Field(max_length=40, description="the 双目标 class key of the scheme (GET "
                                         "/assessment/dual-target/{year} lists them); null withdraws the finding")]
    evidence: Text = Field(description="what the office checked: the inspection, the items moved in, the file")
    reason: Annotated[str | None, Field(None, max_length=4000, description="why: required for a correction and "
                                        "for any finding once the year is reported")] = None
