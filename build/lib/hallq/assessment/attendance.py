"""Attendance incidents read from window sessions against opening hours.

Per window and opening session (e.g. 9:00–12:00, 14:00–18:00) of each
working day:
- late: the first sign-in came after the session opened (beyond the grace);
- early leave: the last sign-out came before the session closed;
- unattended: inside the signed-in span, the window had nobody signed in,
  or was paused without an allowed reason, for more than the allowed minutes;
  a session nobody signed in to at all is one unattended spell.
The gap before a late sign-in and after an early sign-out counts as the
late arrival or early leave only, so one absence is never scored twice.

Only opening sessions that have ended by `until` are judged (one in progress
is judged once it ends: who is signed in now is never projected forward), and
none before the window's first day in hallq. Times are in the hall's zone.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from hallq.assessment.facts import PauseSpan, SessionSpan

Kind = Literal["late", "early_leave", "unattended"]


class OpeningHours(Protocol):
    def sessions_on(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]: ...


@dataclass(frozen=True, slots=True)
class Incident:
    kind: Kind
    window: int
    staff: str | None
    session: int | None  # the window session it is read from (evidence)
    pause: int | None
    start: dt.datetime
    end: dt.datetime

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


def incidents(sessions: list[SessionSpan], pauses: list[PauseSpan], hours: OpeningHours,
              first_day: dt.date, last_day: dt.date, *, unattended_minutes: float = 15,
              late_grace_minutes: float = 0, allowed_pause_reasons: tuple[str, ...] = (),
              windows: list[int] | None = None, until: dt.datetime | None = None,
              live_from: Mapping[int, dt.date] | None = None) -> list[Incident]:
    """All incidents of the given days, for `windows` (default: every window with a session).

    `until`: judge only the opening sessions ended by then. `live_from`: each
    window's first day; earlier days count for nothing.
    """
    by_window: dict[int, list[SessionSpan]] = defaultdict(list)
    for s in sessions:
        by_window[s.window].append(s)
    pauses_by_session: dict[int, list[PauseSpan]] = defaultdict(list)
    for p in pauses:
        if p.reason.strip() not in allowed_pause_reasons:
            pauses_by_session[p.session].append(p)
    grace = dt.timedelta(minutes=late_grace_minutes)
    spell = dt.timedelta(minutes=unattended_minutes)
    opening = []
    day = first_day
    while day <= last_day:
        opening.extend((day, start, end) for start, end in hours.sessions_on(day)
                       if until is None or end <= until)
        day += dt.timedelta(days=1)
    live_from = live_from or {}
    out: list[Incident] = []
    for window in sorted(set(windows if windows is not None else by_window)):
        spans = sorted(by_window.get(window, ()), key=lambda s: s.started_at)
        live = live_from.get(window)
        for day, start, end in opening:
            if live is None or day >= live:
                out.extend(_in_zone(_one_opening(window, spans, pauses_by_session, start, end, grace, spell),
                                    start.tzinfo))
    return out


def _in_zone(found: list[Incident], tz: dt.tzinfo | None) -> list[Incident]:
    # Sessions are stored in UTC; an incident is read and shown in the hall's time.
    return [replace(i, start=i.start.astimezone(tz), end=i.end.astimezone(tz)) for i in found]


def _one_opening(window: int, spans: list[SessionSpan], pauses: dict[int, list[PauseSpan]],
                 start: dt.datetime, end: dt.datetime, grace: dt.timedelta,
                 spell: dt.timedelta) -> list[Incident]:
    here = [s for s in spans if s.started_at < end and (s.ended_at is None or s.ended_at > start)]
    if not here:
        return [Incident("unattended", window, None, None, None, start, end)]
    out: list[Incident] = []
    first = here[0]
    if first.started_at > start + grace:
        out.append(Incident("late", window, first.staff, first.id, None, start, first.started_at))
    last = max(here, key=lambda s: s.ended_at or end)
    if last.ended_at is not None and last.ended_at < end - grace:
        out.append(Incident("early_leave", window, last.staff, last.id, None, last.ended_at, end))
    span_start, span_end = max(first.started_at, start), min(last.ended_at or end, end)

    # Attended pieces: signed-in time minus pauses without an allowed reason,
    # each remembering whose session it was so a gap can be attributed.
    pieces: list[tuple[dt.datetime, dt.datetime, SessionSpan]] = []
    for s in here:
        a, b = max(s.started_at, span_start), min(s.ended_at or end, span_end)
        cuts = sorted((max(p.started_at, a), min(p.ended_at or b, b)) for p in pauses.get(s.id, ()))
        for pa, pb in cuts:
            if pa >= pb:
                continue
            if pa > a:
                pieces.append((a, pa, s))
            a = max(a, pb)
        if a < b:
            pieces.append((a, b, s))
    pieces.sort(key=lambda p: p[0])

    covered_to, owner = span_start, first
    for a, b, s in pieces:
        if a - covered_to > spell:
            out.append(_gap(window, owner, pauses, covered_to, a))
        if b > covered_to:
            covered_to, owner = b, s
    if span_end - covered_to > spell:
        out.append(_gap(window, owner, pauses, covered_to, span_end))
    return out


def _gap(window: int, owner: SessionSpan, pauses: dict[int, list[PauseSpan]],
         a: dt.datetime, b: dt.datetime) -> Incident:
    """An unattended spell: blamed on a pause inside it if there is one, else on
    the session that ended before it."""
    for p in pauses.get(owner.id, ()):
        if p.started_at < b and (p.ended_at is None or p.ended_at > a):
            return Incident("unattended", window, owner.staff, owner.id, p.id, a, b)
    return Incident("unattended", window, owner.staff, owner.id, None, a, b)
