"""Taking a rating (好差评): who may rate which ticket, when, and how often.

Rules (issue 6): one rating per ticket, first answer wins; on the pad or the
keypad only for the ticket this window just finished and only within
`ratings.request_seconds` of that finish; on the ticket's QR code within
`ratings.qr_days` of it; never from a staff member's own login or a clerk's
caller keypad; a token sending more than `ratings.per_token_per_minute` is
refused; suspicious patterns are kept but flagged. A bad review opens its
follow-up case in the same transaction.

The rating request is read from the facts: `calling.finish` writes a
`finished` ticket event at the window (and only a final finish, one without
`returning_to`, asks the pad for a rating), so the window's current request is
its latest final `finished` event.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hallq.queue.accounts import Principal
from hallq.evaluator import choices, followup
from hallq.evaluator.models import Rating
from hallq.privacy import mask_id, mask_phone
from hallq.queue.errors import Forbidden, Invalid, NotFound, QueueError, Refused
from hallq.queue.events import RATING_RECEIVED, RATING_REQUESTED
from hallq.queue.facts import announce, iso
from hallq.queue.halls import HallContext, find_window, hall_context
from hallq.queue.models import Ticket, TicketEvent, Window, WindowSession
from hallq.queue.unit_of_work import UnitOfWork

CHANNELS = ("pad", "keypad", "qr")
RATE_WINDOW = dt.timedelta(minutes=1)
# Requests of a window looked at to find its latest final finish; a returning
# leg in between is rare, a run of them longer than this is not a request.
_REQUEST_SCAN = 20


class RateLimited(QueueError):
    status = 429


@dataclass(frozen=True)
class RatingRequest:
    """What a window's pad is asking about: the latest ticket it finished, and when."""

    ticket_id: int
    window_id: int
    at: dt.datetime


def _final(event: TicketEvent) -> bool:
    return "returning_to" not in (event.data or {})


def window_request(s: Session, window: Window) -> RatingRequest | None:
    """The rating the window's evaluator is asking for now (whether or not its time ran out)."""
    rows = s.scalars(select(TicketEvent).where(TicketEvent.window_id == window.id, TicketEvent.kind == "finished")
                     .order_by(TicketEvent.id.desc()).limit(_REQUEST_SCAN))
    event = next((e for e in rows if _final(e)), None)
    return RatingRequest(event.ticket_id, window.id, event.at) if event else None


def ticket_request(s: Session, ticket: Ticket) -> RatingRequest | None:
    """The final finish of a ticket: what its QR code rates."""
    if ticket.status != "finished":
        return None
    rows = s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "finished")
                     .order_by(TicketEvent.id.desc()))
    event = next((e for e in rows if _final(e)), None)
    return RatingRequest(ticket.id, event.window_id, event.at) if event else None


def ask_again(uow: UnitOfWork, who: Principal, number: int, now: dt.datetime) -> Ticket:
    """The clerk's "request rating" key: the window's evaluator asks again for its open request.

    The time to answer still runs from the finish, so asking again cannot
    stretch it; an answered or expired request is refused.
    """
    from hallq.queue.sessions import acting_window  # the queue's rule of who may act at a window

    s = uow.session
    window = acting_window(s, who, number).window
    request = window_request(s, window)
    ticket = s.get(Ticket, request.ticket_id) if request else None
    if ticket is None:
        raise Refused("rating_not_requested", number="", window=number)
    if s.scalar(select(Rating.id).where(Rating.ticket_id == ticket.id)):
        raise Refused("already_rated", number=ticket.number)
    ctx = hall_context(s, who.hall_id)
    if now - request.at > dt.timedelta(seconds=ctx.settings.ratings.request_seconds):
        raise Refused("rating_expired", number=ticket.number)
    announce(uow, RATING_REQUESTED, ticket, now, window, requested_at=iso(request.at))  # the clock runs from here
    return ticket


