"""Window sessions: who sits at which window, and its pauses.

Sign-in, sign-out and pauses are rows with times; attendance and the
"window unattended" checks of the assessment are read from them later.
"""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from hallq.queue.accounts import Principal, User
from hallq.queue import staffing
from hallq.queue.errors import Forbidden, Invalid, NotFound, Refused
from hallq.queue.events import WINDOW_STATUS, Event
from hallq.queue.facts import iso
from hallq.queue.halls import find_window, hall_context
from hallq.queue.models import Staff, Ticket, Window, WindowPause, WindowPost, WindowSession
from hallq.queue.unit_of_work import UnitOfWork

POSTS = ("A", "B")


# Built once: every window action runs these, and composing them cost more than running them.
_OPEN_SESSION = select(WindowSession).where(WindowSession.window_id == bindparam("window_id"),
                                            WindowSession.ended_at.is_(None))
_OPEN_PAUSE = select(WindowPause).where(WindowPause.window_id == bindparam("window_id"), WindowPause.ended_at.is_(None))
_SERVING = select(Ticket).where(Ticket.window_id == bindparam("window_id"), Ticket.status == "called")


def open_session(s: Session, window: Window) -> WindowSession | None:
    return s.scalar(_OPEN_SESSION, {"window_id": window.id})


def open_pause(s: Session, window: Window) -> WindowPause | None:
    return s.scalar(_OPEN_PAUSE, {"window_id": window.id})


def serving(s: Session, window: Window) -> Ticket | None:
    return s.scalar(_SERVING, {"window_id": window.id})


_SERVING_NUMBER = select(Ticket.number).where(Ticket.window_id == bindparam("window_id"), Ticket.status == "called")


def serving_number(s: Session, window: Window) -> str | None:
    """The number in service at the window, or None: all a check for an idle window needs
    (loading the ticket with its item and department cost a call-next more than its own pick)."""
    return s.scalar(_SERVING_NUMBER, {"window_id": window.id})


class Acting(NamedTuple):
    """A window someone may act at, as one statement read it (`acting_window`)."""
    window: Window
    session: WindowSession
    paused: bool          # an open pause
    serving: str | None   # the number in service there


# One statement for what every window action checks first: the window (locked), its open session, whether
# it is paused and what it serves. Four statements before; they were most of a call-next's own SQL.
_ACTING = (
    select(Window, WindowSession,
           select(WindowPause.id).where(WindowPause.window_id == Window.id, WindowPause.ended_at.is_(None))
           .limit(1).scalar_subquery(),
           select(Ticket.number).where(Ticket.window_id == Window.id, Ticket.status == "called")
           .limit(1).scalar_subquery())
    .outerjoin(WindowSession, and_(WindowSession.window_id == Window.id, WindowSession.ended_at.is_(None)))
    .where(Window.hall_id == bindparam("hall_id"), Window.number == bindparam("number"), Window.active.is_(True))
    .with_for_update(of=Window)  # PostgreSQL: serialises actions on the window, as find_window(lock=True)
)


def acting_window(s: Session, who: Principal, number: int) -> Acting:
    """The window `who` may act at now, locked for the rest of the transaction, with its state."""
    who.require("window")
    if who.kind == "caller" and who.window_number != number:
        raise Forbidden("forbidden")
    row = s.execute(_ACTING, {"hall_id": who.hall_id, "number": number}).first()
    if row is None:
        raise NotFound("window_unknown", window=number)
    window, session, pause_id, serving_now = row
    if who.is_staff:
        if session is None or session.user_id != who.user_id:
            raise Refused("not_your_window", window=number)
    elif session is None:
        raise Refused("window_not_signed_in", window=number)
    return Acting(window, session, pause_id is not None, serving_now)


def status_event(uow: UnitOfWork, window: Window, now: dt.datetime, status: str, **extra) -> None:
    session, hall_id = uow.session, window.hall_id
    uow.after_commit(lambda: staffing.forget(session, hall_id))  # who serves changed, and estimates with it
    uow.add_event(Event(WINDOW_STATUS, window.hall_id, {
        "window": window.number, "name": window.name, "status": status,
        "number": None, "service": None, "at": iso(now), **extra,
    }))


