"""容缺受理: a case accepted with named materials to follow (issue 17).

The clerk accepts a 承诺件 or 联办件 whose main materials are in order and names what is still owed and
the day the applicant promises it by (seed 004 第1篇《政务服务管理局》: "实行'留置后补、容缺受理'制度，
在企业承诺规定时间内补齐相关材料的前提下，先行出具批复文件"). The case waits (status "waiting") until every
material has come;
each arrival is recorded by those who answer for the case (hallq.cases.access), and logged.

The due date. The case was accepted (受理) on the day of the finish, and the 受理通知书 promised its result
on that day plus the promised working days: that is the date the citizen holds, and the review goes on
while the materials are owed (that is the point of 容缺: the window does not wait for them to start). So
the due date stays the one promised at acceptance. Only the applicant's own lateness moves it: when the
last material comes after the day the applicant promised it by, the due date moves on by the working days
it was late (the window is not blamed for time the applicant took beyond their word; the legal counting
rule is the same, 行政许可法 第四十五条 keeps time the applicant causes out of the limit). The materials'
day is on or before the due date (hallq.queue.calling refuses a later one), so on time means on time.

While materials are owed past their day the case warns like one falling due: on the window's console and
the supervision pages, with the working days late.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from hallq.assessment.workdays import working_days_after
from hallq.queue.halls import HallContext


def opened(finish: dict[str, Any]) -> dict[str, Any]:
    """The case's record of it, from the finish's: every material owed, none received yet."""
    return {"promised_by": finish["promised_by"], "days": finish.get("days"),
            "materials": [{"name": m, "received_on": None, "received_by": None} for m in finish["materials"]]}


def of(details: dict[str, Any]) -> dict[str, Any] | None:
    return details.get("tolerance") or None


def owed(record: dict[str, Any]) -> list[str]:
    return [m["name"] for m in record["materials"] if m["received_on"] is None]


def promised_by(record: dict[str, Any]) -> dt.date:
    return dt.date.fromisoformat(record["promised_by"])


def days_late(ctx: HallContext, record: dict[str, Any], today: dt.date) -> int:
    """Working days past the applicant's day while something is still owed (0 when nothing is, or not yet)."""
    if not owed(record):
        return 0
    return working_days_after(ctx.hours, promised_by(record), today)


def receive(ctx: HallContext, record: dict[str, Any], names: list[str] | None, today: dt.date,
            actor: str) -> tuple[dict[str, Any], list[str]]:
    """The record with `names` (every material still owed when None) received today; and the names received.
    A name not owed raises KeyError with it."""
    wanted = owed(record) if names is None else list(dict.fromkeys(n.strip() for n in names if n.strip()))
    still = set(owed(record))
    for name in wanted:
        if name not in still:
            raise KeyError(name)
    materials = [{**m, "received_on": today.isoformat(), "received_by": actor} if m["name"] in wanted else m
                 for m in record["materials"]]
    return {**record, "materials": materials}, wanted


def due_after_all_came(ctx: HallContext, record: dict[str, Any], due_on: dt.date | None,
                       last_came: dt.date) -> dt.date | None:
    """The due date once everything has come: as promised at acceptance, moved on by the working days the last
    material came after the applicant's day."""
    if due_on is None:
        return None
    late = working_days_after(ctx.hours, promised_by(record), last_came)
    return ctx.hours.add_working_days(due_on, late) if late else due_on
