"""Request bodies of the ratings and follow-up API (validated by pydantic, published as OpenAPI)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from hallq.evaluator.choices import COMMENT_MAX, REASONS
from hallq.queue.schemas import Body, Id, Moment

Level = Annotated[int, Field(ge=1, le=5, description="5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意")]
Reasons = Annotated[list[Annotated[str, Field(max_length=40)]], Field(
    max_length=len(REASONS),
    description="reason codes (GET /ratings/options); required for levels 1-2: " + ", ".join(REASONS))]
Comment = Annotated[str | None, Field(None, max_length=COMMENT_MAX, description="free text; required with reason other")]


class RatingIn(Body):
    ticket: Id = Field(description="ticket id")
    level: Level
    reasons: Reasons = []
    comment: Comment = None
    channel: Literal["pad", "keypad", "qr"] = Field(
        description="pad: evaluator token; keypad: device agent token with `window`; "
                    "qr: not here, use POST /t/{token}/rating")
    window: Id | None = Field(None, description="the keypad's window (keypad channel); a pad's is its token's")


class QrRatingIn(Body):
    level: Level
    reasons: Reasons = []
    comment: Comment = None


class CallbackIn(Body):
    result: str = Field(min_length=1, max_length=2000, description="what the citizen said")
    reached: bool = Field(True, description="was the citizen reached")
    at: Moment | None = Field(None, description="when the call was made; now by default")
    person: str | None = Field(None, max_length=100, description="who called; the recording staff member by default")


class RectificationIn(Body):
    text: str = Field(min_length=1, max_length=2000, description="what was fixed")
    at: Moment | None = None
    person: str | None = Field(None, max_length=100)


class CloseIn(Body):
    note: str | None = Field(None, max_length=2000)


class RatingAppealIn(Body):
    ruling: Literal["mistaken", "malicious", "valid"] = Field(
        description="mistaken or malicious: the bad review stops counting; valid: it stands")
    reasons: str = Field(min_length=1, max_length=2000)
