"""The knobs a hall sets in its hall file; every one has a working default."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class OfficialYear(BaseModel):
    """One year's State Council arrangement (国务院办公厅关于部分节假日安排的通知), as the hall entered it.

    Meant for a year the installed `chinese_calendar` has no data for yet. A
    year entered here counts as known: its days off and make-up workdays are
    these, the statutory holidays (hallq.queue.hours.statutory_holidays) are off
    too, and the pages stop saying the year is missing. Its days may start in
    the December before, as a New Year break can.
    """

    model_config = ConfigDict(extra="forbid")

    holidays: list[dt.date] = []  # the days off it lists (放假)
    workdays: list[dt.date] = []  # the weekend days it makes working days (调休上班)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Hours(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Opening sessions of a working day; the gap between two is the lunch break.
    sessions: list[tuple[dt.time, dt.time]] = [(dt.time(9), dt.time(12)), (dt.time(14), dt.time(18))]
    # A working day's sessions by its weekday where they differ from `sessions` (Friday closing at 17:00,
    # no lunch break on Wednesdays); [] closes the hall that weekday. Which days are working days is
    # the calendar's matter, not this: weekdays = { fri = [["09:00", "12:00"], ["14:00", "17:00"]] }
    weekdays: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], list[tuple[dt.time, dt.time]]] = {}
    # The hall's own days: closed on top of the official calendar, or open on a day it has off.
    holidays: list[dt.date] = []
    workdays: list[dt.date] = []
    # The official arrangement of a year the chinese_calendar package has no data for yet,
    # entered by the hall: [hall.hours.official.2027] holidays = [...] workdays = [...]
    official: dict[int, OfficialYear] = {}
    # The demo hall is open around the clock so it can be tried at any hour.
    always_open: bool = False

    @field_validator("official")
    @classmethod
    def _official_days_in_their_year(cls, official: dict[int, OfficialYear]):
        for year, entry in official.items():
            first, last = dt.date(year - 1, 12, 1), dt.date(year, 12, 31)
            strays = [d for d in (*entry.holidays, *entry.workdays) if not first <= d <= last]
            if strays:
                raise ValueError(f"official.{year}: {', '.join(map(str, strays))} not in {year} "
                                 f"(or the December before)")
            both = sorted(set(entry.holidays) & set(entry.workdays))
            if both:
                raise ValueError(f"official.{year}: {', '.join(map(str, both))} both a holiday and a workday")
        return official

    @model_validator(mode="after")
    def _ordered(self):
        for name, sessions in [("sessions", self.sessions), *((f"weekdays.{d}", s) for d, s in self.weekdays.items())]:
            last = dt.time(0)
            for start, end in sessions:
                if not (last <= start < end):
                    raise ValueError(f"{name}: opening sessions must be in order and not overlap")
                last = end
        return self

    def sessions_of(self, day: dt.date) -> list[tuple[dt.time, dt.time]]:
        """The opening sessions of a working day: its weekday's own, else the usual ones."""
        return self.weekdays.get(WEEKDAYS[day.weekday()], self.sessions)


class RatingSettings(BaseModel):
    """好差评: when a rating is accepted, what an unrated ticket counts as, bad-review follow-up."""

    model_config = ConfigDict(extra="forbid")

    request_seconds: int = Field(60, ge=5, le=3600)  # the pad/keypad accepts a rating this long after finish
    qr_days: int = Field(7, ge=0, le=365)  # the ticket's QR code accepts one this long after finish
    # An unrated ticket is left out of the satisfaction rate, or counts as this level (1-5).
    unrated_counts_as: Literal["not_counted"] | Annotated[int, Field(ge=1, le=5)] = "not_counted"
    followup_working_days: int = Field(5, ge=1, le=30)  # a bad review's case closes within this
    # Refuse scripted ratings: at most this many a minute from one token.
    per_token_per_minute: int = Field(6, ge=1)
    # Flag (keep, but mark for supervisors) this many top ratings at one window within burst_seconds,
    # and any pad/keypad answer quicker than instant_seconds after the request.
    burst_top_count: int = Field(3, ge=2)
    burst_seconds: int = Field(120, ge=1)
    instant_seconds: float = Field(1.0, ge=0)
    # The evaluator pad shows the clerk's stars for the month only from this many counted ratings:
    # "1.5分 · 2条评价" on the first days of a month tells the citizen nothing and the clerk is judged by it.
    pad_min_ratings: int = Field(10, ge=1, le=1000)
    # Chief representative (首席代表) per department code: the staff number a bad review's case goes to.
    chiefs: dict[str, str] = {}


