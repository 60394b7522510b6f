"""Building one hall's month of facts (`MonthFacts`) from the database.

A handful of set-wise queries, whatever the size of the hall: who is assessed,
the month's window sessions and pauses, the ticket events of the month
(finished, transferred, skipped), its ratings, the promised cases still open
or finished this month, the supplement chains, supervisors' records and decided
appeals. Who was on duty at an event is found in Python from the sessions
(bisect per window), not by a query per event.

Definitions (DOMAIN.md leaves these to the system; `DEFINITIONS` words them):
- A month is the hall-local calendar month, [first day 00:00, next first day 00:00).
- Tickets served: every `finished` event of the month at the window that
  finished it (a leg that goes back to another window counts at both).
- Ratings belong to the month of the finish that asked for them (a QR rating
  given days later counts in the month the citizen was served). When the hall
  counts unrated tickets (`ratings.unrated_counts_as`), each final finish of the
  month without a rating counts as that level; its evidence id is "unrated:<ticket>".
- A promised case (承诺件) is accepted by the finish with outcome "promised" (its
  day, its due date); it is finished on the day entered as its completion
  (办结登记, `CaseCompletion`), and open until then.
- A supplement chain: a ticket finished 补办 (supplement) starts it; later finished
  tickets of the same person (the ID-number hash the kiosk keeps) for the same
  item are its returns, up to and including the first that ends otherwise. The
  first visit's notice was a one-time notice (一次性告知) when no return asked for a
  material it did not list; a return that names a new missing material proves the
  first list incomplete. A chain counts in the month its `repeat_min_returns`-th
  return happened (or, with fewer returns, the month of its last one), so it
  deducts once. Tickets issued without an ID number cannot be linked.
- Who was on duty: the staff member signed in at the window at that moment.
- An item turned from 承诺件 into 即办件: the admin log's change of the item setting its
  promised time from some working days to 0, by the last such change of the month
  (`_items_made_immediate`); it credits the item's department's lowest-numbered window.
"""
from __future__ import annotations

import bisect
import datetime as dt
import gc
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from hallq.assessment.facts import (Appeal, DepartmentInfo, ItemMadeImmediate, LeaveSpan, MonthFacts, NoShow,
                                    PauseSpan, PromisedCase, Rating,
                                    RepeatVisit, Service, SessionSpan, StaffInfo, SupervisorRecord, Transfer,
                                    WindowInfo)
from hallq.assessment.models import AssessmentAppeal, AssessmentRecord, CaseCompletion
from hallq.evaluator.models import Rating as RatingRow
from hallq.queue import leave as leave_register
from hallq.queue.audit import AdminChange
from hallq.queue.halls import HallContext
from hallq.queue.models import (Department, Hall, Staff, Ticket, TicketEvent, Window, WindowPause, WindowPost,
                                WindowSession)

CHAIN_LOOKBACK_DAYS = 92  # a supplement visit this long before the month can still start a chain
CASE_LOOKBACK_DAYS = 400  # promised cases accepted this long before the month are still read
IN_CHUNK = 500  # ID hashes per query: well under every database's limit on bound parameters

DEFINITIONS = {
    "tickets_served": "办件量 = 本月窗口点击办结（finished）的次数；转办后转回的环节在两个窗口各计一次。",
    "ratings_month": "评价计入办结（请求评价）所在的月份；扫码补评计入当初办理的月份。",
    "unrated": "未评价的办件：按大厅设置不计入，或按设定的等级计入满意率（证据编号为 unrated:号ID）。",
    "promised_case": "承诺件以办结时选择“承诺件”的当天为受理日、按承诺工作日算出办结期限；实际办结日以办结登记为准，未登记的视为未办结。",
    "one_time_notice": ("补办件往返：同一群众（凭取号时的身份证号）同一事项在补办后再次办理的次数；"
                        "后来的补办通知列出了首次通知书没有的材料，即视为首次未一次性告知。"
                        "未登记身份证号的取号无法关联。"),
    "on_duty": "责任人 = 事件发生时在该窗口签到的工作人员。",
}