def sign_in(uow: UnitOfWork, who: Principal, number: int, post: str, now: dt.datetime) -> WindowSession:
    s = uow.session
    if not who.is_staff:
        raise Forbidden("forbidden")
    who.require("window")
    if post not in POSTS:
        raise Invalid("invalid_input", detail="post must be A or B")
    window = find_window(s, who.hall_id, number, lock=True)
    user = s.get(User, who.user_id, with_for_update=True)
    if user.staff_id is None:
        raise Refused("not_staff")
    hours = hall_context(s, who.hall_id).hours
    current = open_session(s, window)
    if current is not None and end_if_left_open(uow, hours, window, current, now):
        current = None
    if current is not None:
        if current.user_id == user.id and current.post == post:
            return current  # signing in twice is harmless
        holder = s.get(Staff, current.staff_id)
        raise Refused("window_taken", window=number, staff=holder.name if holder else "")
    elsewhere = s.execute(select(Window, WindowSession).join(WindowSession, WindowSession.window_id == Window.id)
                          .where(WindowSession.user_id == user.id, WindowSession.ended_at.is_(None))).first()
    if elsewhere is not None and not end_if_left_open(uow, hours, elsewhere[0], elsewhere[1], now):
        raise Refused("already_signed_in", window=elsewhere[0].number)
    holder_id = s.scalar(select(WindowPost.staff_id).where(WindowPost.window_id == window.id, WindowPost.post == post))
    if holder_id is not None and holder_id != user.staff_id:
        raise Refused("wrong_post", window=number, post=post)
    session = WindowSession(window_id=window.id, user_id=user.id, staff_id=user.staff_id, post=post, started_at=now)
    s.add(session)
    s.flush()
    staff = s.get(Staff, user.staff_id)
    status_event(uow, window, now, "open", staff={"name": staff.name, "number": staff.number, "post": post})
    return session


def end_if_left_open(uow: UnitOfWork, hours, window: Window, session: WindowSession, now: dt.datetime) -> bool:
    """A session left open from an earlier day (the server was down at closing) ends at that day's
    closing time; True if it did. The housekeeping sweep and a new day's sign-in both apply it, so a
    clerk signing in before the sweep ran gets a session of today, never yesterday's."""
    started = hours.local_day(session.started_at)
    if started >= hours.local_day(now):
        return False
    end = hours.closing_time(started) or session.started_at
    end_session(uow, window, session, max(end, session.started_at), "hall_closed")
    return True


def end_session(uow: UnitOfWork, window: Window, session: WindowSession, now: dt.datetime, reason: str) -> None:
    pause = open_pause(uow.session, window)
    if pause is not None:
        pause.ended_at = now
    session.ended_at, session.end_reason = now, reason
    status_event(uow, window, now, "closed")


def sign_out(uow: UnitOfWork, who: Principal, number: int, now: dt.datetime) -> WindowSession:
    s = uow.session
    if not who.is_staff:
        raise Forbidden("forbidden")
    window, session, _, current = acting_window(s, who, number)
    if current is not None:
        raise Refused("window_busy", window=number, number=current)
    end_session(uow, window, session, now, "signed_out")
    return session


def pause(uow: UnitOfWork, who: Principal, number: int, reason: str, now: dt.datetime, *,
          stand_in: str | None = None) -> WindowPause:
    """`stand_in`: the staff number of who stands in (顶岗); by default the window's B post when the one
    pausing holds its A post."""
    s = uow.session
    window, session, paused, _ = acting_window(s, who, number)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("reason_required")
    if paused:
        raise Refused("window_paused", window=number)
    cover = _stand_in(s, window, session, stand_in)
    row = WindowPause(window_id=window.id, session_id=session.id, reason=reason, started_at=now,
                      stand_in_staff_id=cover)
    s.add(row)
    status_event(uow, window, now, "paused", reason=reason)
    return row


def _stand_in(s: Session, window: Window, session: WindowSession, number: str | None) -> int | None:
    if number:
        staff_id = s.scalar(select(Staff.id).where(Staff.hall_id == window.hall_id, Staff.number == number,
                                                   Staff.active.is_(True)))
        if staff_id is None:
            raise Invalid("invalid_input", detail=f"no staff member {number}")
        if staff_id == session.staff_id:
            raise Invalid("invalid_input", detail="the stand-in must be someone else")
        return staff_id
    return default_cover(s, window, session.staff_id)


def default_cover(s: Session, window: Window, staff_id: int | None) -> int | None:
    """Who stands in by default when `staff_id` pauses `window`: its B post, when they hold its A post (AB岗)."""
    posts = dict(s.execute(select(WindowPost.post, WindowPost.staff_id).where(WindowPost.window_id == window.id)).all())
    if staff_id is not None and posts.get("A") == staff_id and posts.get("B") not in (None, staff_id):
        return posts["B"]
    return None


def resume(uow: UnitOfWork, who: Principal, number: int, now: dt.datetime) -> WindowPause:
    s = uow.session
    window, _, paused, _ = acting_window(s, who, number)
    row = open_pause(s, window) if paused else None
    if row is None:
        raise Refused("window_not_paused", window=number)
    row.ended_at = now
    status_event(uow, window, now, "open")
    return row