class DisplayProfile(BaseModel):
    """What one group of hall TV displays shows; a display token named `name` shows it.

    A floor or zone names its windows (and the items waiting there, by default
    every item those windows serve); a department profile names the department
    (its windows and items, unless listed). A profile naming none of them, and a
    display token no profile names, show the whole hall.
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120, pattern=r"^[^\s:/]+$")  # matches the display token's name
    title: str = Field(min_length=1)  # shown in the header, e.g. "二楼 不动产·税务"
    # calls: the call board; info: the hall's public information (亮证上岗 roster, 监督电话, the month's bulletin)
    kind: Literal["calls", "info"] = "calls"
    title_en: str = ""
    department: str | None = None
    windows: list[int] = []
    items: list[str] = []
    audio: bool = False  # the TV plays the call announcements itself
    # A "请A003准备" line under each window's call, naming the ticket it calls next; unset: the hall's setting.
    prepare_next: bool | None = None


class PublicInfo(BaseModel):
    """What the hall posts for everyone on its public information screen (a display profile of kind "info")."""

    model_config = ConfigDict(extra="forbid")

    supervision_phone: str = Field("", max_length=60)  # 监督电话, e.g. "0931-12345"
    complaint_channels: list[Annotated[str, Field(min_length=1, max_length=120)]] = Field([], max_length=12)


class VoiceSettings(BaseModel):
    """How calls are spoken in the hall (the agent's announcer speaks what the server words)."""

    model_config = ConfigDict(extra="forbid")

    template: str | None = None  # default "请{号}号到{窗}号窗口办理"; {number}/{window} work too
    template_en: str | None = None
    lang: Literal["zh", "en"] = "zh"

    @field_validator("template", "template_en")
    @classmethod
    def _valid_template(cls, template):
        if template is not None:
            from hallq.wording import check_template  # the wording's own rules, one place
            check_template(template)
        return template


class AccountSettings(BaseModel):
    """How long a staff sign-in lasts and how many wrong passwords lock an account (等保2.0 登录失败处理, 超时退出).

    Idle 240 minutes: a clerk who paused for the lunch break (午休, up to 12:00-14:30) finds the
    console still signed in, and a console left signed in ends within the same half day.
    Lifetime 12 hours: one working day (8:30-17:30 and overtime) on one sign-in, never
    yesterday's token today. Five wrong passwords in a row lock the account until an admin
    unlocks it (the usual 等保 figure). Use counts, not a live screen: a duty screen watched
    without a click ends too, as an unattended one must.
    """

    model_config = ConfigDict(extra="forbid")

    idle_minutes: int = Field(240, ge=5, le=24 * 60)
    lifetime_hours: int = Field(12, ge=1, le=7 * 24)
    lock_after_failures: int = Field(5, ge=3, le=100)


class ComplaintSettings(BaseModel):
    """投诉: how long a department has to answer a complaint the centre forwards to it (seed 004 投诉处理制度 第四条
    "限时要求"; seed 002 第十三条（五） counts each day late)."""

    model_config = ConfigDict(extra="forbid")

    reply_working_days: int = Field(5, ge=1, le=30)


class CaseSettings(BaseModel):
    """办件: when a case's window is warned before it falls due (seed 002 "對于即將到期的辦件,進行警告和督促"),
    when an overdue case goes to the supervision office (seed 004 督促检查制度 第四条: three working days),
    and where citizens collect results and bring missing materials (the accepting window when empty)."""

    model_config = ConfigDict(extra="forbid")

    warn_working_days: int = Field(2, ge=0, le=30)
    escalate_after_working_days: int = Field(3, ge=1, le=30)
    pickup_place: str = Field("", max_length=200)


class SmsGatewaySettings(BaseModel):
    """The hall's HTTP SMS gateway (短信网关): a JSON POST per message (hallq.notify.http_gateway).

    The credential goes in a header; put it in the server's environment (`auth_env`, the variable's
    name) rather than in the hall file, which admins export."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(pattern=r"^https?://")
    auth_header: str = Field("Authorization", pattern=r"^[A-Za-z0-9-]{1,60}$")
    auth: str = ""  # the header's value, e.g. "Bearer ..."; auth_env wins when both are set
    auth_env: str = Field("", pattern=r"^[A-Za-z_0-9]{0,60}$")
    timeout_s: float = Field(10, gt=0, le=60)
    sign: str = Field("", max_length=20)  # 短信签名, e.g. 某某县政务服务中心: sent as the gateway's `sign`


class NotifySettings(BaseModel):
    """The citizen's notifications (hallq.queue.notify): which channel sends them, and when "即将轮到您" goes."""

    model_config = ConfigDict(extra="forbid")

    # none: nobody is offered the opt-in; simulator: recorded, not sent (demo, tests); http: the SMS gateway.
    channel: Literal["none", "simulator", "http"] = "none"
    soon_ahead: int = Field(3, ge=1, le=50)  # "即将轮到您" once this many or fewer are ahead
    http: SmsGatewaySettings | None = None
    max_attempts: int = Field(3, ge=1, le=10)  # a message the gateway keeps refusing for a passing reason

    @model_validator(mode="after")
    def _gateway_given(self):
        if self.channel == "http" and self.http is None:
            raise ValueError("notify.channel = 'http' needs [hall.notify.http] url = ...")
        return self


class PhoneIssuing(BaseModel):
    """扫码取号: a QR code posted in the hall (GET /m/{hall}/qr.svg) opens the kiosk's flow on the citizen's phone.

    Off unless the hall turns it on. A phone ticket needs the citizen's ID number (one waiting ticket per person
    per item, as at the kiosk), takes no priority, and is within the hall's hours and each item's quota like
    any other; `daily_limit` caps how many the phones may take a day, whatever the items' quotas (0: no cap)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    daily_limit: int = Field(0, ge=0)


class OneVisit(BaseModel):
    """一票到底: what a hall lets a citizen put on one ticket for one visit (hallq.queue.issuing `also`).

    `max_items` counts the first item too (1 turns it off: one item a ticket); `alone` names items that are
    always taken on a ticket of their own (an item served by appointment slots, or in another building)."""

    model_config = ConfigDict(extra="forbid")

    max_items: int = Field(4, ge=1, le=4)  # the API takes at most 3 `also` items beside the first
    alone: list[Annotated[str, Field(min_length=1, max_length=40)]] = []


class HallSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hours: Hours = Hours()
    digits: int = Field(3, ge=1, le=5)  # A001
    closing_buffer_minutes: int = Field(30, ge=0)  # stop issuing this long before closing
    recall_limit: int = Field(3, ge=0)  # 重呼 presses after a call (each press counts, however it was spoken)
    # 过号: a called citizen may be marked missed only once the ticket was called this many times (the call
    # and its recalls; halls' rules say "叫号三次未到视为过号") or this many minutes after the call,
    # whichever comes first. 0 and 0 let a skip through at once.
    skip_after_calls: int = Field(3, ge=0)
    skip_after_minutes: float = Field(3, ge=0, le=120)
    requeue_after: int = Field(3, ge=0)  # a missed ticket requeued goes in after this many
    # Anti-starvation: at most this many priority calls in a row at a window
    # while a normal ticket it could serve is waiting (0 turns priority off).
    priority_streak: int = Field(3, ge=0)
    green_elderly_age: int = Field(70, ge=0)  # kiosk may self-issue green from this age
    appointment_early_minutes: int = Field(0, ge=0)  # check-in allowed this early
    default_service_s: int = Field(300, ge=1)  # estimate before any service was measured
    # A 材料补齐通知书 gives the applicant this many working days to bring what is missing (its deadline).
    supplement_working_days: int = Field(10, ge=1, le=60)
    notice: str = ""  # the line that scrolls along the bottom of the hall's TV displays
    # The TV displays name each window's next ticket ("请A003准备"); a display profile may say otherwise.
    prepare_next: bool = False
    displays: list[DisplayProfile] = []
    public_info: PublicInfo = PublicInfo()
    ratings: RatingSettings = RatingSettings()
    complaints: ComplaintSettings = ComplaintSettings()
    cases: CaseSettings = CaseSettings()
    voice: VoiceSettings = VoiceSettings()
    accounts: AccountSettings = AccountSettings()
    notify: NotifySettings = NotifySettings()
    phone_issuing: PhoneIssuing = PhoneIssuing()
    one_visit: OneVisit = OneVisit()
    # The address phones reach the server at, for the QR code on tickets; the
    # kiosk's own address when not set.
    public_url: str | None = None