DEFINITIONS_EN = {
    "tickets_served": ("Tickets served = the window's finishes in the month; a leg that goes back to the window "
                       "that sent it counts at both."),
    "ratings_month": ("A rating counts in the month of the finish that asked for it; a later QR rating counts in "
                      "the month the citizen was served."),
    "unrated": ("Unrated tickets are not counted, or count at the level the hall set (evidence id "
                "unrated:<ticket>)."),
    "promised_case": ("A promised case is accepted on the day it was finished as promised, with its due date from "
                      "the promised working days; it is finished on the completion day entered (办结登记), open "
                      "until then."),
    "one_time_notice": ("Returns after a supplement: the same citizen (by the ID number given at the kiosk) coming "
                        "back for the same item; a later notice listing a material the first did not proves the "
                        "first was not a one-time notice. Tickets without an ID number cannot be linked."),
    "on_duty": "Responsible = the staff member signed in at the window at the moment.",
}


@dataclass(frozen=True)
class MonthSpan:
    year: int
    month: int
    first_day: dt.date
    last_day: dt.date
    start: dt.datetime  # aware, hall-local midnight of the first day
    end: dt.datetime    # aware, hall-local midnight after the last day


def month_span(ctx: HallContext, year: int, month: int) -> MonthSpan:
    first = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    tz = ctx.hours.tz
    return MonthSpan(year, month, first, nxt - dt.timedelta(days=1),
                     dt.datetime.combine(first, dt.time(0), tz), dt.datetime.combine(nxt, dt.time(0), tz))


class OnDuty:
    """Who was signed in at a window at a moment, from the sessions already loaded."""

    def __init__(self, rows: list[tuple[int, int, dt.datetime, dt.datetime | None, str | None]]):
        # window id -> sessions sorted by start: (start, end, staff number, session id)
        self._by_window: dict[int, list[tuple[dt.datetime, dt.datetime | None, str | None, int]]] = defaultdict(list)
        for sid, window_id, start, end, staff in rows:
            self._by_window[window_id].append((start, end, staff, sid))
        self._starts: dict[int, list[dt.datetime]] = {}
        for window_id, spans in self._by_window.items():
            spans.sort(key=lambda x: x[0])
            self._starts[window_id] = [x[0] for x in spans]

    def staff(self, window_id: int | None, at: dt.datetime) -> str | None:
        if window_id is None or window_id not in self._starts:
            return None
        i = bisect.bisect_right(self._starts[window_id], at) - 1
        if i < 0:
            return None
        # Sessions of one window never overlap: only the last one begun can cover the moment.
        _, end, staff, _ = self._by_window[window_id][i]
        return staff if end is None or end >= at else None


def gather_month(s: Session, ctx: HallContext, year: int, month: int, *, repeat_min_returns: int = 2,
                 now: dt.datetime | None = None) -> MonthFacts:
    """Everything the engine reads about one month of the hall `ctx`.

    `repeat_min_returns`: the scheme's returns threshold (which month a supplement
    chain counts in). `now`: facts after it are left out (default: all on record).
    """
    # Tens of thousands of small objects are made and none is garbage: the cyclic
    # collector's passes over them would cost more than building them.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _gather(s, ctx, year, month, repeat_min_returns, now)
    finally:
        if enabled:
            gc.enable()


