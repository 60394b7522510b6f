"""Bad-review follow-up (差评整改): a case per bad review, tracked to a close by a deadline.

The case opens with the rating (same transaction), goes to the chief
representative (首席代表) of the window's department (the item's department
for a comprehensive window without one), or to the supervisors when that chief
is the rated clerk (never the rated person follows their own review up), and is due a number of working days
later (`ratings.followup_working_days`, the Chinese official calendar with its
make-up workdays and the hall's own holidays). It records callbacks to the
citizen (回访) and the rectification (整改), and closes only with both. A case
still open after its due day is overdue; one closed after it was closed late.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hallq.queue.accounts import Principal, User
from hallq.queue.alerts import BAD_REVIEW, raise_alert
from hallq.evaluator.models import FollowUp, FollowUpNote, Rating
from hallq.queue.errors import Forbidden, Invalid, NotFound, Refused
from hallq.queue.events import FOLLOWUP_OPENED, FOLLOWUP_UPDATED
from hallq.queue.facts import announce
from hallq.queue.halls import HallContext, hall_context
from hallq.queue.hours import HallHours
from hallq.queue.models import Department, Staff, Ticket, Window
from hallq.queue.unit_of_work import UnitOfWork

STATUSES = ("open", "closed", "withdrawn")
TEXT_MAX = 2000


def chief_for(s: Session, ctx: HallContext, window: Window, ticket: Ticket,
              rated_staff_id: int | None = None) -> Staff | None:
    """The chief representative answerable for a ticket served at a window, if the hall names one; never
    the rated clerk (issue 16): when the chief is the one who served, the case is the supervisors'."""
    chiefs = ctx.settings.ratings.chiefs
    department_ids = [d for d in (window.department_id, ticket.item.department_id) if d is not None]
    for department_id in department_ids:
        code = s.scalar(select(Department.code).where(Department.id == department_id))
        number = chiefs.get(code)
        if number:
            staff = s.scalar(select(Staff).where(Staff.hall_id == ctx.id, Staff.number == number,
                                                 Staff.active.is_(True)))
            if staff is not None:
                return None if staff.id == rated_staff_id else staff
    return None


def owner(s: Session, ctx: HallContext, case: FollowUp) -> str:
    """Who answers for a case: "chief" (its assignee); else the supervisors, because the chief is the rated
    clerk ("chief_rated") or no chief is named ("no_chief")."""
    if case.assignee_staff_id is not None:
        return "chief"
    rating = s.get(Rating, case.rating_id)
    chief = chief_for(s, ctx, s.get(Window, case.window_id), s.get(Ticket, case.ticket_id))
    return "chief_rated" if chief is not None and chief.id == rating.staff_id else "no_chief"


def open_case(uow: UnitOfWork, ctx: HallContext, rating: Rating, ticket: Ticket, window: Window,
              now: dt.datetime) -> FollowUp:
    s = uow.session
    chief = chief_for(s, ctx, window, ticket, rating.staff_id)
    due = ctx.hours.add_working_days(ctx.hours.local_day(now), ctx.settings.ratings.followup_working_days)
    case = FollowUp(hall_id=ctx.id, rating_id=rating.id, ticket_id=ticket.id, window_id=window.id,
                    assignee_staff_id=chief.id if chief else None, opened_at=now, due_date=due, status="open")
    s.add(case)
    s.flush()
    # To the hall's supervisors' room alone (realtime.ONLY): the duty manager (值班长) and supervisors.
    announce(uow, FOLLOWUP_OPENED, ticket, now, window, followup=case.id, rating=rating.id, level=rating.level,
             due_date=due.isoformat(), assignee=chief.name if chief else None)
    # Kept for every duty screen, later ones too (hallq.queue.alerts): acknowledged once, by name.
    raise_alert(uow, ctx.id, BAD_REVIEW, f"followup:{case.id}", now, {
        "followup": case.id, "rating": rating.id, "number": ticket.number, "window": window.number,
        "level": rating.level, "due_date": due.isoformat(), "assignee": chief.name if chief else None})
    return case