def rate(uow: UnitOfWork, who: Principal, ticket_id: int, level: int, now: dt.datetime, *,
         channel: str, reasons: list[str] | None = None, comment: str | None = None,
         window: int | None = None) -> Rating:
    """A rating from the window's evaluator pad (evaluator token) or keypad (device agent).

    `window` is the keypad's window (an agent hosts keypads of many windows);
    a pad's window is its token's, and a different one given here is refused.
    """
    if channel == "qr":
        raise Invalid("rating_qr_by_token")
    if channel not in CHANNELS:
        raise Invalid("invalid_input", detail=f"channel must be one of {', '.join(CHANNELS)}")
    if who.is_staff or who.kind == "caller":
        # A clerk's own login or caller keypad must never produce a rating.
        raise Forbidden("rating_by_staff")
    expected = {"pad": "evaluator", "keypad": "agent"}[channel]
    if who.kind != expected or not who.can("rate"):
        raise Forbidden("rating_wrong_channel", channel=channel)
    if channel == "pad":
        if window is not None and window != who.window_number:
            raise Forbidden("rating_other_window", window=window)
        window = who.window_number
    elif window is None:
        raise Invalid("rating_window_required")
    elif who.scope is None or window not in who.scope.windows:
        # An agent rates only for the evaluator keypads its token lets it host.
        raise Forbidden("rating_other_window", window=window)
    reasons, comment = choices.check(level, list(reasons or []), comment)

    s = uow.session
    ctx = hall_context(s, who.hall_id)
    # One rating at a time per window: the rate limit and the flags count rows.
    win = find_window(s, ctx.id, window, lock=True)
    ticket = s.get(Ticket, ticket_id) if 0 < ticket_id < 2**31 else None
    if ticket is None or ticket.hall_id != ctx.id:
        raise NotFound("ticket_unknown", ticket=ticket_id)
    _not_rated(s, ticket)
    request = window_request(s, win)
    if request is None or request.ticket_id != ticket.id:
        if ticket.window_id != win.id:
            raise Forbidden("rating_other_window", window=window)
        raise Refused("rating_not_requested", number=ticket.number, window=window)
    if now - request.at > dt.timedelta(seconds=ctx.settings.ratings.request_seconds):
        raise Refused("rating_expired", number=ticket.number)
    _rate_limit(s, ctx, who.actor, now)
    return _record(uow, ctx, ticket, win, request, level, reasons, comment, channel, who.actor, now)


def rate_by_qr(uow: UnitOfWork, token: str, level: int, now: dt.datetime, *,
               reasons: list[str] | None = None, comment: str | None = None) -> Rating:
    """A rating through the QR code printed on the ticket (public, by the ticket's token)."""
    reasons, comment = choices.check(level, list(reasons or []), comment)
    s = uow.session
    ticket = s.scalar(select(Ticket).where(Ticket.token == token)) if token else None
    if ticket is None:
        raise NotFound("ticket_unknown", ticket="")
    ctx = hall_context(s, ticket.hall_id)
    request = ticket_request(s, ticket)
    if request is None:
        raise Refused("rating_not_requested", number=ticket.number, window="")
    win = s.get(Window, request.window_id)
    find_window(s, ctx.id, win.number, lock=True)  # same serialisation as the pad's
    _not_rated(s, ticket)
    days = ctx.settings.ratings.qr_days
    if now - request.at > dt.timedelta(days=days):
        raise Refused("rating_qr_expired", number=ticket.number, days=days)
    return _record(uow, ctx, ticket, win, request, level, reasons, comment, "qr", f"qr:{ticket.id}", now)


def qr_state(s: Session, token: str, now: dt.datetime) -> dict:
    """Whether the ticket's QR code may rate it now: the citizen's phone shows the form only then."""
    ticket = s.scalar(select(Ticket).where(Ticket.token == token)) if token else None
    if ticket is None:
        raise NotFound("ticket_unknown", ticket="")
    request = ticket_request(s, ticket)
    rated = s.scalar(select(Rating.id).where(Rating.ticket_id == ticket.id)) is not None
    days = hall_context(s, ticket.hall_id).settings.ratings.qr_days
    until = request.at + dt.timedelta(days=days) if request else None
    return {"number": ticket.number, "rated": rated, "until": iso(until) if until else None,
            "open": bool(request) and not rated and now <= until}


def _not_rated(s: Session, ticket: Ticket) -> None:
    if s.scalar(select(Rating.id).where(Rating.ticket_id == ticket.id)) is not None:
        raise Refused("already_rated", number=ticket.number)


def _rate_limit(s: Session, ctx: HallContext, actor: str, now: dt.datetime) -> None:
    limit = ctx.settings.ratings.per_token_per_minute
    recent = s.scalar(select(func.count()).select_from(Rating).where(
        Rating.hall_id == ctx.id, Rating.actor == actor, Rating.at > now - RATE_WINDOW))
    if recent >= limit:
        raise RateLimited("rating_rate_limited", limit=limit)