def _gather(s: Session, ctx: HallContext, year: int, month: int, repeat_min_returns: int,
            now: dt.datetime | None) -> MonthFacts:
    span = month_span(ctx, year, month)
    facts = MonthFacts(year, month)
    hall_id = ctx.id
    if now is not None and now < span.end:
        facts.until, facts.today = now, ctx.hours.local_day(now)

    # --- who is assessed --------------------------------------------------------------
    depts = {d.id: d for d in s.scalars(select(Department).where(Department.hall_id == hall_id))}
    windows = {w.id: w for w in s.scalars(select(Window).where(Window.hall_id == hall_id))}
    staff_rows = {st.id: st for st in s.scalars(select(Staff).where(Staff.hall_id == hall_id))}
    a_posts = dict(s.execute(select(WindowPost.staff_id, Window.number).join(Window, Window.id == WindowPost.window_id)
                             .where(Window.hall_id == hall_id, WindowPost.post == "A")).all())
    b_posts = set(s.scalars(select(WindowPost.staff_id).join(Window, Window.id == WindowPost.window_id)
                            .where(Window.hall_id == hall_id, WindowPost.post == "B")))
    code = {d.id: d.code for d in depts.values()}
    window_no = {w.id: w.number for w in windows.values()}
    staff_no = {st.id: st.number for st in staff_rows.values()}
    facts.departments = [DepartmentInfo(d.code, d.name) for d in sorted(depts.values(), key=lambda d: d.code)
                         if d.active]
    facts.windows = [WindowInfo(w.number, w.name, code.get(w.department_id), w.live_from)
                     for w in sorted(windows.values(), key=lambda w: w.number) if w.active]
    facts.staff = [StaffInfo(st.number, st.name, code.get(st.department_id), a_posts.get(st.id), st.live_from,
                             b_post_only=st.id in b_posts and st.id not in a_posts)
                   for st in sorted(staff_rows.values(), key=lambda st: st.number) if st.active]
    facts.live_from = s.scalar(select(Hall.live_from).where(Hall.id == hall_id))

    # --- window sessions and pauses ----------------------------------------------------
    session_rows = s.execute(
        select(WindowSession.id, WindowSession.window_id, WindowSession.started_at, WindowSession.ended_at,
               WindowSession.staff_id)
        .join(Window, Window.id == WindowSession.window_id)
        .where(Window.hall_id == hall_id, WindowSession.started_at < span.end,
               or_(WindowSession.ended_at.is_(None), WindowSession.ended_at > span.start))).all()
    duty_rows = [(sid, wid, a, b, staff_no.get(st)) for sid, wid, a, b, st in session_rows]
    on_duty = OnDuty(duty_rows)
    facts.sessions = [SessionSpan(sid, window_no[wid], staff, a, b) for sid, wid, a, b, staff in duty_rows]
    if session_rows:
        pause_rows = s.execute(
            select(WindowPause.id, WindowPause.session_id, WindowPause.window_id, WindowPause.reason,
                   WindowPause.started_at, WindowPause.ended_at)
            .join(Window, Window.id == WindowPause.window_id)
            .where(Window.hall_id == hall_id, WindowPause.started_at < span.end,
                   or_(WindowPause.ended_at.is_(None), WindowPause.ended_at > span.start))).all()
        facts.pauses = [PauseSpan(pid, sid, window_no[wid], reason, a, b) for pid, sid, wid, reason, a, b in pause_rows]

    # --- approved leave (请假): excuses the person, and tells leave from absence (旷工) -------
    facts.leaves = [_leave_span(ctx, row, staff_no) for row in
                    leave_register.approved_in(s, hall_id, span.first_day, span.last_day)]

    # --- ticket events of the month -----------------------------------------------------
    until = min(span.end, now) if now else span.end
    # Only two keys of a finished event's data are read; the database picks them
    # out rather than Python decoding every event's JSON.
    event_rows = s.execute(
        select(TicketEvent.ticket_id, TicketEvent.window_id, TicketEvent.kind, TicketEvent.at,
               TicketEvent.data["outcome"].as_string(), TicketEvent.data["returning_to"].as_integer())
        .where(TicketEvent.hall_id == hall_id, TicketEvent.kind.in_(("finished", "transferred", "skipped")),
               TicketEvent.at >= span.start, TicketEvent.at < until)
        .order_by(TicketEvent.id)).all()
    final_finishes: list[tuple[int, int, str | None, dt.datetime]] = []
    for ticket_id, wid, kind, at, outcome, returning_to in event_rows:
        if wid not in window_no:
            continue
        staff = on_duty.staff(wid, at)
        number = window_no[wid]
        if kind == "finished":
            facts.services.append(Service(ticket_id, number, staff, at, outcome))
            if returning_to is None:
                final_finishes.append((ticket_id, number, staff, at))
        elif kind == "transferred":
            facts.transfers.append(Transfer(ticket_id, number, staff, at))
        else:
            facts.no_shows.append(NoShow(ticket_id, number, staff, at))

    # --- ratings ---------------------------------------------------------------------------
    # Indexed by the time given; a QR rating may come some days after the finish that asked.
    late = dt.timedelta(days=ctx.settings.ratings.qr_days + 1)
    rating_rows = s.execute(
        select(RatingRow.id, RatingRow.ticket_id, RatingRow.window_id, RatingRow.staff_id, RatingRow.level,
               RatingRow.at, RatingRow.counted, RatingRow.channel)
        .where(RatingRow.hall_id == hall_id, RatingRow.at >= span.start, RatingRow.at < until + late,
               RatingRow.requested_at >= span.start, RatingRow.requested_at < until)
        .order_by(RatingRow.id)).all()
    rated: set[int] = set()
    for rid, ticket_id, wid, staff_id, level, at, counted, channel in rating_rows:
        rated.add(ticket_id)
        if now is not None and at > now:
            continue
        facts.ratings.append(Rating(rid, ticket_id, window_no.get(wid), staff_no.get(staff_id), level, at,
                                    counted, channel))
    unrated_as = ctx.settings.ratings.unrated_counts_as
    if unrated_as != "not_counted":
        for ticket_id, number, staff, at in final_finishes:
            if ticket_id not in rated:
                facts.ratings.append(Rating(f"unrated:{ticket_id}", ticket_id, number, staff, int(unrated_as), at,
                                            True, "unrated"))

    # --- promised cases ------------------------------------------------------------------
    facts.cases = _promised_cases(s, ctx, span, until, window_no, on_duty)

    # --- supplement chains (一次性告知) -----------------------------------------------------
    facts.repeat_visits = _repeat_visits(s, ctx, span, until, window_no, on_duty, repeat_min_returns)

    # --- supervisors' records and decided appeals -----------------------------------------
    record_rows = s.scalars(
        select(AssessmentRecord).where(AssessmentRecord.hall_id == hall_id,
                                       AssessmentRecord.occurred_on >= span.first_day,
                                       AssessmentRecord.occurred_on <= span.last_day,
                                       AssessmentRecord.voided_at.is_(None))
        .order_by(AssessmentRecord.id)).all()
    facts.records = [SupervisorRecord(r.id, r.kind, r.item, r.evidence, r.entered_by, r.entered_at,
                                      window=window_no.get(r.window_id), staff=staff_no.get(r.staff_id),
                                      department=code.get(r.department_id), points=r.points, count=r.count,
                                      on=r.occurred_on)
                     for r in record_rows]
    # --- items turned from 承诺件 into 即办件 (the admin log) ---------------------------------
    facts.items_made_immediate = _items_made_immediate(s, ctx, span, until, facts.windows)

    appeal_rows = s.scalars(
        select(AssessmentAppeal).where(AssessmentAppeal.hall_id == hall_id,
                                       AssessmentAppeal.month == f"{year:04d}-{month:02d}",
                                       AssessmentAppeal.status == "decided")
        .order_by(AssessmentAppeal.id)).all()
    facts.appeals = [Appeal(a.id, a.scope, a.unit, a.item, a.decision, a.reason or "", a.decided_by or "",
                            a.decided_at, a.points) for a in appeal_rows]
    facts.ticket_labels = _ticket_labels(s, facts)
    return facts


