"""扫码取号: a citizen takes a ticket on their own phone, from the QR code posted in the hall.

The same issuing as the kiosk (hallq.queue.issuing: opening hours, closing buffer, quotas, the unstaffed
item's warning, one waiting ticket per person per item), with what a phone in anyone's hand adds:
- the hall turns it on (`phone_issuing.enabled`); an unknown hall and a hall with it off answer alike;
- the ID number is required: it is how "one waiting ticket per person per item" knows the person (the kiosk
  asks for it only for priority), and it is kept masked and keyed-hashed, as at the kiosk;
- 一票到底 as at the kiosk: `also` names more items for the same visit, on the one ticket;
- no priority: the green channel and appointments stay at the kiosk and the guide desk;
- at most `phone_issuing.daily_limit` phone tickets a day (0: no cap) beyond the items' own quotas;
- the number for text reminders may be given with it (hallq.queue.notify).
Requests per address are throttled by the web layer before this is reached.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from hallq.privacy import normalize_id
from hallq.queue import issuing, notify
from hallq.queue.accounts import Principal
from hallq.queue.errors import Invalid, NotFound, Refused
from hallq.queue.halls import HallContext, hall_context
from hallq.queue.models import Hall, Ticket
from hallq.queue.unit_of_work import UnitOfWork

KIND, NAME = "phone", "qr"  # the issuer event rows name: "phone:qr"


def phone_hall(session, code: str) -> HallContext:
    """The hall whose poster says `code`, if it issues by phone; 404 otherwise (off looks like unknown)."""
    hall_id = session.scalar(select(Hall.id).where(Hall.code == code[:40]))
    ctx = hall_context(session, hall_id) if hall_id is not None else None
    if ctx is None or not ctx.settings.phone_issuing.enabled:
        raise NotFound("phone_issuing_off")
    return ctx


def issue(uow: UnitOfWork, hall_code: str, service: str, id_number: str | None, phone: str | None,
          unstaffed_ok: bool | None, lang: str, now: dt.datetime, *, also: tuple[str, ...] = ()) -> Ticket:
    s = uow.session
    ctx = phone_hall(s, hall_code)
    if not (id_number or "").strip():
        raise Invalid("id_number_required")
    if normalize_id(id_number) is None:
        raise Invalid("id_number_invalid")
    if phone and not notify.is_on(ctx):
        phone = None  # a hall that sends no texts takes the ticket without the number, and keeps nothing
    limit = ctx.settings.phone_issuing.daily_limit
    if limit and _issued_today(s, ctx, now) >= limit:
        raise Refused("phone_daily_limit")
    who = Principal(hall_id=ctx.id, kind=KIND, name=NAME)
    ticket = issuing.issue_ticket(uow, who, issuing.IssueRequest(service, id_number=id_number,
                                                                 unstaffed_ok=unstaffed_ok, also=also), now)
    if phone:
        notify.opt_in(uow, ticket, phone, lang, who.actor, now)
    return ticket


def _issued_today(session, ctx: HallContext, now: dt.datetime) -> int:
    return session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.hall_id == ctx.id, Ticket.day == ctx.hours.local_day(now), Ticket.issued_by == f"{KIND}:{NAME}"))
