"""A hall with its parsed settings and calendar, as the engine uses it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from hallq.i18n import Both, opening_words
from hallq.queue.errors import NotFound
from hallq.queue.hours import HallHours
from hallq.queue.models import Hall, Window, WindowItem
from hallq.queue.settings import HallSettings
from hallq.timed_cache import TimedCache


@dataclass(frozen=True)
class HallInfo:
    """The hall row as the engine reads it, detached from any session."""

    id: int
    code: str
    name: str
    timezone: str
    secret: str


@dataclass(frozen=True)
class HallContext:
    hall: HallInfo
    settings: HallSettings
    hours: HallHours
    serving: dict[int, list[int]]  # item id -> numbers of the active windows that serve it
    window_numbers: dict[int, int]  # window id -> number, every window of the hall (events name old ones too)

    @property
    def id(self) -> int:
        return self.hall.id

    def window_number(self, session: Session, window_id: int | None) -> int | None:
        """A window's number by id; a window added since this context was read (by another process) is looked up."""
        if window_id is None:
            return None
        number = self.window_numbers.get(window_id)
        if number is None:
            number = session.scalar(select(Window.number).where(Window.id == window_id))
        return number

    def why_not_issuing(self, now: dt.datetime) -> str | None:
        """Why no ticket can be issued now ('hall_closed', 'closing_soon'), or None."""
        if not self.hours.is_open(now):
            return "hall_closed"
        left = self.hours.minutes_to_close(now)
        if left is not None and left < self.settings.closing_buffer_minutes:
            return "closing_soon"
        return None

    def opens_words(self, now: dt.datetime, *, tomorrow_on: bool = False) -> Both:
        """When numbers are issued again, worded for the citizen ("下一个工作日 12月8日 9:00")."""
        at = self.hours.next_opening(now, tomorrow_on=tomorrow_on)
        if at is None:
            return Both("下一个工作日", "on the next working day")
        return opening_words(at.astimezone(self.hours.tz), self.hours.local_day(now))

    def refusal_params(self, why: str, now: dt.datetime) -> dict:
        """What the message of `why_not_issuing`'s answer names: the closing buffer and when to come back."""
        return {"minutes": self.settings.closing_buffer_minutes,
                "opens": self.opens_words(now, tomorrow_on=why == "closing_soon")}


# Every request needs its hall's settings, calendar and which windows serve
# what, and halls change them rarely (`load-hall`). Reading and parsing them
# per request cost more than the request's own queries, so each process keeps
# them for a few seconds: a change made by another process shows within
# CONTEXT_TTL_S, one made here at once.
# Keyed by database URL too: one process may serve (or test) several databases.
CONTEXT_TTL_S = 5.0
_contexts: TimedCache[HallContext] = TimedCache(CONTEXT_TTL_S)


def hall_context(session: Session, hall_id: int) -> HallContext:
    # The URL itself: hashable, and rendering it cost more than the lookup.
    return _contexts.get((session.get_bind().url, hall_id), lambda: _read_context(session, hall_id))


def _read_context(session: Session, hall_id: int) -> HallContext:
    hall = session.get(Hall, hall_id)
    if hall is None:
        raise NotFound("hall_unknown", hall=hall_id)
    settings = HallSettings.model_validate(hall.settings)
    return HallContext(HallInfo(hall.id, hall.code, hall.name, hall.timezone, hall.secret),
                       settings, HallHours(settings.hours, hall.timezone), _serving(session, hall_id),
                       dict(session.execute(select(Window.id, Window.number).where(Window.hall_id == hall_id)).all()))


def _serving(session: Session, hall_id: int) -> dict[int, list[int]]:
    rows = session.execute(select(WindowItem.item_id, Window.number).join(Window, Window.id == WindowItem.window_id)
                           .where(Window.hall_id == hall_id, Window.active.is_(True)).order_by(Window.number))
    result: dict[int, list[int]] = {}
    for item_id, number in rows:
        result.setdefault(item_id, []).append(number)
    return result


def forget_halls() -> None:
    """Drop the cached hall contexts (after a hall's settings changed)."""
    _contexts.forget()


_WINDOW = select(Window).where(Window.hall_id == bindparam("hall_id"), Window.number == bindparam("number"),
                               Window.active.is_(True))
_WINDOWS = {False: _WINDOW, True: _WINDOW.with_for_update()}  # built once: every window action looks one up


def find_window(session: Session, hall_id: int, number: int, *, lock: bool = False) -> Window:
    """An active window by number; `lock` serialises actions on it (PostgreSQL row lock)."""
    window = session.scalar(_WINDOWS[lock], {"hall_id": hall_id, "number": number})
    if window is None:
        raise NotFound("window_unknown", window=number)
    return window