def _items_made_immediate(s: Session, ctx: HallContext, span: MonthSpan, until: dt.datetime,
                          windows: list[WindowInfo]) -> list[ItemMadeImmediate]:
    """Items whose promised time an admin set from some working days to 0 (承诺件 -> 即办件) in the month.

    The seed counts items ("每项"), not cases: an item counts once in a month, by the last change of its
    promised time in the month, and only if that change made it 即办件 (one changed and changed back in the
    month does not count). Credited to its department's window unit, the department's lowest-numbered window
    (as the scheme credits what names a department but no window)."""
    rows = s.scalars(select(AdminChange).where(AdminChange.hall_id == ctx.id, AdminChange.entity == "item",
                                               AdminChange.at >= span.start, AdminChange.at < until)
                     .order_by(AdminChange.at, AdminChange.id)).all()
    last: dict[str, AdminChange] = {}
    for row in rows:
        before, after = (row.before or {}).get("promised_days"), (row.after or {}).get("promised_days")
        if row.before is not None and before != after:
            last[row.key] = row
    first_window: dict[str, int] = {}
    for w in windows:  # sorted by number
        if w.department is not None:
            first_window.setdefault(w.department, w.number)
    out = []
    for code, row in last.items():
        before, after = row.before.get("promised_days"), row.after.get("promised_days")
        if isinstance(before, int) and before > 0 and after == 0:
            department = row.after.get("department")
            out.append(ItemMadeImmediate(row.id, code, row.after.get("name") or code, before,
                                         ctx.hours.local_day(row.at), row.actor, department,
                                         first_window.get(department)))
    return sorted(out, key=lambda c: c.id)


