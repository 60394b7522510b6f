"""Finding a citizen's online appointment at the kiosk, by its code or by an ID number.

The issuing engine checks an appointment in by its code (and the booked item);
a citizen at the kiosk may have only the code, or only their ID card. This
finds the booking so the kiosk can ask for the right ticket; whether the slot
allows checking in now is still the engine's decision when the ticket is issued.
Read-only, plain Python over SQLAlchemy. An ID number is compared by its keyed
hash, as the engine stores it; it is never kept or returned.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hallq.privacy import id_hash, normalize_id
from hallq.queue.errors import Invalid, NotFound
from hallq.queue.facts import iso
from hallq.queue.halls import HallContext
from hallq.queue.models import Appointment, Item


def appointment_view(ctx: HallContext, appt: Appointment, item: Item, now: dt.datetime) -> dict:
    early = dt.timedelta(minutes=ctx.settings.appointment_early_minutes)
    tz = ctx.hours.tz
    return {
        "code": appt.code, "service": item.code, "service_name": item.name, "department": item.department.name,
        "slot_start": iso(appt.slot_start), "slot_end": iso(appt.slot_end),
        "slot": f"{appt.slot_start.astimezone(tz):%m-%d %H:%M}–{appt.slot_end.astimezone(tz):%H:%M}",
        "checked_in": appt.ticket_id is not None, "cancelled": appt.cancelled_at is not None,
        # Whether the engine would take it now; it decides again when the ticket is asked for.
        "in_slot": appt.slot_start - early <= now < appt.slot_end,
    }


def by_code(s: Session, ctx: HallContext, code: str, now: dt.datetime) -> dict:
    """The booking with this code, whatever the case it was typed in (on-screen keys type lower case)."""
    code = code.strip()
    rows = s.execute(select(Appointment, Item).join(Item, Item.id == Appointment.item_id)
                     .where(Appointment.hall_id == ctx.id, func.upper(Appointment.code) == code.upper())).all()
    if not rows:
        raise NotFound("appointment_unknown", code=code)
    appt, item = next((r for r in rows if r[0].code == code), rows[0])
    return appointment_view(ctx, appt, item, now)


def by_id_number(s: Session, ctx: HallContext, raw_id: str, now: dt.datetime) -> list[dict]:
    """Today's bookings of the person with this ID number that are not checked in or cancelled, by slot."""
    id_number = normalize_id(raw_id)
    if id_number is None:
        raise Invalid("id_number_invalid")
    day = ctx.hours.local_day(now)
    start = dt.datetime.combine(day, dt.time(0), ctx.hours.tz)
    rows = s.execute(select(Appointment, Item).join(Item, Item.id == Appointment.item_id).where(
        Appointment.hall_id == ctx.id, Appointment.id_hash == id_hash(ctx.hall.secret, id_number),
        Appointment.slot_end > start, Appointment.slot_start < start + dt.timedelta(days=1),
        Appointment.ticket_id.is_(None), Appointment.cancelled_at.is_(None),
    ).order_by(Appointment.slot_start)).all()
    if not rows:
        raise NotFound("appointment_none_today")
    return [appointment_view(ctx, appt, item, now) for appt, item in rows]
