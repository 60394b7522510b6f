"""What happens to a case after the counter, each step recorded by those who answer for it
(hallq.cases.access) and logged (hallq.cases.log).

- completion (办结): the day the result was ready; the assessment reads it as case_completions.
  Entered once, then corrected with a reason, each correction logged with before and after.
  A case finished after its due day needs its delay reason.
- delay reason: an overdue case's (seed 004 督促检查制度 第三条).
- materials received (补办件): the case stops waiting; its promised time runs from that day.
- chase (上报件): the window asked the higher authority again.
- a joint case's task: its own date, done.
- delivery (发放结果): when, by whom, to whom.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hallq.assessment.models import CaseCompletion
from hallq.cases import access, notify, tolerance
from hallq.cases.log import log
from hallq.cases.models import Case, CaseTask
from hallq.cases.opening import open_case
from hallq.queue.accounts import Principal
from hallq.queue.errors import Forbidden, Invalid, NotFound, Refused
from hallq.queue.halls import HallContext
from hallq.queue.models import Ticket
from hallq.queue import chiefs

TEXT_MAX = 2000


def _text(value: str | None, name: str, *, required: bool = True, limit: int = TEXT_MAX) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise Invalid("invalid_input", detail=f"{name} is required")
        return None
    return text[:limit]


def find(s: Session, ctx: HallContext, ticket_id: int, now: dt.datetime, *,
         lock: bool = False) -> tuple[Case, Ticket]:
    """The case of a ticket (by the ticket's id, as the finish answered it); a ticket accepted as a case
    whose case the sweep has not opened yet gets it now."""
    ticket = s.get(Ticket, ticket_id) if 0 < ticket_id < 2**31 else None
    if ticket is None or ticket.hall_id != ctx.id:
        raise NotFound("ticket_unknown", ticket=ticket_id)
    query = select(Case).where(Case.ticket_id == ticket.id)
    case = s.scalar(query.with_for_update() if lock else query) or open_case(s, ctx, ticket, now)
    if case is None:
        raise Refused("case_unknown", number=ticket.number)
    return case, ticket


def _acting(s: Session, ctx: HallContext, who: Principal, ticket_id: int, now: dt.datetime) -> tuple[Case, Ticket]:
    if not who.is_staff:
        raise Forbidden("forbidden")  # devices never record a case's steps
    case, ticket = find(s, ctx, ticket_id, now, lock=True)
    access.require(s, ctx, who, case, ticket.number)
    return case, ticket


def complete(uow, who: Principal, ctx: HallContext, ticket_id: int, completed_on: dt.date, note: str | None,
             now: dt.datetime, *, reason: str | None = None, delay_reason: str | None = None) -> Case:
    """Record the day the case was finished, or correct it (`reason` then required)."""
    s = uow.session
    case, ticket = _acting(s, ctx, who, ticket_id, now)
    if case.status == "waiting":
        raise Refused("case_waiting", number=ticket.number)
    today = ctx.hours.local_day(now)
    if completed_on < ctx.hours.local_day(case.opened_at) or completed_on > today:
        raise Invalid("invalid_input", detail="completed_on must be between the day it was accepted and today")
    if delay_reason and delay_reason.strip():
        record_delay(uow, who, ctx, ticket_id, delay_reason, now)
    if case.due_on is not None and completed_on > case.due_on and not case.delay_reason:
        raise Invalid("delay_reason_required", number=ticket.number, due=case.due_on.isoformat())
    row = s.scalar(select(CaseCompletion).where(CaseCompletion.ticket_id == ticket.id))
    note = _text(note, "note", required=False)
    if case.completed_on is None and row is None:
        case.completed_on, case.status, case.result_ready_at = completed_on, "done", now
        s.add(CaseCompletion(hall_id=ctx.id, ticket_id=ticket.id, completed_on=completed_on, note=note,
                             entered_by=who.actor, entered_at=now))
        log(s, case, now, who.actor, "completed", after={"completed_on": completed_on.isoformat()}, note=note)
        notify.result_ready(uow, case, now, ctx)
        s.flush()
        return case
    # A correction: the day (or the note) was wrong. Say why; the log keeps what it was.
    why = _text(reason, "reason (a correction says why)")
    before = {"completed_on": (case.completed_on or row.completed_on).isoformat(),
              "note": row.note if row else None}
    case.completed_on = completed_on
    if case.status == "open":
        case.status, case.result_ready_at = "done", now
    if row is None:
        row = CaseCompletion(hall_id=ctx.id, ticket_id=ticket.id, completed_on=completed_on, note=note,
                             entered_by=who.actor, entered_at=now)
        s.add(row)
    row.completed_on, row.note = completed_on, note if note is not None else row.note
    log(s, case, now, who.actor, "corrected", before=before,
        after={"completed_on": completed_on.isoformat(), "note": row.note}, note=why)
    s.flush()
    return case


def record_delay(uow, who: Principal, ctx: HallContext, ticket_id: int, reason: str, now: dt.datetime) -> Case:
    s = uow.session
    case, ticket = _acting(s, ctx, who, ticket_id, now)
    text = _text(reason, "reason")
    if case.due_on is None or ctx.hours.local_day(now) <= case.due_on:
        raise Refused("case_not_overdue", number=ticket.number)
    before = {"delay_reason": case.delay_reason}
    case.delay_reason = text
    log(s, case, now, who.actor, "delay_reason", before=before, after={"delay_reason": text})
    return case


def materials_received(uow, who: Principal, ctx: HallContext, ticket_id: int, note: str | None,
                       now: dt.datetime, materials: list[str] | None = None) -> Case:
    """补办件: the missing materials came; the case is accepted and its promised time starts today.
    容缺受理: the named materials (all still owed when none are named) came; with the last, the case goes on."""
    s = uow.session
    case, ticket = _acting(s, ctx, who, ticket_id, now)
    if case.status != "waiting":
        raise Refused("case_not_waiting", number=ticket.number)
    today = ctx.hours.local_day(now)
    record = tolerance.of(case.details)
    if record is not None:
        return _tolerance_received(s, ctx, who, case, ticket, record, materials, note, now)
    days = case.promised_days or (ticket.item.guide or {}).get("promised_days")
    case.status = "open"
    case.due_on = ctx.hours.add_working_days(today, int(days)) if days else None
    case.details = {**case.details, "materials_received_on": today.isoformat()}
    notify.keep_for(s, ctx, case, today)  # the promised time starts now: the citizen's number waits with it
    log(s, case, now, who.actor, "materials", before={"status": "waiting"},
        after={"status": "open", "due_on": case.due_on.isoformat() if case.due_on else None},
        note=_text(note, "note", required=False))
    return case


def _tolerance_received(s, ctx: HallContext, who: Principal, case: Case, ticket: Ticket, record: dict,
                        materials: list[str] | None, note: str | None, now: dt.datetime) -> Case:
    today = ctx.hours.local_day(now)
    try:
        record, came = tolerance.receive(ctx, record, materials, today, who.actor)
    except KeyError as e:
        raise Refused("tolerance_material_unknown", number=ticket.number, material=str(e.args[0])[:200]) from None
    if not came:
        raise Invalid("invalid_input", detail="materials: name at least one material still owed")
    before = {"status": case.status, "due_on": case.due_on.isoformat() if case.due_on else None}
    case.details = {**case.details, "tolerance": record}
    if not tolerance.owed(record):
        case.status = "open"
        case.due_on = tolerance.due_after_all_came(ctx, record, case.due_on, today)
        ticket.due_date = case.due_on  # the assessment judges the window by the date it now answers for
        notify.keep_for(s, ctx, case, today)
        if before["due_on"] and case.due_on != dt.date.fromisoformat(before["due_on"]):
            # A joint case's tasks due with the case move with it; a department's own date stays.
            s.execute(update(CaseTask).where(CaseTask.case_id == case.id,
                                             CaseTask.due_on == dt.date.fromisoformat(before["due_on"]))
                      .values(due_on=case.due_on))
    log(s, case, now, who.actor, "materials", before=before,
        after={"status": case.status, "due_on": case.due_on.isoformat() if case.due_on else None, "received": came,
               "owed": tolerance.owed(record)},
        note=_text(note, "note", required=False))
    s.flush()
    return case


def chase(uow, who: Principal, ctx: HallContext, ticket_id: int, note: str | None, now: dt.datetime) -> Case:
    """上报件: the window chased the authority it was forwarded to (催办)."""
    s = uow.session
    case, ticket = _acting(s, ctx, who, ticket_id, now)
    if case.kind != "forwarded" or case.status != "open":
        raise Refused("case_not_forwarded", number=ticket.number)
    chased = [*case.details.get("chased", []), ctx.hours.local_day(now).isoformat()]
    case.details = {**case.details, "chased": chased}
    log(s, case, now, who.actor, "chased", after={"chased": len(chased)}, note=_text(note, "note", required=False))
    return case


def update_task(uow, who: Principal, ctx: HallContext, ticket_id: int, task_id: int, now: dt.datetime, *,
                due_on: dt.date | None = None, task: str | None = None, done_on: dt.date | None = None) -> CaseTask:
    """A joint case's department's task: its own date, what it is, the day it was done."""
    s = uow.session
    case, ticket = _acting(s, ctx, who, ticket_id, now)
    row = s.get(CaseTask, task_id) if 0 < task_id < 2**31 else None
    if row is None or row.case_id != case.id:
        raise NotFound("case_task_unknown", number=ticket.number)
    if due_on is None and task is None and done_on is None:
        raise Invalid("invalid_input", detail="give due_on, task or done_on")
    today = ctx.hours.local_day(now)
    if done_on is not None and not (ctx.hours.local_day(case.opened_at) <= done_on <= today):
        raise Invalid("invalid_input", detail="done_on must be between the day it was accepted and today")
    before = {"due_on": row.due_on.isoformat() if row.due_on else None, "task": row.task,
              "done_on": row.done_on.isoformat() if row.done_on else None}
    if due_on is not None:
        row.due_on = due_on
    if task is not None:
        row.task = _text(task, "task", limit=200)
    if done_on is not None:
        row.done_on, row.done_by = done_on, who.actor
    log(s, case, now, who.actor, "task", before={"task_id": row.id, **before},
        after={"task_id": row.id, "due_on": row.due_on.isoformat() if row.due_on else None, "task": row.task,
               "done_on": row.done_on.isoformat() if row.done_on else None})
    s.flush()
    return row


def deliver(uow, who: Principal, ctx: HallContext, ticket_id: int, to: str, now: dt.datetime) -> Case:
    """发放结果: the result handed out, by whom (the caller), to whom (the applicant or their agent)."""
    s = uow.session
    case, ticket = _acting(s, ctx, who, ticket_id, now)
    if case.status != "done":
        raise Refused("case_not_ready" if case.status != "delivered" else "case_delivered", number=ticket.number)
    staff = chiefs.staff_of(s, who)
    case.status, case.delivered_at = "delivered", now
    case.delivered_by = staff.name if staff else who.name
    case.delivered_to = _text(to, "to", limit=100)
    log(s, case, now, who.actor, "delivered", after={"by": case.delivered_by})  # the recipient stays off the log
    return case
