"""Issuing a ticket at a kiosk (or by staff at the guide desk)."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict

from hallq.queue.accounts import Principal
from hallq.privacy import age_on, id_hash, mask_id, mask_phone, normalize_id, normalize_phone
from hallq.queue import numbering
from hallq.queue.errors import Invalid, NotFound, Refused
from hallq.queue.events import TICKET_ISSUED
from hallq.queue.facts import iso, record
from hallq.queue.halls import HallContext, hall_context
from hallq.queue.models import Appointment, Item, Ticket
from hallq.queue.staffing import item_staffing
from hallq.queue.stats import queue_stats
from hallq.queue.unit_of_work import UnitOfWork

GREEN_REASONS = ("elderly", "disabled", "pregnant", "military", "major_project", "urgent", "other")


@dataclass(frozen=True)
class IssueRequest:
    service: str
    priority: str = "normal"
    reason: str | None = None  # why green channel
    appointment_code: str | None = None
    id_number: str | None = None
    phone: str | None = None
    # The citizen's answer to "no window is serving this item now": None issues without asking (and the
    # answer says `staffed`), False refuses with service_unstaffed, True is the citizen's confirmation.
    unstaffed_ok: bool | None = None
    # 一票到底: more items for the same visit, served in this order after `service`, on this one ticket.
    also: tuple[str, ...] = ()


# Locking the item row serialises issuing per item on PostgreSQL, which keeps
# the quota and the one-ticket-per-person check exact. Built once: it runs for every ticket.
_ITEM_FOR_ISSUE = (select(Item).where(Item.hall_id == bindparam("hall_id"), Item.code == bindparam("code"),
                                      Item.active.is_(True)).with_for_update(of=Item))


def issue_ticket(uow: UnitOfWork, who: Principal, req: IssueRequest, now: dt.datetime, *,
                 ready: Callable[[], None] | None = None) -> Ticket:
    """`ready` is the last check before a number is used (the kiosk's printer), after the hall's own."""
    s = uow.session
    ctx = hall_context(s, who.hall_id)
    item = s.scalar(_ITEM_FOR_ISSUE, {"hall_id": ctx.id, "code": req.service})
    if item is None:
        raise NotFound("service_unknown", service=req.service)
    if why := ctx.why_not_issuing(now):
        raise Refused(why, **ctx.refusal_params(why, now))
    day = ctx.hours.local_day(now)

    id_number = _parse(req.id_number, normalize_id, "id_number_invalid")
    phone = _parse(req.phone, normalize_phone, "phone_invalid")
    person = id_hash(ctx.hall.secret, id_number) if id_number else None

    priority, reason, appointment = req.priority, req.reason, None
    if req.appointment_code or priority == "appointment":
        appointment = _check_in(s, ctx, item, req.appointment_code, now, person)
        priority, reason = "appointment", None
    elif priority == "green":
        reason = _green_reason(ctx, who, reason, id_number, day)
    elif priority != "normal":
        raise Invalid("invalid_input", detail="priority must be normal, appointment or green")
    else:
        reason = None

    if person:
        holding = s.scalar(select(Ticket.number).where(
            Ticket.hall_id == ctx.id, Ticket.item_id == item.id, Ticket.id_hash == person,
            Ticket.status.in_(("waiting", "held", "called"))))
        if holding:
            raise Refused("already_waiting", service=item.name, number=holding)
    if item.daily_quota:
        issued = s.scalar(select(func.count()).select_from(Ticket).where(Ticket.item_id == item.id, Ticket.day == day))
        if issued >= item.daily_quota:
            raise Refused("quota_exhausted", service=item.name, opens=ctx.opens_words(now, tomorrow_on=True))

    later = _later_items(s, ctx, item, req.also, day, now)

    if req.unstaffed_ok is False:
        staffed = item_staffing(s, ctx, now, [item.id])[item.id]
        if not staffed.staffed:
            raise Refused("service_unstaffed", service=item.name, back=staffed.back_words(ctx))

    if ready is not None:
        ready()
    seq = numbering.next_seq(s, ctx.id, item.prefix, day)
    ticket = _insert_ticket(s, item, dict(
        hall_id=ctx.id, item_id=item.id, day=day, prefix=item.prefix, seq=seq,
        number=numbering.format_number(item.prefix, seq, ctx.settings.digits),
        priority=priority, priority_reason=reason, appointment_id=appointment.id if appointment else None,
        status="waiting", issued_at=now, queue_key=now, token=secrets.token_urlsafe(18),
        id_hash=person, id_masked=mask_id(id_number) if id_number else None,
        phone_masked=mask_phone(phone) if phone else None, issued_by=who.actor,
        window_id=None, target_window_id=None, return_window_id=None, outcome=None, due_date=None,
        next_items=[i.id for i in later] or None,
    ))
    if appointment:
        appointment.ticket_id = ticket.id
    record(uow, ticket, "issued", now, who.actor, publish=TICKET_ISSUED,
           data={"priority_reason": reason} if reason else None)
    queue_stats(uow, ctx, [item])
    return ticket


MAX_ALSO = 3  # one visit, one ticket: a few items at most, as a counter can serve them in turn


def _later_items(s: Session, ctx: HallContext, first: Item, codes: tuple[str, ...], day: dt.date,
                 now: dt.datetime) -> list[Item]:
    """一票到底: the items after the first, each refused with its own words before a number is used: the
    hall's limits (settings.one_visit: how many, which items only alone), an item named twice, one no window
    serves, one whose numbers are used up today (its quota is used when the ticket joins its queue, so one
    used up now would only send the citizen away later)."""
    if not codes:
        return []
    rule = ctx.settings.one_visit
    if len(codes) + 1 > min(rule.max_items, MAX_ALSO + 1):
        raise Refused("one_visit_too_many", n=min(rule.max_items, MAX_ALSO + 1))
    found = {i.code: i for i in s.scalars(select(Item).where(Item.hall_id == ctx.id, Item.code.in_(codes),
                                                             Item.active.is_(True)))}
    later: list[Item] = []
    for code in codes:
        item = found.get(code)
        if code == first.code or code in (i.code for i in later):
            raise Invalid("one_visit_repeat", service=item.name if item else code)
        if item is None:
            raise NotFound("service_unknown", service=code)
        later.append(item)
    for item in (first, *later):
        if item.code in rule.alone:
            raise Refused("one_visit_alone", service=item.name)
    for item in later:
        if not ctx.serving.get(item.id):
            raise Refused("one_visit_no_window", service=item.name)
        if item.daily_quota and s.scalar(select(func.count()).select_from(Ticket).where(
                Ticket.item_id == item.id, Ticket.day == day)) >= item.daily_quota:
            raise Refused("one_visit_quota", service=item.name)
    return later


# Built once: it runs for every ticket.
_INSERT_TICKET = insert(Ticket).returning(Ticket.id)


def _insert_ticket(s: Session, item: Item, columns: dict) -> Ticket:
    """Write the new ticket with one INSERT and hand back its object, as if just loaded.

    An ORM flush of the new object cost more than the rest of the insert; the
    row needs no flush logic (no cascades, all columns given), so it is written
    on the session's connection. Its object is then filled the way a query's
    loading fills one: the values go into the instance's dict without
    attribute events (setting 25 attributes through them cost more than the
    INSERT), and make_transient_to_detached takes them as the loaded state. So
    the object joins the session as persistent with every column known, and
    reading one later costs no query.
    """
    ticket = Ticket()
    instance_dict(ticket).update(columns, id=s.connection().execute(_INSERT_TICKET, columns).scalar_one(), item=item)
    make_transient_to_detached(ticket)
    s.add(ticket)
    return ticket


def _parse(raw: str | None, normalize, error: str) -> str | None:
    if raw is None or raw == "":
        return None
    value = normalize(raw)
    if value is None:
        raise Invalid(error)
    return value


def _green_reason(ctx: HallContext, who: Principal, reason: str | None, id_number: str | None, day: dt.date) -> str:
    if reason not in GREEN_REASONS:
        raise Invalid("green_reason_required")
    if who.can("issue_green"):
        return reason
    # A kiosk opens the green channel by itself only for the elderly, by ID number.
    age = ctx.settings.green_elderly_age
    if reason == "elderly" and id_number and age_on(id_number, day) >= age:
        return reason
    raise Refused("green_not_allowed", age=age)


def _check_in(s: Session, ctx: HallContext, item: Item, code: str | None, now: dt.datetime,
              person: str | None) -> Appointment:
    if not code:
        raise Invalid("appointment_required")
    appt = s.scalar(select(Appointment).where(Appointment.hall_id == ctx.id, Appointment.code == code).with_for_update())
    if appt is None:
        raise NotFound("appointment_unknown", code=code)
    if appt.cancelled_at:
        raise Refused("appointment_cancelled", code=code)
    if appt.ticket_id:
        raise Refused("appointment_used", code=code)
    if appt.item_id != item.id:
        raise Refused("appointment_wrong_service", code=code)
    if person and appt.id_hash and person != appt.id_hash:
        # An ID number given with the code must be the booking's: nobody checks in another's slot.
        raise Refused("appointment_other_person", code=code)
    tz = ctx.hours.tz
    slot = f"{appt.slot_start.astimezone(tz):%m-%d %H:%M}–{appt.slot_end.astimezone(tz):%H:%M}"
    if now < appt.slot_start - dt.timedelta(minutes=ctx.settings.appointment_early_minutes):
        raise Refused("appointment_too_early", slot=slot)
    if now >= appt.slot_end:
        raise Refused("appointment_too_late", slot=slot)
    return appt


def add_appointment(uow: UnitOfWork, who: Principal, *, code: str, service: str, slot_start: dt.datetime,
                    slot_end: dt.datetime, id_number: str | None, now: dt.datetime) -> Appointment:
    """An online booking pushed in by an integration (预约平台)."""
    s = uow.session
    ctx = hall_context(s, who.hall_id)
    item = s.scalar(select(Item).where(Item.hall_id == ctx.id, Item.code == service, Item.active.is_(True)))
    if item is None:
        raise NotFound("service_unknown", service=service)
    if slot_end <= slot_start:
        raise Invalid("invalid_input", detail="slot_end must be after slot_start")
    if s.scalar(select(Appointment.id).where(Appointment.hall_id == ctx.id, Appointment.code == code)):
        raise Refused("appointment_exists", code=code)
    id_number = _parse(id_number, normalize_id, "id_number_invalid")
    appt = Appointment(hall_id=ctx.id, code=code, item_id=item.id, slot_start=slot_start, slot_end=slot_end,
                       id_hash=id_hash(ctx.hall.secret, id_number) if id_number else None,
                       source=who.actor, created_at=now)
    s.add(appt)
    s.flush()
    return appt


def appointment_json(appt: Appointment) -> dict:
    return {"id": appt.id, "code": appt.code, "slot_start": iso(appt.slot_start), "slot_end": iso(appt.slot_end),
            "checked_in": appt.ticket_id is not None}