# --- overdue ------------------------------------------------------------------------

def working_days_after(hours: HallHours, day: dt.date, until: dt.date) -> int:
    """Working days from the day after `day` to `until`, inclusive (DOMAIN.md's days late)."""
    count, current = 0, day
    while current < until:
        current += dt.timedelta(days=1)
        count += hours.is_workday(current)
    return count


@dataclass(frozen=True)
class Lateness:
    overdue: bool  # still open after its due day
    closed_late: bool  # closed, but after its due day
    days_late: int  # working days past the due day, up to today or the closing day


def lateness(case: FollowUp, hours: HallHours, now: dt.datetime) -> Lateness:
    if case.status == "withdrawn":
        return Lateness(False, False, 0)
    end = hours.local_day(case.closed_at if case.closed_at else now)
    days = working_days_after(hours, case.due_date, end) if end > case.due_date else 0
    if case.status == "open":
        return Lateness(end > case.due_date, False, days)
    return Lateness(False, end > case.due_date, days)


# --- who may see and act -----------------------------------------------------------

def _staff_id(s: Session, who: Principal) -> int | None:
    return s.scalar(select(User.staff_id).where(User.id == who.user_id)) if who.is_staff else None


def _may_handle(s: Session, who: Principal, case: FollowUp) -> None:
    """Supervisors see and act on every case; a chief representative on the cases assigned to them."""
    if who.can("review"):
        return
    staff_id = _staff_id(s, who)
    if staff_id is None or staff_id != case.assignee_staff_id:
        raise Forbidden("forbidden")
    # Never the rated clerk, even on a case assigned before that rule (issue 16).
    if s.scalar(select(Rating.staff_id).where(Rating.id == case.rating_id)) == staff_id:
        raise Forbidden("forbidden")


def get_case(s: Session, who: Principal, case_id: int, *, lock: bool = False) -> FollowUp:
    query = select(FollowUp).where(FollowUp.id == case_id, FollowUp.hall_id == who.hall_id)
    if lock:
        query = query.with_for_update()
    case = s.scalar(query) if 0 < case_id < 2**31 else None
    if case is None:
        raise NotFound("followup_unknown", followup=case_id)
    _may_handle(s, who, case)
    return case


def cases(s: Session, who: Principal, now: dt.datetime, *, status: str | None = None,
          overdue: bool | None = None, window: int | None = None) -> list[FollowUp]:
    """Cases a caller may see, newest first; `overdue=True` gives those open after their due day."""
    if not who.is_staff:
        raise Forbidden("forbidden")
    ctx = hall_context(s, who.hall_id)
    query = select(FollowUp).where(FollowUp.hall_id == ctx.id).order_by(FollowUp.id.desc())
    if not who.can("review"):
        query = query.where(FollowUp.assignee_staff_id == _staff_id(s, who))
    if status is not None:
        if status not in STATUSES:
            raise Invalid("invalid_input", detail=f"status must be one of {', '.join(STATUSES)}")
        query = query.where(FollowUp.status == status)
    if window is not None:
        query = query.join(Window, Window.id == FollowUp.window_id).where(Window.number == window)
    today = ctx.hours.local_day(now)
    if overdue is True:
        query = query.where(FollowUp.status == "open", FollowUp.due_date < today)
    elif overdue is False:
        query = query.where((FollowUp.status != "open") | (FollowUp.due_date >= today))
    return list(s.scalars(query))


def overdue_count(s: Session, hall_id: int, now: dt.datetime) -> int:
    """Open cases past their due day (the supervision office's daily check)."""
    ctx = hall_context(s, hall_id)
    return s.scalar(select(func.count()).select_from(FollowUp).where(
        FollowUp.hall_id == hall_id, FollowUp.status == "open", FollowUp.due_date < ctx.hours.local_day(now)))


# --- recording what was done -----------------------------------------------------------

def _text(value: str | None, code: str) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid(code)
    if len(value) > TEXT_MAX:
        raise Invalid("invalid_input", detail=f"at most {TEXT_MAX} characters")
    return value


