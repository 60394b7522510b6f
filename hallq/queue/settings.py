"""The knobs a hall sets in its hall file; every one has a working default."""
from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Hours(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Opening sessions of a working day; the gap between two is the lunch break.
    sessions: list[tuple[dt.time, dt.time]] = [(dt.time(9), dt.time(12)), (dt.time(14), dt.time(18))]
    # Days closed on top of the official calendar, and make-up workdays (调休)
    # the official data does not know yet (it covers years already announced).
    holidays: list[dt.date] = []
    workdays: list[dt.date] = []
    # The demo hall is open around the clock so it can be tried at any hour.
    always_open: bool = False

    @model_validator(mode="after")
    def _ordered(self):
        last = dt.time(0)
        for start, end in self.sessions:
            if not (last <= start < end):
                raise ValueError("opening sessions must be in order and not overlap")
            last = end
        return self


class HallSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hours: Hours = Hours()
    digits: int = Field(3, ge=1, le=5)  # A001
    closing_buffer_minutes: int = Field(30, ge=0)  # stop issuing this long before closing
    recall_limit: int = Field(3, ge=0)
    requeue_after: int = Field(3, ge=0)  # a missed ticket requeued goes in after this many
    # Anti-starvation: at most this many priority calls in a row at a window
    # while a normal ticket it could serve is waiting (0 turns priority off).
    priority_streak: int = Field(3, ge=0)
    green_elderly_age: int = Field(70, ge=0)  # kiosk may self-issue green from this age
    appointment_early_minutes: int = Field(0, ge=0)  # check-in allowed this early
    default_service_s: int = Field(300, ge=1)  # estimate before any service was measured
    notice: str = ""
