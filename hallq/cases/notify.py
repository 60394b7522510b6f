"""The one place the citizen is told their result is ready (办理结果已可领取), through the hall's
notification channel (hallq.queue.notify: SMS, or what the hall configures) to the number the citizen
opted in with. It goes once: a case whose `notified_at` is set is never sent again, and a correction
of its completion day does not resend.

A number is normally forgotten at the end of its ticket's day; a case keeps it (`keep_for`) until some
time after the case falls due, long enough for a late result to reach the citizen. The result comes
after the counter, so a citizen may also opt in then (`opt_in`, from the ticket's status page), while
the case is open; that number is kept, masked and hashed as any, for the same time.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallq.cases.models import Case
from hallq.queue import notify
from hallq.queue.halls import HallContext
from hallq.queue.models import Ticket, Window
from hallq.queue.notify_models import TicketContact
from hallq.queue.unit_of_work import UnitOfWork

KEEP_AFTER_DUE = dt.timedelta(days=30)  # a case finished late still reaches the citizen
KEEP_UNDATED = dt.timedelta(days=90)  # a forwarded case with no promised time


OPEN = ("open", "waiting")  # a case whose result is still to come: its citizen may opt in for it


def keep_until(case: Case, accepted_on: dt.date) -> dt.date:
    """The last day this case may still need the citizen's number."""
    due = case.due_on or (dt.date.fromisoformat(case.details["materials_due"])
                          if case.details.get("materials_due") else None)
    return due + KEEP_AFTER_DUE if due else accepted_on + KEEP_UNDATED


def keep_for(s: Session, ctx: HallContext, case: Case, accepted_on: dt.date) -> None:
    """Keep the citizen's number (if they gave one) for as long as this case may still need it."""
    notify.keep_number(s, case.ticket_id, keep_until(case, accepted_on))


def _open_case(s: Session, ticket_id: int) -> Case | None:
    """The ticket's case while its result is still to come, else None."""
    return s.scalar(select(Case).where(Case.ticket_id == ticket_id, Case.status.in_(OPEN)))


def opt_in(uow: UnitOfWork, ctx: HallContext, ticket: Ticket, raw_phone: str, lang: str, actor: str,
           now: dt.datetime) -> TicketContact:
    """The citizen's number for their ticket: while it waits (hallq.queue.notify's rule), and after the
    counter while its case is open, kept until the case's keeping ends (`keep_until`), so that
    "办理结果已可领取" reaches it; the day's closing forgets it after that, as every number."""
    case = _open_case(uow.session, ticket.id)
    until = keep_until(case, ctx.hours.local_day(case.opened_at)) if case is not None else None
    return notify.opt_in(uow, ticket, raw_phone, lang, actor, now, keep_until=until)


def result_ready(uow, case: Case, now: dt.datetime, ctx: HallContext) -> bool:
    """Send "result ready" for this case once (queued in `uow`'s transaction, so it goes only if the
    completion commits); True when it was queued now."""
    if case.notified_at is not None:
        return False
    case.notified_at = now
    s = uow.session
    window = s.get(Window, case.window_id) if case.window_id else None
    where = ctx.settings.cases.pickup_place or (f"{window.number}号窗口" if window else ctx.hall.name)
    notify.notify(uow, s.get(Ticket, case.ticket_id), "result_ready", now, key=f"case:{case.id}", where=where)
    return True
