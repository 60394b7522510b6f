"""Appeal review of a bad review (申诉复核).

A supervisor rules a bad review mistaken or malicious, with reasons: it then
stops counting and its follow-up case is withdrawn; or rules it valid, and it
stands. Either way the ruling is kept (who, when, why) and is final: a second
ruling of the same rating is refused.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hallq.queue.accounts import Principal
from hallq.evaluator import choices, followup
from hallq.evaluator.models import Rating, RatingAppeal
from hallq.queue.errors import Invalid, NotFound, Refused
from hallq.queue.unit_of_work import UnitOfWork

RULINGS = ("mistaken", "malicious", "valid")
RULED_OUT = ("mistaken", "malicious")


def find_rating(uow: UnitOfWork, who: Principal, rating_id: int, *, lock: bool = False) -> Rating:
    query = select(Rating).where(Rating.id == rating_id, Rating.hall_id == who.hall_id)
    if lock:
        query = query.with_for_update()
    rating = uow.session.scalar(query) if 0 < rating_id < 2**31 else None
    if rating is None:
        raise NotFound("rating_unknown", rating=rating_id)
    return rating


def rule(uow: UnitOfWork, who: Principal, rating_id: int, now: dt.datetime, *, ruling: str,
         reasons: str) -> RatingAppeal:
    who.require("review")
    if ruling not in RULINGS:
        raise Invalid("invalid_input", detail=f"ruling must be one of {', '.join(RULINGS)}")
    reasons = (reasons or "").strip()
    if not reasons:
        raise Invalid("reason_required")
    s = uow.session
    rating = find_rating(uow, who, rating_id, lock=True)
    if not choices.is_bad(rating.level):
        raise Refused("appeal_not_bad_review", rating=rating_id)
    if s.scalar(select(RatingAppeal.id).where(RatingAppeal.rating_id == rating.id)) is not None:
        raise Refused("appeal_decided", rating=rating_id)
    appeal = RatingAppeal(rating_id=rating.id, ruling=ruling, reasons=reasons[:2000], decided_by=who.actor,
                          decided_at=now)
    try:
        with s.begin_nested():
            s.add(appeal)
            s.flush()
    except IntegrityError:
        raise Refused("appeal_decided", rating=rating_id) from None
    if ruling in RULED_OUT:
        rating.counted = False
        followup.withdraw(uow, rating, who, now, ruling)
    return appeal
