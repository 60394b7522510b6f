"""Request bodies of the complaint register's API (validated by pydantic, published as OpenAPI)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from hallq.queue.schemas import Body, Moment

Channel = Literal["in_person", "phone", "letter", "online", "hotline_12345"]


class ComplaintIn(Body):
    channel: Channel = Field(description="in_person 现场, phone 电话, letter 信函, online 网上, hotline_12345 热线转办")
    name: str = Field(min_length=1, max_length=100, description="the complainant (kept confidential)")
    contact: str | None = Field(None, max_length=200, description="phone or address (kept confidential)")
    content: str = Field(min_length=1, max_length=4000)
    received_at: Moment | None = Field(None, description="when the complaint came in; now by default")
    window: int | None = Field(None, ge=1, le=9999, description="the window complained about")
    staff: str | None = Field(None, max_length=40, description="the staff number complained about")
    department: str | None = Field(None, max_length=40, description="department code; by default the window's or "
                                                                    "the staff member's")
    hotline_ref: str | None = Field(None, max_length=60, description="the 12345 work order number")


class ForwardIn(Body):
    department: str | None = Field(None, max_length=40, description="department code; the complaint's by default")
    note: str | None = Field(None, max_length=4000)


class ReplyIn(Body):
    text: str = Field(min_length=1, max_length=4000, description="the department's reply")
    person: str | None = Field(None, max_length=100, description="who replied for the department")
    at: Moment | None = Field(None, description="when the reply came; now by default")


class ReportIn(Body):
    satisfied: bool = Field(description="does the complainant accept the result")
    text: str = Field(min_length=1, max_length=4000, description="what they were told and said")


class ReverifyIn(Body):
    note: str = Field(min_length=1, max_length=4000, description="what the department must check again")


class VisitIn(Body):
    text: str = Field(min_length=1, max_length=4000, description="what was said on the return visit (回访)")
    satisfied: bool | None = None
    person: str | None = Field(None, max_length=100, description="who called; the recording account by default")
    at: Moment | None = None


class ComplaintCloseIn(Body):
    outcome: Literal["verified", "unfounded"]
    reason: str = Field(min_length=1, max_length=4000)
    item: str | None = Field(None, max_length=60, description="verified: the scheme's record line; the line marked "
                                                              "for verified complaints by default")
    points: float | None = Field(None, description="verified, on a line whose entry sets the points")
