"""Request bodies of the admin API (published as OpenAPI).

They check only the shape (types, lengths); what a hall may hold is checked by
the hall file's rules when the change is loaded (hallq.queue.admin), the one
rule set `hallq load-hall` uses, so these models repeat none of it.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from hallq.queue.schemas import Body, Day, Id

Text = Annotated[str, Field(min_length=1, max_length=200)]
Code = Annotated[str, Field(min_length=1, max_length=40)]
ClockTime = Annotated[str, Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$", description="HH:MM")]


class HoursIn(Body):
    sessions: list[tuple[ClockTime, ClockTime]] | None = Field(
        None, max_length=6, description="opening sessions of a working day; the gaps are the lunch break")
    weekdays: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                   list[tuple[ClockTime, ClockTime]]] | None = Field(
        None, description="a working day's sessions by weekday where they differ ([] closes that weekday)")
    holidays: list[Day] | None = Field(None, max_length=400, description="the hall's own closed days")
    workdays: list[Day] | None = Field(None, max_length=400, description="days the hall opens though it has them off")


class VoiceIn(Body):
    template: str | None = Field(None, max_length=200, description="e.g. 请{号}号到{窗}号窗口办理")
    template_en: str | None = Field(None, max_length=200)


class HallIn(Body):
    name: Text | None = None
    timezone: str | None = Field(None, max_length=60, description="IANA time zone, e.g. Asia/Shanghai")
    notice: str | None = Field(None, max_length=500, description="the ticker text along the bottom of the TV displays")
    hours: HoursIn | None = None
    voice: VoiceIn | None = None


class DepartmentIn(Body):
    code: Code
    name: Text
    chief: Code | None = Field(None, description="staff number of the chief representative (首席代表)")


class DepartmentEdit(Body):
    name: Text | None = None
    chief: Code | None = None


Tier = Annotated[list[Code], Field(min_length=1, max_length=200)]


class WindowEdit(Body):
    name: Text | None = None
    kind: Literal["independent", "comprehensive"] | None = None
    department: Code | None = None
    items: list[Code | Tier] | None = Field(None, max_length=200, description="item codes in order of "
                                            "preference; a list is a tier served first-come together")
    posts: dict[Literal["A", "B"], Code] | None = Field(None, description="staff number at the A and B posts")
    live_from: Day | None = Field(None, description="start date")


class WindowIn(WindowEdit):
    number: Id
    name: Text
    items: list[Code | Tier] = Field(max_length=200)


class PostIn(Body):
    window: Id
    post: Literal["A", "B"]


class StaffEdit(Body):
    name: Text | None = None
    department: Code | None = None
    live_from: Day | None = Field(None, description="start date")
    posts: list[PostIn] | None = Field(None, max_length=20, description="the posts they hold (replaces theirs)")


class StaffIn(StaffEdit):
    number: Code
    name: Text


class PhotoIn(Body):
    data: str = Field(min_length=1, max_length=300_000, description="the picture (JPEG, PNG or WebP), base64")


class AccountIn(Body):
    username: str = Field(min_length=1, max_length=80)
    role: Literal["admin", "supervisor", "clerk"]
    staff: Code | None = Field(None, description="the staff member's number (a clerk's account)")


class AccountEdit(Body):
    role: Literal["admin", "supervisor", "clerk"] | None = None
    active: bool | None = Field(None, description="false disables the account (its sign-ins end)")


class TokenIn(Body):
    kind: Literal["kiosk", "display", "evaluator", "caller", "agent", "integration"]
    name: str = Field(min_length=1, max_length=120, pattern=r"^[^\s:/]+$",
                      description="a display's name picks its display profile")
    window: Id | None = Field(None, description="an evaluator's or caller's window")
    windows: list[Id] | None = Field(None, max_length=500, description="an agent's: the windows it hosts")
    printers: list[Code] | None = Field(None, max_length=100, description="an agent's: the printers it hosts")
    voice: bool = Field(False, description="an agent's: it speaks the calls")


__all__ = ["AccountEdit", "AccountIn", "DepartmentEdit", "DepartmentIn", "HallIn", "PhotoIn", "StaffEdit",
           "StaffIn", "TokenIn", "WindowEdit", "WindowIn"]