def _flags(s: Session, ctx: HallContext, window: Window, level: int, channel: str,
           request_at: dt.datetime, now: dt.datetime) -> list[str]:
    """Why this rating looks scripted or pressed by the clerk; it is kept all the same."""
    rules = ctx.settings.ratings
    reasons = []
    if channel != "qr" and now - request_at < dt.timedelta(seconds=rules.instant_seconds):
        reasons.append("instant")  # nobody reads the pad and chooses that fast
    if level == choices.TOP:
        burst = s.scalars(select(Rating).where(
            Rating.window_id == window.id, Rating.level == choices.TOP,
            Rating.at > now - dt.timedelta(seconds=rules.burst_seconds))).all()
        if len(burst) + 1 >= rules.burst_top_count:
            reasons.append("top_burst")
            for earlier in burst:  # the pattern is all of them, not only the last
                _flag(earlier, "top_burst")
    return reasons


def _flag(rating: Rating, reason: str) -> None:
    codes = [c for c in (rating.flag_reason or "").split(",") if c]
    if reason not in codes:
        codes.append(reason)
    rating.flagged, rating.flag_reason = True, ",".join(codes)


def _staff_at(s: Session, window: Window, moment: dt.datetime) -> int | None:
    """Who was signed in at the window when it finished the ticket."""
    return s.scalar(select(WindowSession.staff_id).where(
        WindowSession.window_id == window.id, WindowSession.started_at <= moment,
        (WindowSession.ended_at.is_(None)) | (WindowSession.ended_at >= moment))
        .order_by(WindowSession.started_at.desc()).limit(1))


def _record(uow: UnitOfWork, ctx: HallContext, ticket: Ticket, window: Window, request: RatingRequest,
            level: int, reasons: list[str], comment: str | None, channel: str, actor: str,
            now: dt.datetime) -> Rating:
    s = uow.session
    flags = _flags(s, ctx, window, level, channel, request.at, now)
    rating = Rating(hall_id=ctx.id, ticket_id=ticket.id, window_id=window.id, staff_id=_staff_at(s, window, request.at),
                    item_id=ticket.item_id, level=level, reasons=reasons, comment=mask_personal_numbers(comment),
                    channel=channel, actor=actor, requested_at=request.at, at=now,
                    flagged=bool(flags), flag_reason=",".join(flags) or None, counted=True)
    try:
        # The unique ticket_id is the last word when two answers race past the
        # check above (PostgreSQL, two servers); the savepoint keeps the
        # transaction usable so the loser gets a clear 409.
        with s.begin_nested():
            s.add(rating)
            s.flush()
    except IntegrityError:
        raise Refused("already_rated", number=ticket.number) from None
    announce(uow, RATING_RECEIVED, ticket, now, window, rating=rating.id, level=level, channel=channel,
             flagged=rating.flagged)
    if choices.is_bad(level):
        followup.open_case(uow, ctx, rating, ticket, window, now)
    return rating


_PERSONAL = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15}|1\d{10})(?!\d)")


def mask_personal_numbers(text: str | None) -> str | None:
    """A citizen may type their phone or ID number into a comment; keep only the masked form."""
    if text is None:
        return None

    def mask(match: re.Match) -> str:
        value = match.group(0)
        return mask_phone(value) if len(value) == 11 else mask_id(value.upper())

    return _PERSONAL.sub(mask, text)


def ratings(s: Session, ctx: HallContext, *, window: int | None = None, flagged: bool | None = None,
            level: int | None = None, first_day: dt.date | None = None, last_day: dt.date | None = None,
            limit: int = 200) -> list[Rating]:
    """Ratings of a hall for supervisors, newest first."""
    query = select(Rating).where(Rating.hall_id == ctx.id).order_by(Rating.id.desc()).limit(limit)
    if window is not None:
        query = query.join(Window, Window.id == Rating.window_id).where(Window.number == window)
    if flagged is not None:
        query = query.where(Rating.flagged.is_(flagged))
    if level is not None:
        query = query.where(Rating.level == level)
    if first_day is not None:
        query = query.where(Rating.at >= dt.datetime.combine(first_day, dt.time(0), ctx.hours.tz))
    if last_day is not None:
        query = query.where(Rating.at < dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), ctx.hours.tz))
    return list(s.scalars(query))
