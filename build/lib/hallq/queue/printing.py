"""Printing tickets at kiosks without ghost tickets.

The rules (issue 3, "No ghost tickets"):
- a kiosk issues a printed ticket only when its printer's last believed state
  is working (ok or paper near end); silence is unknown and refuses;
- the ticket and its print job commit together, the job goes to the agent
  after commit, and the agent's answer settles it: printed or failed with the
  reason. No answer within ANSWER_WITHIN settles it as failed;
- a print-failed ticket stays a valid ticket in the queue: the kiosk shows
  its number and QR code on screen, and the guide desk can reprint it;
- a job settled as failed stays failed and never prints (issue 19): the agent
  starts a job only within START_WITHIN, a late "printed" is refused and the
  agent told, and a printer that failed half-way is cleared of the rest.

Plain Python over SQLAlchemy; the hub sends the jobs and brings the answers.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Collection

from sqlalchemy.orm import Session
from sqlalchemy import Row, bindparam, func, insert, literal_column, select, update

from hallq.protocol import GUIDE_FIELDS, TICKET_FIELDS, WORKING_STATES
from hallq.queue import alerts
from hallq.queue.device_models import PrintJob
from hallq.queue.device_states import device_state
from hallq.queue.accounts import Principal
from hallq.queue.errors import Forbidden, NotFound, Refused
from hallq.queue.events import PRINT_REQUESTED, PRINT_RESULT, Event
from hallq.queue.facts import iso
from hallq.queue.halls import HallContext
from hallq.queue.models import Hall, Item, Ticket
from hallq.queue.unit_of_work import UnitOfWork

ANSWER_WITHIN = dt.timedelta(seconds=20)
# An agent starts a job only this soon after it was made (protocol.PrintJob): what is left
# of ANSWER_WITHIN covers printing it and the answer's way back, so a job is never printed
# after it was settled as failed for want of an answer.
START_WITHIN = dt.timedelta(seconds=10)


def printer_for(who: Principal, asked: str | None) -> str:
    """The printer a ticket or reprint goes to. A device prints on its own printer only, the one its token
    is named for: a kiosk's token must not print on another kiosk or on a window's notice printer. Staff
    (the guide desk) choose any printer of the hall."""
    if who.is_staff:
        return asked or who.name
    if asked is not None and asked != who.name:
        raise Forbidden("printer_not_yours", own=who.name, printer=asked)
    return who.name


def require_printer(uow: UnitOfWork, hall_id: int, printer: str, now: dt.datetime) -> None:
    state, detail = device_state(uow.session, hall_id, "printer", printer, now)
    if state not in WORKING_STATES:
        raise Refused("printer_not_ready", printer=printer, state=state, detail=detail or "")


def ticket_document(ctx: HallContext, ticket: dict, item: Item, qr_url: str, lang: str) -> dict[str, Any]:
    """What the agent needs to lay out the ticket (ticket_layout.ticket_blocks' arguments).

    Only the facts the paper shows: the job crosses the network and is parsed on
    both ends for every ticket, and the masked ID and phone of the API's view
    have no business on a print job at all.
    """
    guide = item.guide or {}
    return {"kind": "ticket", "ticket": {k: ticket[k] for k in TICKET_FIELDS if k in ticket},
            "hall_name": ctx.hall.name, "qr_url": qr_url,
            "guide": {k: guide[k] for k in GUIDE_FIELDS if k in guide} or None, "item_name": item.name,
            "department": item.department.name, "lang": lang, "timezone": ctx.hall.timezone}


_JOBS = PrintJob.__table__
# Built once: it runs for every printed ticket.
_INSERT_JOB = insert(_JOBS).returning(*_JOBS.c)


def request_print(uow: UnitOfWork, ticket: Ticket, printer: str, document: dict[str, Any], *, kind: str,
                  who: str, now: dt.datetime) -> Row:
    """The job row (pending) and the event that carries it to the printer's agent after commit.

    One INSERT on the session's connection, handing back the row as written:
    nothing in this transaction reads the job again, and an ORM object for it
    (a flush, or only building one) cost more than the insert itself.
    """
    job = uow.session.connection().execute(_INSERT_JOB, dict(
        hall_id=ticket.hall_id, ticket_id=ticket.id, printer=printer, kind=kind, state="pending", reason=None,
        requested_by=who, created_at=now, finished_at=None)).one()
    uow.add_event(Event(PRINT_REQUESTED, ticket.hall_id, {
        "job": job.id, "printer": printer, "document": document, "ticket": ticket.id,
        "number": ticket.number, "window": None, "service": None, "at": iso(now)}))
    return job


def request_document_print(uow: UnitOfWork, hall_id: int, printer: str, document: dict[str, Any], *, kind: str,
                           who: str, now: dt.datetime) -> Row:
    """A job for a paper of no ticket (a service guide a citizen prints at the kiosk): the same path
    as a ticket's, settled by the agent's answer or failed for want of one."""
    job = uow.session.connection().execute(_INSERT_JOB, dict(
        hall_id=hall_id, ticket_id=None, printer=printer, kind=kind, state="pending", reason=None,
        requested_by=who, created_at=now, finished_at=None)).one()
    uow.add_event(Event(PRINT_REQUESTED, hall_id, {
        "job": job.id, "printer": printer, "document": document, "ticket": None,
        "number": None, "window": None, "service": None, "at": iso(now)}))
    return job


class SettledAsFailed(Exception):
    """A "printed" for a job already settled as failed: refused, the job stays failed."""

    def __init__(self, job_id: int):
        super().__init__(f"print job {job_id} was settled as failed before this answer; it stays failed")
        self.job_id = job_id


class NotHosted(Exception):
    """An answer for a job of a printer the answering agent does not host."""

    def __init__(self, printer: str):
        super().__init__(f"printer {printer} is not hosted by this agent")
        self.printer = printer


# What the news of a settled job needs, handed back by the UPDATE that settles it: the
# job's columns and its ticket's number and service. The ticket's two are subqueries
# written out because SQLite's RETURNING drops table names from the columns SQLAlchemy
# renders there, which would leave a join of tickets and items naming "id" ambiguously.
_SETTLED_NEWS = (
    _JOBS.c.id, _JOBS.c.hall_id, _JOBS.c.ticket_id, _JOBS.c.printer, _JOBS.c.kind, _JOBS.c.state, _JOBS.c.reason,
    _JOBS.c.created_at, _JOBS.c.finished_at,
    literal_column(f"(SELECT {Ticket.__tablename__}.number FROM {Ticket.__tablename__} "
                   f"WHERE {Ticket.__tablename__}.id = {_JOBS.name}.ticket_id)").label("number"),
    literal_column(f"(SELECT {Item.__tablename__}.code FROM {Ticket.__tablename__} JOIN {Item.__tablename__} "
                   f"ON {Item.__tablename__}.id = {Ticket.__tablename__}.item_id "
                   f"WHERE {Ticket.__tablename__}.id = {_JOBS.name}.ticket_id)").label("service"),
)
_SETTLE_VALUES = dict(state=bindparam("new_state"), reason=bindparam("new_reason"), finished_at=bindparam("now"))
# An answer settles its job in one statement (the ORM way, loading the job, checking it,
# flushing the change and reading the ticket's number, cost most of the server's time
# for an answer). Only a pending job is settled: a failed one has been shown as failed
# and may have been reprinted, so a late 'printed' does not turn it; a repeated answer
# matches nothing.
_SETTLE = (update(_JOBS)
           .where(_JOBS.c.id == bindparam("job_id"), _JOBS.c.hall_id == bindparam("job_hall"),
                  _JOBS.c.printer.in_(bindparam("printers", expanding=True)), _JOBS.c.state == "pending")
           .values(**_SETTLE_VALUES).returning(*_SETTLED_NEWS))
_EXPIRE = (update(_JOBS).where(_JOBS.c.state == "pending", _JOBS.c.created_at < bindparam("cutoff"))
           .values(**_SETTLE_VALUES).returning(*_SETTLED_NEWS))
_JOB_PRINTER = (select(_JOBS.c.printer, _JOBS.c.state)
                .where(_JOBS.c.id == bindparam("job_id"), _JOBS.c.hall_id == bindparam("job_hall")))


def settle(uow: UnitOfWork, hall_id: int, job_id: int, ok: bool, reason: str | None, now: dt.datetime, *,
           printers: Collection[str]) -> bool:
    """The answer of the agent hosting `printers`; True when it changed the job (its news is added).

    A repeated answer, or one for a job unknown in this hall, changes nothing.
    Only a job's own printer's agent may settle it: NotHosted otherwise; a
    "printed" for a job settled as failed is SettledAsFailed. Either has changed
    nothing (so the other answers of its transaction still stand).
    """
    state, why = ("printed", None) if ok else ("failed", reason or "unknown")
    conn = uow.session.connection()
    row = conn.execute(_SETTLE, {"job_id": job_id, "job_hall": hall_id, "printers": list(printers), "ok": ok,
                                 "new_state": state, "new_reason": why, "now": now}).first()
    if row is not None:
        _news(uow, row, now)
        return True
    # Nothing matched: why is read only now, so the usual answer costs one statement.
    job = conn.execute(_JOB_PRINTER, {"job_id": job_id, "job_hall": hall_id}).first()  # another hall's: unknown
    if job is not None and job.printer not in printers:
        raise NotHosted(job.printer)
    if job is not None and ok and job.state == "failed":
        raise SettledAsFailed(job_id)
    return False


def expire_unanswered(uow: UnitOfWork, now: dt.datetime) -> int:
    """Jobs nobody answered in time are failed: the ticket must not count as on paper."""
    rows = uow.session.connection().execute(_EXPIRE, {"cutoff": now - ANSWER_WITHIN, "new_state": "failed",
                                                      "new_reason": "no answer from the printer", "now": now}).all()
    for row in rows:
        _news(uow, row, now)
    return len(rows)


def _news(uow: UnitOfWork, row, now: dt.datetime) -> None:
    """PRINT_RESULT: a settled job (a row of _SETTLED_NEWS) named by its ticket's number and service."""
    uow.add_event(Event(PRINT_RESULT, row.hall_id, {
        **job_json(row), "number": row.number, "window": None, "service": row.service, "at": iso(now)}))
    # A failed print is the duty manager's alert until someone sees to it or a reprint of the ticket prints
    # (asked only of reprints: a ticket's first print, the common answer, stays one statement).
    subject = f"ticket:{row.ticket_id}"
    if row.ticket_id is None:
        return
    if row.state == "failed":
        alerts.raise_alert(uow, row.hall_id, alerts.PRINT, subject, now, {
            "ticket": row.ticket_id, "job": row.id, "number": row.number, "printer": row.printer,
            "reason": row.reason})
    elif row.state == "printed" and row.kind == "reprint":
        alerts.end_alert(uow, row.hall_id, alerts.PRINT, subject, now)


def job_json(job: PrintJob | Row) -> dict:
    """A job as the API and the news show it: a PrintJob, or a row of its columns."""
    return {"job": job.id, "ticket": job.ticket_id, "printer": job.printer, "kind": job.kind,
            "state": job.state, "reason": job.reason, "created_at": iso(job.created_at),
            "finished_at": iso(job.finished_at) if job.finished_at else None}


def reprint(uow: UnitOfWork, ctx: HallContext, ticket: Ticket, ticket_view: dict, printer: str, qr_url: str,
            lang: str, who: str, now: dt.datetime) -> Row:
    """The guide desk prints a ticket again (one whose printing failed, or a lost slip)."""
    if ticket.hall_id != ctx.id:
        raise NotFound("ticket_unknown", ticket=ticket.id)
    if ticket.status not in ("waiting", "called", "held", "missed"):
        raise Refused("ticket_closed", number=ticket.number, status=ticket.status)
    require_printer(uow, ctx.id, printer, now)
    document = ticket_document(ctx, ticket_view, ticket.item, qr_url, lang)
    return request_print(uow, ticket, printer, document, kind="reprint", who=who, now=now)


def failed_tickets(uow: UnitOfWork, hall_id: int, day: dt.date) -> list[dict]:
    """Today's tickets whose last print job failed: the guide desk's reprint list."""
    last = (select(PrintJob.ticket_id, func.max(PrintJob.id).label("job_id"))
            .where(PrintJob.hall_id == hall_id).group_by(PrintJob.ticket_id).subquery())
    rows = uow.session.execute(
        select(Ticket, PrintJob).join(last, last.c.ticket_id == Ticket.id).join(PrintJob, PrintJob.id == last.c.job_id)
        .where(Ticket.hall_id == hall_id, Ticket.day == day, PrintJob.state == "failed").order_by(Ticket.id)
    ).all()
    return [{"id": t.id, "number": t.number, "service": t.item.code, "status": t.status, **job_json(job)}
            for t, job in rows]


def tally(s: Session) -> dict[tuple[str, str, str], int]:
    """(hall code, kind, state) -> print jobs ever, over every hall: failures as monitoring counts them."""
    rows = s.execute(select(Hall.code, PrintJob.kind, PrintJob.state, func.count()).join(Hall)
                     .group_by(Hall.code, PrintJob.kind, PrintJob.state))
    return {(code, kind, state): n for code, kind, state, n in rows}