def _leave_span(ctx: HallContext, row, staff_no: dict[int, str]) -> LeaveSpan:
    """A leave as moments: a morning from its midnight, an afternoon from noon (leave.NOON), to the end of
    its last half."""
    tz = ctx.hours.tz
    start = dt.datetime.combine(row.first_day, dt.time(0) if row.first_half == "am" else leave_register.NOON, tz)
    end = (dt.datetime.combine(row.last_day, leave_register.NOON, tz) if row.last_half == "am"
           else dt.datetime.combine(row.last_day + dt.timedelta(days=1), dt.time(0), tz))
    return LeaveSpan(row.id, staff_no.get(row.staff_id, ""), start, end, staff_no.get(row.stand_in_staff_id))


def _ticket_labels(s: Session, facts: MonthFacts) -> dict[int, str]:
    """The number and day of each ticket evidence may name (not every ticket served: those are not named)."""
    ids = {c.ticket for c in facts.cases} | {t.ticket for t in facts.transfers} | {t.ticket for t in facts.no_shows}
    ids |= {r.ticket for r in facts.ratings if r.level <= 2}
    for v in facts.repeat_visits:
        ids.add(v.supplement_ticket)
        ids.update(v.return_tickets)
    wanted = sorted(ids)
    labels = {}
    for i in range(0, len(wanted), IN_CHUNK):
        for tid, number, day in s.execute(select(Ticket.id, Ticket.number, Ticket.day)
                                          .where(Ticket.id.in_(wanted[i:i + IN_CHUNK]))):
            labels[tid] = f"{number} ({day:%m-%d})"  # the same in Chinese and English pages
    return labels


def _promised_cases(s: Session, ctx: HallContext, span: MonthSpan, until: dt.datetime, window_no: dict[int, int],
                    on_duty: OnDuty) -> list[PromisedCase]:
    """承诺件 accepted by the month's end and not finished before it began."""
    data = TicketEvent.data
    rows = s.execute(
        select(Ticket.id, Ticket.due_date, TicketEvent.window_id, TicketEvent.at, data["outcome"].as_string(),
               data["due_date"].as_string(), data["promised_days"].as_integer(), CaseCompletion.completed_on)
        .join(TicketEvent, and_(TicketEvent.ticket_id == Ticket.id, TicketEvent.kind == "finished"))
        .outerjoin(CaseCompletion, CaseCompletion.ticket_id == Ticket.id)
        .where(Ticket.hall_id == ctx.id, Ticket.outcome == "promised",
               Ticket.day >= span.first_day - dt.timedelta(days=CASE_LOOKBACK_DAYS), Ticket.day <= span.last_day,
               TicketEvent.at < until,
               or_(CaseCompletion.completed_on.is_(None), CaseCompletion.completed_on >= span.first_day))
        .order_by(TicketEvent.id)).all()
    accepted: dict[int, PromisedCase] = {}
    local_day = ctx.hours.local_day
    for ticket_id, due, wid, at, outcome, due_text, days, completed_on in rows:
        if outcome != "promised" or wid not in window_no:
            continue  # a leg finished elsewhere before the case was accepted
        # The ticket's due date first: a 容缺 case whose applicant brought the materials late has it moved on
        # (hallq.cases.tolerance); the finish's is the one promised at the counter.
        due_on = due or (dt.date.fromisoformat(due_text) if due_text else None)
        if due_on is None:
            continue
        if completed_on is not None and completed_on > span.last_day:
            completed_on = None  # finished after this month: open as far as this month knows
        accepted[ticket_id] = PromisedCase(ticket_id, window_no[wid], on_duty.staff(wid, at), int(days or 0),
                                           local_day(at), due_on, completed_on)
    return [c for c in accepted.values() if c.promised_days > 0]


