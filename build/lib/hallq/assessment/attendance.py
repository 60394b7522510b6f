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

Leave (请假, hallq.queue.leave) when the facts carry the leave register:
- approved leave never counts against the person: an incident of a staff
  member inside their approved leave is no longer theirs; the window stays
  unattended if nobody stood in (顶岗) for longer than the allowed minutes
  (seed 000: "常驻工作人员请假必须安排替岗工作人员到办事窗口值班"), else it is dropped;
- absent (旷工): an opening session (half a day) of a working day in which the
  holder of a window's A post signed in nowhere and had no approved leave
  (seed 004: "违反请假规定按旷工处理"; seed 002: "旷工每次（半天）"). B-post
  staff are expected only while standing in (seed 000 第四条), so never absent.

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

from hallq.assessment.facts import LeaveSpan, PauseSpan, SessionSpan

Kind = Literal["late", "early_leave", "unattended", "absent"]


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
    leave: int | None = None  # the approved leave of the window's staff member it fell in (nobody stood in)

    @property
    def minutes(self) -> float:
        return (self.end - self.start).total_seconds() / 60


def incidents(sessions: list[SessionSpan], pauses: list[PauseSpan], hours: OpeningHours,
              first_day: dt.date, last_day: dt.date, *, unattended_minutes: float = 15,
              late_grace_minutes: float = 0, allowed_pause_reasons: tuple[str, ...] = (),
              windows: list[int] | None = None, until: dt.datetime | None = None,
              live_from: Mapping[int, dt.date] | None = None, leaves: list[LeaveSpan] | None = None,
              expected: Mapping[str, tuple[int, dt.date | None]] | None = None) -> list[Incident]:
    """All incidents of the given days, for `windows` (default: every window with a session).

    `until`: judge only the opening sessions ended by then. `live_from`: each
    window's first day; earlier days count for nothing. `leaves`: the approved
    leaves (None: not known, and absence is not judged); `expected`: the A-post
    holders, staff number -> (their window, their first day in hallq).
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
    if leaves is None:
        return out
    by_staff: dict[str, list[LeaveSpan]] = defaultdict(list)
    for leave in leaves:
        by_staff[leave.staff].append(leave)
    holders = {window: staff for staff, (window, _) in (expected or {}).items()}
    out = [kept for inc in out if (kept := _excused(inc, by_staff, holders, spell)) is not None]
    out.extend(_absences(sessions, by_staff, expected or {}, opening, live_from))
    return out


def _on_leave(leaves: list[LeaveSpan], at: dt.datetime) -> LeaveSpan | None:
    return next((x for x in leaves if x.start <= at < x.end), None)


def _excused(inc: Incident, leaves: dict[str, list[LeaveSpan]], holders: Mapping[int, str],
             spell: dt.timedelta) -> Incident | None:
    """An incident of a staff member inside their approved leave: the window's unattended spell, or nothing.
    A window nobody signed in to stays unattended, marked with its A post's leave (nobody stood in)."""
    if inc.staff is None:
        leave = _on_leave(leaves.get(holders.get(inc.window, ""), []), inc.start)
        return replace(inc, leave=leave.id) if leave is not None else inc
    leave = _on_leave(leaves.get(inc.staff, []), inc.start)
    if leave is None:
        return inc
    if inc.end - inc.start > spell:
        return replace(inc, kind="unattended", staff=None, leave=leave.id)
    return None


def _absences(sessions: list[SessionSpan], leaves: dict[str, list[LeaveSpan]],
              expected: Mapping[str, tuple[int, dt.date | None]], opening: list,
              live_from: Mapping[int, dt.date]) -> list[Incident]:
    """Half days an A-post holder signed in nowhere, with no approved leave: absent (旷工)."""
    signed: dict[str, list[SessionSpan]] = defaultdict(list)
    for s in sessions:
        if s.staff:
            signed[s.staff].append(s)
    out = []
    for staff, (window, first) in sorted(expected.items()):
        live = max((d for d in (first, live_from.get(window)) if d is not None), default=None)
        for day, start, end in opening:
            if live is not None and day < live:
                continue
            if any(s.started_at < end and (s.ended_at is None or s.ended_at > start) for s in signed.get(staff, ())):
                continue
            if _on_leave(leaves.get(staff, []), start) is not None:
                continue
            tz = start.tzinfo
            out.append(Incident("absent", window, staff, None, None, start.astimezone(tz), end.astimezone(tz)))
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
