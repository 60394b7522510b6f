"""Request bodies of the leave API (/api/v1/leave), validated by pydantic and published as OpenAPI."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from hallq.queue.schemas import Body, Day

Half = Literal["am", "pm"]


class LeaveIn(Body):
    first_day: Day = Field(description="the first day of the leave (hall-local)")
    first_half: Half = Field("am", description="am: from the morning; pm: from the afternoon")
    last_day: Day = Field(description="the last day of the leave")
    last_half: Half = Field("pm", description="am: to the end of the morning; pm: to the end of the day")
    reason: str = Field(min_length=1, max_length=500, description="the reason (请假事由)")
    stand_in: str | None = Field(None, max_length=40, description="the stand-in's staff number (顶岗); the B post "
                                                                   "of the window by default")


class LeaveRefuseIn(Body):
    reason: str = Field(min_length=1, max_length=500, description="why it is refused")
