"""Who is serving an item now, and when someone is expected to.

A ticket for an item no window is serving waits for nobody. Issuing, the
services list and the wait estimate read this: a window serves an item while a
clerk is signed in at it and it is not paused. When none serves it, someone is
expected back when a window of the item is only paused (its clerk is there and
resumes), or else at the start of the hall's next opening session today (the
afternoon after lunch: A/B posts mean a window is staffed in opening hours);
with no session left today nobody is expected.

Every ticket's answer and every services list asks this, and it changes only
when a window signs in or out, pauses or resumes, or changes its items: each
process keeps the hall's counts briefly. A change in this process forgets
them once it is committed (`forget`); another process's change shows within
the TTL.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import Session

from hallq.i18n import Both
from hallq.queue.halls import HallContext
from hallq.queue.models import Window, WindowItem, WindowPause, WindowSession
from hallq.timed_cache import TimedCache

COUNTS_TTL_S = 5.0
_counts: TimedCache[dict[int, tuple[int, int]]] = TimedCache(COUNTS_TTL_S)


@dataclass(frozen=True)
class Staffing:
    serving: int  # windows signed in and not paused
    paused: int  # windows signed in but paused
    expected_at: dt.datetime | None  # when none serves: the next session's start today, if any and none paused

    @property
    def staffed(self) -> bool:
        return self.serving > 0

    def delay_s(self, now: dt.datetime) -> int:
        """How long until someone serves it, as far as known (0 when served, or paused with no time known)."""
        if self.staffed or self.expected_at is None:
            return 0
        return max(0, round((self.expected_at - now).total_seconds()))

    def back_words(self, ctx: HallContext) -> Both:
        """The tail of the `service_unstaffed` message: when someone is expected."""
        if self.paused:
            return Both("（窗口暂停服务中，恢复后叫号）", " (its window is paused and calls again when it resumes)")
        if self.expected_at is not None:
            at = self.expected_at.astimezone(ctx.hours.tz)
            clock = f"{at.hour}:{at.minute:02d}"
            return Both(f"，预计{clock}起办理", f"; a window is expected from {clock}")
        return Both("，今天何时恢复尚不确定", "; it is not known when a window serves it again today")

    def json(self, ctx: HallContext, now: dt.datetime) -> dict:
        return {"staffed": self.staffed, "serving_windows": self.serving, "paused_windows": self.paused,
                "staffed_from": self.expected_at.astimezone(ctx.hours.tz).isoformat() if self.expected_at else None}


# Per item: its windows signed in, and how many of those are paused.
_SIGNED_IN = (select(WindowItem.item_id, func.count(),
                     func.count(case((WindowPause.id.is_not(None), 1))))
              .join(WindowSession, (WindowSession.window_id == WindowItem.window_id)
                    & WindowSession.ended_at.is_(None))
              .join(Window, Window.id == WindowItem.window_id)
              .outerjoin(WindowPause, (WindowPause.window_id == WindowItem.window_id) & WindowPause.ended_at.is_(None))
              .where(Window.hall_id == bindparam("hall_id"), Window.active.is_(True))
              .group_by(WindowItem.item_id))


def window_counts(session: Session, hall_id: int) -> dict[int, tuple[int, int]]:
    """Per item id: (windows signed in, of which paused); items nobody is signed in for are absent."""
    return _counts.get((session.get_bind().url, hall_id), lambda: {
        item_id: (signed, paused) for item_id, signed, paused in session.execute(_SIGNED_IN, {"hall_id": hall_id})})


def forget(session: Session, hall_id: int) -> None:
    """A hall's windows changed who is serving: read the counts again (call it once the change is committed)."""
    url = session.get_bind().url
    _counts.forget(lambda key: key == (url, hall_id))


def item_staffing(session: Session, ctx: HallContext, now: dt.datetime, item_ids: list[int]) -> dict[int, Staffing]:
    rows = window_counts(session, ctx.id)
    later = [start for start, _ in ctx.hours.sessions_on(ctx.hours.local_day(now)) if start > now]
    result = {}
    for item_id in item_ids:
        signed, paused = rows.get(item_id, (0, 0))
        serving = signed - paused
        expected = later[0] if not serving and not paused and later else None
        result[item_id] = Staffing(serving, paused, expected)
    return result
