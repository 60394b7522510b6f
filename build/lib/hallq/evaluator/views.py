"""What the ratings and follow-up API shows: plain dicts, no personal data.

A rating carries the window, the item and the staff member on duty, never
anything about the rater; comments were masked when stored.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from hallq.evaluator import choices, followup
from hallq.evaluator.models import FollowUp, FollowUpNote, Rating, RatingAppeal
from hallq.evaluator.satisfaction import satisfaction
from hallq.queue.facts import iso
from hallq.queue.halls import HallContext
from hallq.queue.models import Item, Staff, Ticket, Window
from hallq.queue.views import day_start


def _staff(s: Session, staff_id: int | None) -> dict | None:
    staff = s.get(Staff, staff_id) if staff_id else None
    return {"name": staff.name, "number": staff.number} if staff else None


def options(ctx: HallContext, lang: str) -> dict:
    """What a pad or keypad offers, and the hall's rating rules."""
    rules = ctx.settings.ratings
    return {
        "levels": [{"level": level, "name": choices.level_name(level, lang), "bad": choices.is_bad(level)}
                   for level in choices.LEVELS],
        "reasons": [{"code": code, "name": choices.reason_name(code, lang)} for code in choices.REASONS],
        "request_seconds": rules.request_seconds,
        "qr_days": rules.qr_days,
        "unrated_counts_as": rules.unrated_counts_as,
        "followup_working_days": rules.followup_working_days,
    }


def appeal(a: RatingAppeal | None) -> dict | None:
    if a is None:
        return None
    return {"ruling": a.ruling, "reasons": a.reasons, "decided_by": a.decided_by, "decided_at": iso(a.decided_at)}


def rating(s: Session, r: Rating, lang: str = "zh") -> dict:
    ticket = s.get(Ticket, r.ticket_id)
    window = s.get(Window, r.window_id)
    item = s.get(Item, r.item_id)
    decided = s.scalar(select(RatingAppeal).where(RatingAppeal.rating_id == r.id))
    case_id = s.scalar(select(FollowUp.id).where(FollowUp.rating_id == r.id))
    return {
        "id": r.id, "ticket": r.ticket_id, "number": ticket.number, "service": item.code, "service_name": item.name,
        "window": window.number, "staff": _staff(s, r.staff_id),
        "level": r.level, "level_name": choices.level_name(r.level, lang),
        "reasons": [{"code": c, "name": choices.reason_name(c, lang)} for c in r.reasons],
        "comment": r.comment, "channel": r.channel,
        "requested_at": iso(r.requested_at), "at": iso(r.at),
        "flagged": r.flagged, "flag_reasons": [c for c in (r.flag_reason or "").split(",") if c],
        "counted": r.counted, "appeal": appeal(decided), "followup": case_id,
    }


def note(n: FollowUpNote) -> dict:
    data = {"kind": n.kind, "at": iso(n.at), "person": n.person, "text": n.text,
            "recorded_at": iso(n.recorded_at), "recorded_by": n.actor}
    if n.kind == "callback":
        data["reached"] = n.reached
    return data


def case(s: Session, ctx: HallContext, c: FollowUp, now: dt.datetime, lang: str = "zh", *,
         with_notes: bool = False) -> dict:
    r = s.get(Rating, c.rating_id)
    late = followup.lateness(c, ctx.hours, now)
    data = {
        "id": c.id, "status": c.status, "rating": rating(s, r, lang), "window": s.get(Window, c.window_id).number,
        "assignee": _staff(s, c.assignee_staff_id), "owner": followup.owner(s, ctx, c),
        "opened_at": iso(c.opened_at), "due_date": c.due_date.isoformat(),
        "overdue": late.overdue, "closed_late": late.closed_late, "days_late": late.days_late,
        "closed_at": iso(c.closed_at) if c.closed_at else None, "closed_by": c.closed_by,
        "closing_note": c.closing_note,
    }
    if with_notes:
        data["notes"] = [note(n) for n in followup.notes(s, c)]
    return data


def ratings_today(s: Session, ctx: HallContext, staff_id: int, now: dt.datetime) -> dict:
    """Ratings (好差评) of the cases a staff member finished today, as the assessment counts them."""
    start = day_start(ctx, now)
    found = satisfaction(s, ctx, start, start + dt.timedelta(days=1), staff_id=staff_id)
    return {"count": found.rated, "counted": found.counted, "unrated": found.unrated, "rate": found.rate,
            "levels": {str(level): n for level, n in found.levels.items()}}
