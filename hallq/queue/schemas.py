"""Request bodies of the queue API, validated by pydantic (and published as OpenAPI)."""
from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from hallq.queue.inputs import MAX_ID, reckoned

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Days and moments from outside, within the years hallq reckons with (hallq.queue.inputs.reckoned).
Day = Annotated[dt.date, AfterValidator(reckoned)]
Moment = Annotated[AwareDatetime, AfterValidator(reckoned)]


class Body(BaseModel):
    # Devices from other vendors may send more than we read; unknown keys are ignored.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class PhoneIn(Body):
    phone: str = Field(min_length=1, max_length=30,
                       description="the citizen's mobile number (11 digits) for this ticket's reminders: kept masked and "
                                   "keyed-hashed, whole only until the day ends, never logged")


class LoginIn(Body):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)


class PasswordIn(Body):
    current: str = Field(min_length=1, max_length=200, description="the password now")
    new: str = Field(min_length=1, max_length=200, description="at least 8 characters of three of: lower case, "
                     "upper case, digits, other signs; not containing the username")


class RevokeIn(Body):
    kind: Literal["kiosk", "display", "evaluator", "caller", "agent", "integration", "monitor"]
    name: str = Field(min_length=1, max_length=120, description="the device token's name (hallq token create --name)")


class TicketIn(Body):
    service: str = Field(min_length=1, max_length=40, description="item code")
    priority: Literal["normal", "appointment", "green"] = "normal"
    reason: str | None = Field(None, description="green channel: elderly, disabled, pregnant, military, major_project, urgent, other")
    appointment_code: str | None = Field(None, max_length=60)
    id_number: str | None = Field(None, max_length=30, description="checked, then kept only masked and hashed")
    phone: str | None = Field(None, max_length=30, description="kept only masked")
    unstaffed_ok: bool | None = Field(None, description="no window serves the item now: false refuses (409 "
                                      "service_unstaffed, the kiosk's default), true is the citizen's confirmation; "
                                      "not given: issued, and the answer's `staffed` says it")
    print: bool = Field(False, description="print it: refused unless the printer is ready; the answer's `print` "
                                           "tells the job, settled later by `print.result`")
    printer: str | None = Field(None, max_length=120, description="which printer; a kiosk's own by default")
    also: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        [], max_length=3, description="一票到底: more item codes for the same visit, served in this order on this one "
                                      "ticket; finishing one joins the next's queue at the ticket's issue time. "
                                      "Refused before a number is used, each with its own words: 409 "
                                      "one_visit_too_many, one_visit_alone (the hall's settings.one_visit), "
                                      "one_visit_no_window, one_visit_quota; 400 one_visit_repeat")


class AppointmentIn(Body):
    code: str = Field(min_length=1, max_length=60)
    service: str = Field(min_length=1, max_length=40)
    slot_start: Moment
    slot_end: Moment
    id_number: str | None = Field(None, max_length=30)


class SignInIn(Body):
    post: Literal["A", "B"] = "A"


class CallIn(Body):
    ticket: Id | Annotated[str, Field(min_length=1, max_length=20)] = Field(description="ticket number of today (A001) or ticket id")


class TransferIn(Body):
    service: str | None = Field(None, max_length=40)
    window: Id | None = None
    come_back: bool = Field(False, alias="return", description="comes back to this window afterwards")


class ToleranceIn(Body):
    """容缺受理: accepted now, named materials to follow by a date (working days on the hall calendar)."""
    materials: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        min_length=1, max_length=20, description="the materials still owed, each by name")
    days: int = Field(ge=1, le=60, description="working days from today the applicant promises them by (on or "
                                               "before the case's due date)")


class FinishIn(Body):
    outcome: Literal["immediate", "promised", "joint", "supplement", "forwarded", "rejected"]
    promised_days: int | None = Field(None, ge=1, le=365)
    missing_materials: list[str] | None = None
    departments: list[str] | None = None
    note: str | None = Field(None, max_length=2000)
    forwarded_to: str | None = Field(None, max_length=200, description="上报件: the authority it goes to")
    tolerance: ToleranceIn | None = Field(None, description="承诺件 or 联办件 accepted under 容缺受理: the case waits "
                                                            "for these materials")


class PauseIn(Body):
    reason: str = Field(min_length=1, max_length=200)
    stand_in: str | None = Field(None, max_length=40, description="the stand-in's staff number (顶岗); the window's "
                                                                   "B post by default, when the one pausing holds A")


class ReprintIn(Body):
    printer: str | None = Field(None, max_length=120, description="which printer; a kiosk's own by default")


class NoticeIn(Body):
    ticket: Id = Field(description="a ticket finished at this window")
    kind: Literal["supplement", "rejection", "acceptance"] = Field(
        description="材料补齐通知书 (supplement case), 不予受理告知书 (rejected), 受理通知书 (promised)")


# The duty log (hallq.queue.duty_log): as long as its entries may be.
DUTY_TEXT_MAX = 4000


class DutyEntryIn(Body):
    kind: Literal["opening", "safety", "hygiene", "incident", "opinion_forms", "note", "correction"] = Field(
        description="opening: on the floor (the time is the server's); safety, hygiene: checks; incident: what "
                    "happened and how it was handled; opinion_forms: 征求意见表 handed out and collected; "
                    "correction: appended to the entry it corrects, also after handover")
    text: str | None = Field(None, max_length=DUTY_TEXT_MAX)
    handling: str | None = Field(None, max_length=DUTY_TEXT_MAX, description="an incident: how it was handled")
    checks: dict[str, Literal["ok", "problem"]] | None = Field(
        None, description="safety: electricity, fire, water, theft; hygiene: hall, windows, restrooms")
    alert: Id | None = Field(None, description="an incident: the alert it was raised as")
    corrects: Id | None = Field(None, description="a correction: the entry it corrects")
    handed_out: int | None = Field(None, ge=0, le=100000)
    collected: int | None = Field(None, ge=0, le=100000)


class HandoverIn(Body):
    to: str = Field(min_length=1, max_length=80, description="the next duty manager's username")
    note: str | None = Field(None, max_length=DUTY_TEXT_MAX)
