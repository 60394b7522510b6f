"""The written notices a window hands out after a case (一次性告知 and its kin).

The rules require paper for three outcomes: a supplementary case gets a
材料补齐通知书 listing every missing material at once, a rejected one a
不予受理告知书 with the reason, a promised one a 受理通知书 with the promised
time limit and due date. Each notice is numbered per hall, kind and year
(补〔2026〕0001号), printed on the window's printer (the agent's printer named
`window-{n}`), and recorded as a `notice` event of the ticket: the facts the
assessment reads to know a citizen was told everything once. A reprint (paper
jammed, a second copy for the file) is the same document: it keeps its number,
and its event says `reprint`.

A supplement notice names its deadline (the hall's `supplement_working_days`
from today) and the window to come straight back to; every notice has the
applicant's signature line and the window's seal area.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from hallq.queue.accounts import Principal
from hallq.queue import printing
from hallq.queue.device_models import PrintJob
from hallq.queue import numbering
from hallq.queue.errors import NotFound, Refused
from hallq.queue.facts import record
from hallq.queue.halls import hall_context
from hallq.queue.models import Staff, Ticket, TicketEvent
from hallq.queue.sessions import acting_window
from hallq.queue.unit_of_work import UnitOfWork

# kind -> (the outcome it documents, its serial letter, its title)
KINDS = {
    "supplement": ("supplement", "补", "材料补齐通知书"),
    "rejection": ("rejected", "驳", "不予受理告知书"),
    "acceptance": ("promised", "受", "受理通知书"),
}


def window_printer(number: int, bound: str | None = None) -> str:
    """The printer a window's notices print on: the one the hall file binds to it, else window-<number>."""
    return bound or f"window-{number}"


def _printed_before(s, ticket: Ticket, finished: TicketEvent, kind: str) -> str | None:
    """The number this case's notice of `kind` got when first printed (after the same finish), if it was."""
    for data in s.scalars(select(TicketEvent.data).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "notice", TicketEvent.id > finished.id)
            .order_by(TicketEvent.id)):
        if data.get("notice") == kind:
            return data["number"]
    return None


def print_notice(uow: UnitOfWork, who: Principal, number: int, ticket_id: int, kind: str,
                 now: dt.datetime) -> tuple[PrintJob, str]:
    """Numbers, records and prints the notice; returns the print job and the notice's number."""
    s = uow.session
    window, session, _, _ = acting_window(s, who, number)
    ticket = s.get(Ticket, ticket_id)
    if ticket is None or ticket.hall_id != who.hall_id:
        raise NotFound("ticket_unknown", ticket=ticket_id)
    outcome, letter, title = KINDS[kind]
    finished = s.scalar(select(TicketEvent).where(
        TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "finished", TicketEvent.window_id == window.id)
        .order_by(TicketEvent.id.desc()).limit(1))
    if finished is None or finished.data.get("outcome") != outcome:
        raise Refused("notice_not_for_outcome", number=ticket.number, notice=title)
    printer = window_printer(number, window.printer)
    printing.require_printer(uow, who.hall_id, printer, now)

    ctx = hall_context(s, who.hall_id)
    today = ctx.hours.local_day(now)
    notice_number = _printed_before(s, ticket, finished, kind)
    reprint = notice_number is not None
    if not reprint:
        serial = numbering.next_seq(s, ctx.id, f"#{letter}", dt.date(today.year, 1, 1))
        notice_number = f"{letter}〔{today.year}〕{serial:04d}号"
    staff = s.get(Staff, session.staff_id) if session.staff_id else None
    document = {
        "kind": "notice", "notice": kind, "title": title, "number": notice_number, "hall_name": ctx.hall.name,
        "ticket": ticket.number, "item_name": ticket.item.name, "department": ticket.item.department.name,
        "window": number, "window_name": window.name, "staff": staff.name if staff else None,
        "staff_number": staff.number if staff else None, "date": ctx.hours.local_day(now).isoformat(),
        **{k: finished.data[k] for k in ("missing_materials", "note", "promised_days", "due_date")
           if k in finished.data},
    }
    if kind == "supplement":
        # From the day of the case, not of the reprint: a second copy gives no extra days.
        case_day = ctx.hours.local_day(finished.at)
        document["deadline"] = ctx.hours.add_working_days(case_day, ctx.settings.supplement_working_days).isoformat()
        document["return_window"] = number
    record(uow, ticket, "notice", now, who.actor, window=window,
           data={"notice": kind, "number": notice_number, **({"reprint": True} if reprint else {})})
    job = printing.request_print(uow, ticket, printer, document, kind="notice", who=who.actor, now=now)
    return job, notice_number
