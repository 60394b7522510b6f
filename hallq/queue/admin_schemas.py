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
    official: dict[Annotated[int, Field(ge=2000, le=2100)], OfficialYearIn] | None = Field(
        None, max_length=20, description="the State Council's arrangement of the years chinese-calendar lacks, "
                                         "entered by the hall (replaces the entered years: send them all)")


class OfficialYearIn(Body):
    holidays: list[Day] = Field(default_factory=list, max_length=80, description="the days off it lists (放假)")
    workdays: list[Day] = Field(default_factory=list, max_length=30,
                                description="the weekend days it makes working days (调休上班)")


class VoiceIn(Body):
    template: str | None = Field(None, max_length=200, description="e.g. 请{号}号到{窗}号窗口办理")
    template_en: str | None = Field(None, max_length=200)


class RatingsIn(Body):
    """好差评 and bad-review follow-up; the chief representatives are set on the Departments page."""
    request_seconds: int | None = Field(None, description="a pad or keypad accepts a rating this long after finish")
    qr_days: int | None = Field(None, description="the ticket's QR code accepts a rating this many days")
    unrated_counts_as: Literal["not_counted"] | int | None = Field(
        None, description="an unrated ticket: left out of the satisfaction rate, or counted as this level 1-5")
    followup_working_days: int | None = Field(None, description="a bad review's follow-up is due this many working days on")


class ComplaintsIn(Body):
    reply_working_days: int | None = Field(None, description="a department answers a forwarded complaint within this")


class DisplayIn(Body):
    """A display profile (hallq.display.profiles): what the display tokens of that name show."""
    name: str = Field(min_length=1, max_length=120, pattern=r"^[^\s:/]+$",
                      description="the display token's name that shows it")
    title: Text
    kind: Literal["calls", "info"] = Field("calls", description="the call board, or the public information screen")
    title_en: str = Field("", max_length=200)
    department: Code | None = Field(None, description="a department's windows and items")
    windows: list[Annotated[int, Field(ge=1, le=9999)]] = Field([], max_length=200)
    items: list[Code] = Field([], max_length=400)
    audio: bool = Field(False, description="the TV plays the call announcements itself")
    prepare_next: bool | None = Field(None, description="请A003准备 under each call (unset: the hall's setting)")


class PublicInfoIn(Body):
    supervision_phone: str = Field("", max_length=60, description="监督电话")
    complaint_channels: list[Annotated[str, Field(min_length=1, max_length=120)]] = Field([], max_length=12)


class HallIn(Body):
    name: Text | None = None
    timezone: str | None = Field(None, max_length=60, description="IANA time zone, e.g. Asia/Shanghai")
    notice: str | None = Field(None, max_length=500, description="the ticker text along the bottom of the TV displays")
    hours: HoursIn | None = None
    voice: VoiceIn | None = None
    ratings: RatingsIn | None = None
    complaints: ComplaintsIn | None = None
    displays: list[DisplayIn] | None = Field(None, max_length=50, description="every display profile (replaces "
                                             "them all: send them all)")
    public_info: PublicInfoIn | None = Field(None, description="what the public information screen posts")
    prepare_next: bool | None = Field(None, description="the TVs name each window's next ticket (请A003准备)")


Authorisation = Annotated[str | None, Field(None, max_length=4000, description="the authorisation (授权书) "
                                           "posted at the department's window: what its chief may approve, until when")]


class DepartmentIn(Body):
    code: Code
    name: Text
    chief: Code | None = Field(None, description="staff number of the chief representative (首席代表)")
    authorisation: Authorisation = None


class DepartmentEdit(Body):
    name: Text | None = None
    chief: Code | None = None
    authorisation: Authorisation = None


Tier = Annotated[list[Code], Field(min_length=1, max_length=200)]


class WindowEdit(Body):
    name: Text | None = None
    kind: Literal["independent", "comprehensive"] | None = None
    department: Code | None = None
    items: list[Code | Tier] | None = Field(None, max_length=200, description="item codes in order of "
                                            "preference; a list is a tier served first-come together")
    posts: dict[Literal["A", "B"], Code] | None = Field(None, description="staff number at the A and B posts")
    live_from: Day | None = Field(None, description="start date")
    led: int | None = Field(None, description="its LED screen's address on the hall's LED bus (null: no screen)")
    printer: str | None = Field(None, max_length=120, description="the printer its notices print on, as the "
                                "device agent names it (null: window-<number>)")


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


__all__ = ["AccountEdit", "AccountIn", "ComplaintsIn", "DepartmentEdit", "DepartmentIn", "HallIn", "OfficialYearIn",
           "PhotoIn", "RatingsIn", "StaffEdit", "StaffIn", "TokenIn", "WindowEdit", "WindowIn"]