def _when(case: FollowUp, at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """When something was done: now by default; never before the case or in the future."""
    if at is None:
        return now
    if at.tzinfo is None:
        raise Invalid("invalid_input", detail="time needs a time zone")
    if at < case.opened_at or at > now:
        raise Invalid("followup_time_invalid")
    return at


def _person(s: Session, who: Principal, person: str | None) -> str:
    if person and person.strip():
        return person.strip()[:100]
    staff_id = _staff_id(s, who)
    staff = s.get(Staff, staff_id) if staff_id else None
    return staff.name if staff else who.name


def _open_case(uow: UnitOfWork, who: Principal, case_id: int) -> FollowUp:
    case = get_case(uow.session, who, case_id, lock=True)
    if case.status != "open":
        raise Refused("followup_not_open", followup=case_id)
    return case


def _updated(uow: UnitOfWork, case: FollowUp, now: dt.datetime, change: str) -> None:
    ticket = uow.session.get(Ticket, case.ticket_id)
    window = uow.session.get(Window, case.window_id)
    announce(uow, FOLLOWUP_UPDATED, ticket, now, window, followup=case.id, change=change,
             followup_status=case.status)


def add_callback(uow: UnitOfWork, who: Principal, case_id: int, now: dt.datetime, *, result: str,
                 reached: bool = True, at: dt.datetime | None = None, person: str | None = None) -> FollowUpNote:
    """A callback to the citizen (回访): who called, when, whether they were reached, what came of it."""
    case = _open_case(uow, who, case_id)
    note = FollowUpNote(followup_id=case.id, kind="callback", at=_when(case, at, now),
                        person=_person(uow.session, who, person), text=_text(result, "followup_result_required"),
                        reached=reached, recorded_at=now, actor=who.actor)
    uow.session.add(note)
    uow.session.flush()
    _updated(uow, case, now, "callback")
    return note


def add_rectification(uow: UnitOfWork, who: Principal, case_id: int, now: dt.datetime, *, text: str,
                      at: dt.datetime | None = None, person: str | None = None) -> FollowUpNote:
    """What the window changed (整改)."""
    case = _open_case(uow, who, case_id)
    note = FollowUpNote(followup_id=case.id, kind="rectification", at=_when(case, at, now),
                        person=_person(uow.session, who, person),
                        text=_text(text, "followup_rectification_required"), reached=None,
                        recorded_at=now, actor=who.actor)
    uow.session.add(note)
    uow.session.flush()
    _updated(uow, case, now, "rectification")
    return note


def notes(s: Session, case: FollowUp) -> list[FollowUpNote]:
    return list(s.scalars(select(FollowUpNote).where(FollowUpNote.followup_id == case.id)
                          .order_by(FollowUpNote.at, FollowUpNote.id)))


def close(uow: UnitOfWork, who: Principal, case_id: int, now: dt.datetime, *, note: str | None = None) -> FollowUp:
    """Close a case; it needs a callback to the citizen and a rectification on record."""
    case = _open_case(uow, who, case_id)
    kinds = {n.kind for n in notes(uow.session, case)}
    if "callback" not in kinds:
        raise Refused("followup_callback_missing", followup=case_id)
    if "rectification" not in kinds:
        raise Refused("followup_rectification_missing", followup=case_id)
    case.status, case.closed_at, case.closed_by = "closed", now, who.actor
    case.closing_note = (note or "").strip()[:TEXT_MAX] or None
    _updated(uow, case, now, "closed")
    return case


def withdraw(uow: UnitOfWork, rating: Rating, who: Principal, now: dt.datetime, ruling: str) -> FollowUp | None:
    """The bad review was ruled out on appeal: its open case ends without counting as late."""
    case = uow.session.scalar(select(FollowUp).where(FollowUp.rating_id == rating.id).with_for_update())
    if case is None or case.status != "open":
        return case
    case.status, case.closed_at, case.closed_by = "withdrawn", now, who.actor
    case.closing_note = f"appeal: {ruling}"
    _updated(uow, case, now, "withdrawn")
    return case