def _repeat_visits(s: Session, ctx: HallContext, span: MonthSpan, until: dt.datetime, window_no: dict[int, int],
                   on_duty: OnDuty, min_returns: int) -> list[RepeatVisit]:
    """Supplement chains whose threshold return (or last return) falls in the month."""
    since = span.start - dt.timedelta(days=CHAIN_LOOKBACK_DAYS)
    # Only people with a 补办 in the span can have a chain, so only their tickets are
    # read (by the index on the ID hash), not every ticket of four months. Two steps,
    # not a subquery: without statistics SQLite would walk the hall's tickets instead.
    people = sorted(s.scalars(
        select(Ticket.id_hash).distinct()
        .where(Ticket.hall_id == ctx.id, Ticket.outcome == "supplement", Ticket.id_hash.is_not(None),
               Ticket.day >= (since - dt.timedelta(days=1)).date(), Ticket.day <= span.last_day)))
    rows = []
    for i in range(0, len(people), IN_CHUNK):
        rows.extend(s.execute(
            select(Ticket.id, Ticket.id_hash, Ticket.item_id, TicketEvent.window_id, TicketEvent.at, TicketEvent.data,
                   Ticket.hall_id, Ticket.status)
            .join(TicketEvent, and_(TicketEvent.ticket_id == Ticket.id, TicketEvent.kind == "finished"))
            .where(Ticket.id_hash.in_(people[i:i + IN_CHUNK]), TicketEvent.at >= since, TicketEvent.at < until)))
    # The hall and status are checked here: in the query they would lure the planner off the hash index.
    rows = sorted((r for r in rows if r[6] == ctx.id and r[7] == "finished"), key=lambda r: (r[4], r[0]))
    # The final finish of each ticket, per person and item, in time order.
    visits: dict[int, tuple] = {}
    for ticket_id, person, item_id, wid, at, data, _, _ in rows:
        data = data or {}
        if "returning_to" in data:
            continue
        visits[ticket_id] = (person, item_id, wid, at, data.get("outcome"), tuple(data.get("missing_materials") or ()))
    by_person: dict[tuple[str, int], list[tuple[int, tuple]]] = defaultdict(list)
    for ticket_id, v in sorted(visits.items(), key=lambda kv: (kv[1][3], kv[0])):
        by_person[(v[0], v[1])].append((ticket_id, v))
    if not any(any(v[4] == "supplement" for _, v in seq) for seq in by_person.values()):
        return []
    out: list[RepeatVisit] = []
    for seq in by_person.values():
        i = 0
        while i < len(seq):
            first_id, first = seq[i]
            if first[4] != "supplement":
                i += 1
                continue
            listed = set(first[5])
            returns: list[tuple[int, tuple]] = []
            j = i + 1
            while j < len(seq):
                returns.append(seq[j])
                if seq[j][1][4] != "supplement":
                    break
                j += 1
            i = j + 1 if returns and returns[-1][1][4] != "supplement" else j
            if not returns:
                continue
            when = returns[min(min_returns, len(returns)) - 1][1][3]
            if not (span.start <= when < span.end):
                continue
            complete = all(set(v[5]) <= listed for _, v in returns if v[4] == "supplement")
            wid, at = first[2], first[3]
            if wid not in window_no:
                continue
            out.append(RepeatVisit(first_id, tuple(t for t, _ in returns), window_no[wid], on_duty.staff(wid, at),
                                   one_time_notice=complete))
    return out
