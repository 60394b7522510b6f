"""Where a case stands against its due day, on the hall's working-day calendar.

- due soon: open, due within the hall's `cases.warn_working_days` working days (seed 002: warn
  and urge the window before a case falls due);
- overdue: open past its due day; it must carry a delay reason (seed 004 督促检查制度 第三条);
- materials late (容缺受理, hallq.cases.tolerance): waiting past the day the applicant promised the
  materials still owed by;
- escalated: overdue `cases.escalate_after_working_days` working days (three, 第四条): the
  supervision office is alerted on its duty screens and contacts the citizen.

`watch` is the daily sweep: it opens cases a finish left without one, and escalates.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallq.assessment.workdays import working_days_after
from hallq.cases import tolerance
from hallq.cases.log import log
from hallq.cases.models import Case
from hallq.cases.opening import open_missing
from hallq.queue import alerts
from hallq.queue.halls import HallContext, hall_context
from hallq.queue.models import Hall, Ticket

CASE_OVERDUE = "case_overdue"  # the alert kind on the duty screens
STANDINGS = ("due_soon", "overdue", "escalated", "materials_late")


@dataclass(frozen=True)
class Standing:
    working_days_left: int | None  # to the due day, when not past it
    days_overdue: int  # working days past the due day
    due_soon: bool
    overdue: bool
    escalate: bool  # overdue long enough for the supervision office
    materials_late: int = 0  # 容缺受理: working days past the applicant's day, materials still owed


def standing(ctx: HallContext, case: Case, today: dt.date) -> Standing:
    record = tolerance.of(case.details or {})
    if case.status == "waiting" and record is not None:
        # The case waits for the applicant: warned when what they owe is late, not judged against its due day.
        return Standing(None, 0, False, False, False, tolerance.days_late(ctx, record, today))
    if case.status != "open" or case.due_on is None:
        return Standing(None, 0, False, False, False)
    if today > case.due_on:
        late = working_days_after(ctx.hours, case.due_on, today)
        return Standing(None, late, False, late > 0, late >= ctx.settings.cases.escalate_after_working_days)
    left = working_days_after(ctx.hours, today, case.due_on)
    return Standing(left, 0, left <= ctx.settings.cases.warn_working_days, False, False)


def open_cases(s: Session, ctx: HallContext) -> list[Case]:
    return list(s.scalars(select(Case).where(Case.hall_id == ctx.id, Case.status == "open")
                          .order_by(Case.due_on, Case.id)))


def watch(uow, hall_id: int, now: dt.datetime) -> list[int]:
    """Open forgotten cases, escalate those overdue long enough (once each, logged), end the alerts of
    cases done since; the ids of the escalated cases still open."""
    s = uow.session
    ctx = hall_context(s, hall_id)
    open_missing(s, ctx, now)
    today = ctx.hours.local_day(now)
    escalated = []
    for case in open_cases(s, ctx):
        st = standing(ctx, case, today)
        if not st.escalate:
            continue
        escalated.append(case.id)
        number = s.scalar(select(Ticket.number).where(Ticket.id == case.ticket_id))
        window = ctx.window_number(s, case.window_id)
        if case.escalated_at is None:
            case.escalated_at = now
            log(s, case, now, "system:supervision", "escalated", after={"days_overdue": st.days_overdue})
        alerts.raise_alert(uow, hall_id, CASE_OVERDUE, f"case:{case.id}", now, {
            "case": case.id, "number": number, "window": window, "due_date": case.due_on.isoformat(),
            "days_overdue": st.days_overdue,
            "title": f"办件超期{st.days_overdue}个工作日：{number}（{window}号窗口）",
            "text": f"应于{case.due_on.isoformat()}办结；" + (f"延期原因：{case.delay_reason}" if case.delay_reason
                                                          else "未注明延期原因") + "。请督查股联系当事人。"},
            level="bad")
    for subject in alerts.ongoing_subjects(s, hall_id, CASE_OVERDUE) - {f"case:{c}" for c in escalated}:
        alerts.end_alert(uow, hall_id, CASE_OVERDUE, subject, now)
    return escalated


def watch_all_halls(uow, now: dt.datetime) -> None:
    for hall_id in uow.session.scalars(select(Hall.id)).all():
        watch(uow, hall_id, now)
