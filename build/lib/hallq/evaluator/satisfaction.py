"""The satisfaction rate (满意率) of a period, as the assessment reads it from the facts.

DOMAIN.md: ratings at 基本满意 or better ÷ all counted ratings; bad reviews
ruled out on appeal are not counted. What an unrated ticket counts as is the
hall's `ratings.unrated_counts_as`: left out (default) or a level. Periods go
by the finish that asked for the rating, so a QR rating given days later
counts in the month the citizen was served.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from hallq.evaluator.choices import LEVELS, SATISFIED
from hallq.evaluator.models import Rating
from hallq.queue.halls import HallContext
from hallq.queue.models import TicketEvent, WindowSession


def unrated_level(ctx: HallContext) -> int | None:
    """The level an unrated ticket counts as in this hall, or None when it is not counted."""
    value = ctx.settings.ratings.unrated_counts_as
    return None if value == "not_counted" else int(value)


@dataclass(frozen=True)
class Satisfaction:
    levels: dict[int, int]  # counted ratings per level, unrated tickets included when the hall counts them
    rated: int  # ratings given and counted
    ruled_out: int  # ratings given but ruled out on appeal
    unrated: int  # tickets finished in the period with no rating
    unrated_counts_as: int | None
    rating_ids: list[int] = field(default_factory=list)  # the evidence: every counted rating
    unrated_ticket_ids: list[int] = field(default_factory=list)

    @property
    def counted(self) -> int:
        return sum(self.levels.values())

    @property
    def satisfied(self) -> int:
        return sum(n for level, n in self.levels.items() if level >= SATISFIED)

    @property
    def rate(self) -> float | None:
        """None when nothing counted (the county scheme scores that month full, flagged "no ratings")."""
        return self.satisfied / self.counted if self.counted else None


def satisfaction(s: Session, ctx: HallContext, start: dt.datetime, end: dt.datetime, *,
                 window_id: int | None = None, staff_id: int | None = None) -> Satisfaction:
    """Ratings of tickets finished in [start, end), for the hall, one window or one staff member."""
    query = select(Rating).where(Rating.hall_id == ctx.id, Rating.requested_at >= start, Rating.requested_at < end)
    if window_id is not None:
        query = query.where(Rating.window_id == window_id)
    if staff_id is not None:
        query = query.where(Rating.staff_id == staff_id)
    ratings = list(s.scalars(query.order_by(Rating.id)))
    levels = {level: 0 for level in sorted(LEVELS)}
    counted = [r for r in ratings if r.counted]
    for r in counted:
        levels[r.level] += 1

    # Final finishes in the period (a leg that returns to another window asks for no rating).
    finishes = (select(TicketEvent.ticket_id, TicketEvent.data, WindowSession.staff_id)
                .outerjoin(WindowSession, and_(WindowSession.window_id == TicketEvent.window_id,
                                               WindowSession.started_at <= TicketEvent.at,
                                               or_(WindowSession.ended_at.is_(None),
                                                   WindowSession.ended_at >= TicketEvent.at)))
                .where(TicketEvent.hall_id == ctx.id, TicketEvent.kind == "finished",
                       TicketEvent.at >= start, TicketEvent.at < end))
    if window_id is not None:
        finishes = finishes.where(TicketEvent.window_id == window_id)
    rated_tickets = set(s.scalars(select(Rating.ticket_id).where(Rating.hall_id == ctx.id,
                                                                  Rating.requested_at >= start)))
    unrated = sorted({ticket_id for ticket_id, data, served_by in s.execute(finishes)
                      if "returning_to" not in (data or {}) and ticket_id not in rated_tickets
                      and (staff_id is None or served_by == staff_id)})
    as_level = unrated_level(ctx)
    if as_level is not None:
        levels[as_level] += len(unrated)
    return Satisfaction(levels, len(counted), len(ratings) - len(counted), len(unrated), as_level,
                        [r.id for r in counted], unrated)
