"""A citizen coming back for their case is served without a new place at the back (issue 17):
with the missing materials of a 补办件, or for a result that is ready.

At the kiosk they show the QR code of their first ticket (its status page's address, or the
token in it) or their ID number. The case found, a ticket is issued for the case's item that
only the case's window calls, in the place in time of the first ticket (as a transfer keeps
one), so it comes before the day's new arrivals. The case's log names the new ticket.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from hallq.cases.log import log
from hallq.cases.models import Case
from hallq.privacy import id_hash, normalize_id
from hallq.queue.accounts import Principal
from hallq.queue.errors import Invalid, NotFound, Refused
from hallq.queue.halls import hall_context
from hallq.queue.issuing import IssueRequest, issue_ticket
from hallq.queue.models import Ticket

RETURNABLE = ("waiting", "done")  # bringing materials; collecting the result


def _token(scanned: str) -> str:
    """The ticket's token from what the scanner read: the status page's address or the token itself."""
    text = scanned.strip().split("?", 1)[0].rstrip("/")
    return text.rsplit("/", 1)[-1][:64]


def find_case(s, ctx, *, scanned: str | None, id_number: str | None) -> tuple[Case, Ticket]:
    if scanned and scanned.strip():
        first = s.scalar(select(Ticket).where(Ticket.token == _token(scanned), Ticket.hall_id == ctx.id))
        cases = [s.scalar(select(Case).where(Case.ticket_id == first.id))] if first is not None else []
    elif id_number and id_number.strip():
        normal = normalize_id(id_number)
        if normal is None:
            raise Invalid("id_number_invalid")
        cases = list(s.scalars(select(Case).join(Ticket, Ticket.id == Case.ticket_id).where(
            Case.hall_id == ctx.id, Ticket.id_hash == id_hash(ctx.hall.secret, normal))
            .order_by(Case.opened_at.desc())))
    else:
        raise Invalid("invalid_input", detail="give the ticket's QR code or an ID number")
    cases = [c for c in cases if c is not None]
    ready = [c for c in cases if c.status in RETURNABLE]
    if ready:
        return ready[0], s.get(Ticket, ready[0].ticket_id)
    if cases and cases[0].status == "open":
        raise Refused("case_in_progress", due=cases[0].due_on.isoformat() if cases[0].due_on else "—")
    raise NotFound("case_not_found")


def check_in(uow, who: Principal, scanned: str | None, id_number: str | None, now: dt.datetime) -> Ticket:
    s = uow.session
    ctx = hall_context(s, who.hall_id)
    case, first = find_case(s, ctx, scanned=scanned, id_number=id_number)
    waiting = s.scalar(select(Ticket).where(Ticket.hall_id == ctx.id, Ticket.day == ctx.hours.local_day(now),
                                            Ticket.target_window_id == case.window_id,
                                            Ticket.status.in_(("waiting", "called", "held")),
                                            Ticket.id.in_([int(t) for t in case.details.get("returns", [])] or [0])))
    if waiting is not None:
        raise Refused("already_waiting", service=first.item.name, number=waiting.number)
    ticket = issue_ticket(uow, who, IssueRequest(first.item.code), now)
    # Only the case's window calls it, in the first ticket's place in time: before today's new arrivals.
    ticket.target_window_id, ticket.queue_key = case.window_id, first.queue_key
    case.details = {**case.details, "returns": [*case.details.get("returns", []), ticket.id]}
    log(s, case, now, who.actor, "returned", after={"ticket": ticket.number,
                                                   "for": "materials" if case.status == "waiting" else "pickup"})
    s.flush()
    return ticket
