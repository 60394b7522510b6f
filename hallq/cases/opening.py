"""Opening a case when a window accepts one: every finish other than 即办件.

The queue records the finish (its outcome, due date, missing materials, departments) as a
ticket event; the case is opened from that event, in the same transaction when the finish
came through the HTTP API, and by the housekeeping sweep (`open_missing`) for any other way a
ticket was finished, so no accepted case is forgotten.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallq.cases import tolerance
from hallq.cases.log import log
from hallq.cases.models import KINDS, Case, CaseTask
from hallq.cases.notify import keep_for
from hallq.queue.halls import HallContext
from hallq.queue.models import Department, Ticket, TicketEvent, Window


def open_case(s: Session, ctx: HallContext, ticket: Ticket, now: dt.datetime) -> Case | None:
    """The case of a ticket just finished as a case; None for 即办件, a leg that went back to another
    window, or a ticket whose case is already open."""
    if ticket.status != "finished" or ticket.outcome not in KINDS:
        return None
    if s.scalar(select(Case.id).where(Case.ticket_id == ticket.id)) is not None:
        return None
    finished = s.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "finished")
                        .order_by(TicketEvent.id.desc()).limit(1))
    if finished is None:
        return None
    data = dict(finished.data or {})
    window = s.get(Window, finished.window_id) if finished.window_id else None
    department_id = (window.department_id if window else None) or ticket.item.department_id
    accepted_on = ctx.hours.local_day(finished.at)
    guide = ticket.item.guide or {}
    days = data.get("promised_days") or guide.get("promised_days")
    details: dict = {k: data[k] for k in ("missing_materials", "note", "forwarded_to") if data.get(k)}
    case = Case(hall_id=ctx.id, ticket_id=ticket.id, kind=ticket.outcome, status="open",
                window_id=finished.window_id, department_id=department_id, accepted_by=finished.actor,
                opened_at=finished.at, details=details)
    if ticket.outcome == "promised":
        case.promised_days, case.due_on = days, ticket.due_date
    elif ticket.outcome in ("joint", "forwarded") and days:
        case.promised_days, case.due_on = days, ctx.hours.add_working_days(accepted_on, int(days))
    elif ticket.outcome == "supplement":
        # 材料补齐通知书: the applicant brings the materials by this day; the promised time runs from then.
        case.status = "waiting"
        case.promised_days = days
        details["materials_due"] = ctx.hours.add_working_days(
            accepted_on, ctx.settings.supplement_working_days).isoformat()
    elif ticket.outcome == "rejected":
        # 答复件: the written reason is the result, ready when it is given.
        details["reason"] = data.get("note") or ""
        case.status, case.completed_on, case.result_ready_at = "done", accepted_on, finished.at
    if data.get("tolerance") and case.kind in ("promised", "joint"):
        # 容缺受理: accepted today (its promised time runs from today), waiting for the materials still owed.
        case.status = "waiting"
        details["tolerance"] = tolerance.opened(data["tolerance"])
    s.add(case)
    s.flush()
    keep_for(s, ctx, case, accepted_on)
    if ticket.outcome == "joint":
        _tasks(s, ctx, case, data.get("departments") or [])
    log(s, case, now, finished.actor, "opened", after={"kind": case.kind, "status": case.status,
                                                       "due_on": case.due_on.isoformat() if case.due_on else None})
    return case


def _tasks(s: Session, ctx: HallContext, case: Case, codes: list[str]) -> None:
    """The lead department's task and one for each assisting department named at the finish, each due
    with the case until a department's own date is set."""
    seen = set()
    if case.department_id is not None:
        s.add(CaseTask(case_id=case.id, department_id=case.department_id, role="lead", task="牵头办理",
                       due_on=case.due_on))
        seen.add(case.department_id)
    for code in codes:
        dept = s.scalar(select(Department).where(Department.hall_id == ctx.id, Department.code == str(code)))
        if dept is not None and dept.id not in seen:
            s.add(CaseTask(case_id=case.id, department_id=dept.id, role="assist", task="协办", due_on=case.due_on))
            seen.add(dept.id)
    s.flush()


def open_missing(s: Session, ctx: HallContext, now: dt.datetime) -> list[Case]:
    """Open the case of every ticket finished as a case that has none (a finish by a keypad, say)."""
    tickets = s.scalars(select(Ticket).outerjoin(Case, Case.ticket_id == Ticket.id)
                        .where(Ticket.hall_id == ctx.id, Ticket.status == "finished", Ticket.outcome.in_(KINDS),
                               Case.id.is_(None))).all()
    return [c for c in (open_case(s, ctx, t, now) for t in tickets) if c is not None]
