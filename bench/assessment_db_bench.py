"""Benchmark: gathering a month's facts from the database and scoring it.

Builds a hall of 60 windows (20 departments × 3; a hall file loaded by the real
loader), 120 staff with their accounts, and October 2025 in the database:
30,000 tickets with their issued/called/finished events (transfers, no-shows,
promised cases with completions, supplement chains of returning citizens),
about 70% rated, a window session for every window and working day (some
late, some early, some paused), and supervisors' records. The rows go in by
bulk insert (this measures reading, not the queue engine). Then times
`gather_month` and `month_result` (gather + compute, nothing stored), and
prints the figures (aim: under 2 s).

A hall keeps its history, and reads that are fast on one month can walk every
month on record: `--history N` (default 11) copies October's tickets, events,
ratings and completions into the N months before it (shifted by 31 days a
month, every promised case of those months completed), so the month is read
out of a year of rows as in a hall that has run for one. Both wall-clock and
CPU time are printed: on a shared, loaded machine the wall clock measures the
neighbours too.

    .venv/bin/python bench/assessment_db_bench.py [--tickets 30000] [--windows 60] [--history 11] [--repeat 3] [--db URL]

Without --db a SQLite file in a temporary directory is used; give a
PostgreSQL URL (an empty database) to time it there.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import secrets
import statistics
import tempfile
import time
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, literal, select

from hallq.assessment import publication
from hallq.queue.accounts import Principal, User
from hallq.assessment.gather import gather_month
from hallq.assessment.models import AssessmentRecord, CaseCompletion
from hallq.assessment.service import month_result
from hallq.db import connect
from hallq.evaluator.models import Rating
from hallq.migrate import upgrade
from hallq.queue import hallfile
from hallq.queue.halls import hall_context
from hallq.queue.models import Item, Staff, Ticket, TicketEvent, Window, WindowPause, WindowSession

TZ = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc
RECORD_ITEMS = ["off_task", "no_badge", "quarrel", "verified_complaint", "skipped_flow", "special_help", "media_praise"]


def hall_toml(windows: int) -> str:
    depts = max(1, windows // 3)
    out = ['[hall]\ncode = "bench"\nname = "基准测试政务服务中心"\ntimezone = "Asia/Shanghai"\n']
    for d in range(depts):
        out.append(f'[[departments]]\ncode = "D{d:02d}"\nname = "部门{d:02d}"\n')
        out.append(f'[[items]]\ncode = "I{d:02d}"\nname = "事项{d:02d}"\ndepartment = "D{d:02d}"\n'
                   f'prefix = "{chr(65 + d % 26)}{d // 26 if d >= 26 else ""}"\n[items.guide]\npromised_days = 5\n'
                   f'legal_days = 20\n')
    for w in range(1, windows + 1):
        d = (w - 1) % depts
        out.append(f'[[windows]]\nnumber = {w}\nname = "{w}号窗口"\ndepartment = "D{d:02d}"\nitems = ["I{d:02d}"]\n'
                   f'posts = {{ A = "S{w:03d}A", B = "S{w:03d}B" }}\n')
        for post in "AB":
            out.append(f'[[staff]]\nnumber = "S{w:03d}{post}"\nname = "工作人员{w}{post}"\ndepartment = "D{d:02d}"\n')
    return "".join(out)


def at(day: dt.date, minutes: float) -> dt.datetime:
    return (dt.datetime.combine(day, dt.time(0), TZ) + dt.timedelta(minutes=minutes)).astimezone(UTC)


def build(db, tickets: int, windows: int, seed: int = 2025) -> int:
    rnd = random.Random(seed)
    with db.write() as s:
        hall = hallfile.load(s, hallfile.parse(hall_toml(windows)), dt.date(2025, 1, 1))
        s.commit()
        hall_id = hall.id
        ctx = hall_context(s, hall_id)
        win = {w.number: w for w in s.scalars(select(Window).where(Window.hall_id == hall_id))}
        items = {i.department_id: i for i in s.scalars(select(Item).where(Item.hall_id == hall_id))}
        staff = {st.number: st for st in s.scalars(select(Staff).where(Staff.hall_id == hall_id))}
        s.execute(insert(User), [{"hall_id": hall_id, "username": n, "password_hash": "x", "role": "clerk",
                                  "staff_id": st.id, "active": True} for n, st in staff.items()])
        users = dict(s.execute(select(User.staff_id, User.id).where(User.hall_id == hall_id)).all())
        days = [dt.date(2025, 10, d) for d in range(1, 32) if ctx.hours.is_workday(dt.date(2025, 10, d))]

        # Sessions: the A post signs in each working day; 3% late, 2% early, 5% a pause, 2% the B post instead.
        sessions, pauses, sid = [], [], 0
        for day in days:
            for n, w in win.items():
                post = "B" if rnd.random() < 0.02 else "A"
                st = staff[f"S{n:03d}{post}"]
                start = 8 * 60 + 55 + (rnd.randint(10, 40) if rnd.random() < 0.03 else 0)
                end = 18 * 60 + 5 - (rnd.randint(20, 60) if rnd.random() < 0.02 else 0)
                sid += 1
                sessions.append({"id": sid, "window_id": w.id, "user_id": users[st.id], "staff_id": st.id,
                                 "post": post, "started_at": at(day, start), "ended_at": at(day, end),
                                 "end_reason": "signed_out"})
                if rnd.random() < 0.05:
                    p0 = rnd.randint(9 * 60 + 30, 16 * 60)
                    pauses.append({"window_id": w.id, "session_id": sid, "reason": rnd.choice(["私事", "系统故障", "会议"]),
                                   "started_at": at(day, p0), "ended_at": at(day, p0 + rnd.randint(5, 40))})
        s.execute(insert(WindowSession), sessions)
        s.execute(insert(WindowPause), pauses)

        # Tickets and their events.
        seqs: dict[tuple, int] = {}
        ticket_rows, event_rows, rating_rows, completions = [], [], [], []
        persons = [secrets.token_hex(16) for _ in range(tickets // 50)]
        base = s.scalar(select(Ticket.id).order_by(Ticket.id.desc()).limit(1)) or 0
        for k in range(tickets):
            tid = base + k + 1
            n = rnd.randint(1, windows)
            w = win[n]
            item = items[w.department_id]
            day = rnd.choice(days)
            issued_min = rnd.uniform(9 * 60, 17 * 60 + 20)
            wait = rnd.expovariate(1 / 9)
            seq = seqs[(item.prefix, day)] = seqs.get((item.prefix, day), 0) + 1
            r = rnd.random()
            status, outcome, due = "finished", "immediate", None
            person = rnd.choice(persons) if rnd.random() < 0.05 else None
            if r < 0.02:
                status, outcome = "missed", None
            elif r < 0.12:
                outcome = "promised"
                due = ctx.hours.add_working_days(day, 5)
            elif r < 0.15 or person:
                outcome = "supplement" if rnd.random() < 0.5 else "immediate"
            issued, called = at(day, issued_min), at(day, issued_min + wait)
            finished = called + dt.timedelta(minutes=rnd.uniform(2, 15))
            ticket_rows.append({"id": tid, "hall_id": hall_id, "item_id": item.id, "day": day, "prefix": item.prefix,
                                "seq": seq, "number": f"{item.prefix}{seq:03d}", "priority": "normal",
                                "status": status, "issued_at": issued, "queue_key": issued, "window_id": w.id,
                                "token": f"b{tid}", "issued_by": "kiosk:k1", "outcome": outcome, "due_date": due,
                                "id_hash": person})
            common = {"ticket_id": tid, "hall_id": hall_id, "item_id": item.id}
            event_rows.append({**common, "window_id": None, "kind": "issued", "at": issued, "actor": "kiosk:k1", "data": {}})
            event_rows.append({**common, "window_id": w.id, "kind": "called", "at": called, "actor": "user:x",
                               "data": {"wait_s": round(wait * 60, 1)}})
            if status == "missed":
                event_rows.append({**common, "window_id": w.id, "kind": "skipped", "at": called + dt.timedelta(minutes=2),
                                   "actor": "user:x", "data": {}})
                continue
            if rnd.random() < 0.01:
                event_rows.append({**common, "window_id": w.id, "kind": "transferred",
                                   "at": called + dt.timedelta(minutes=1), "actor": "user:x", "data": {}})
            data = {"outcome": outcome, "service_s": 300.0}
            if outcome == "promised":
                data.update(promised_days=5, due_date=due.isoformat())
                if rnd.random() < 0.8:
                    completions.append({"hall_id": hall_id, "ticket_id": tid, "entered_by": "user:x",
                                        "completed_on": ctx.hours.add_working_days(day, rnd.randint(1, 8)),
                                        "entered_at": finished})
            if outcome == "supplement":
                data["missing_materials"] = rnd.sample(["身份证明", "营业执照", "场所证明", "申请表"], rnd.randint(1, 2))
            event_rows.append({**common, "window_id": w.id, "kind": "finished", "at": finished, "actor": "user:x",
                               "data": data})
            if rnd.random() < 0.7:
                level = rnd.choices([5, 4, 3, 2, 1], [70, 18, 8, 3, 1])[0]
                on_duty = staff[f"S{n:03d}A"]
                rating_rows.append({"hall_id": hall_id, "ticket_id": tid, "window_id": w.id, "staff_id": on_duty.id,
                                    "item_id": item.id, "level": level, "reasons": ["attitude"] if level <= 2 else [],
                                    "channel": "pad", "actor": f"evaluator:pad{n}", "requested_at": finished,
                                    "at": finished + dt.timedelta(seconds=12), "flagged": False,
                                    "counted": not (level <= 2 and rnd.random() < 0.1)})
        completions = [c for c in completions if c["completed_on"] <= dt.date(2025, 11, 30)]
        for table, rows in ((Ticket, ticket_rows), (TicketEvent, event_rows), (Rating, rating_rows),
                            (CaseCompletion, completions)):
            for i in range(0, len(rows), 5000):
                s.execute(insert(table), rows[i:i + 5000])
        s.execute(insert(AssessmentRecord), [
            {"hall_id": hall_id, "occurred_on": rnd.choice(days), "kind": "inspection_finding",
             "item": rnd.choice(RECORD_ITEMS), "window_id": win[rnd.randint(1, windows)].id,
             "staff_id": None, "department_id": None, "points": None, "count": 1, "evidence": "暗访",
             "entered_by": "user:duban", "entered_at": at(days[-1], 17 * 60)} for _ in range(windows)])
        s.commit()
        print(f"built: {len(ticket_rows)} tickets, {len(event_rows)} events, {len(rating_rows)} ratings, "
              f"{len(sessions)} sessions, {len(pauses)} pauses, {len(completions)} completions")
    return hall_id


def _shifted(db, column, days: int, date_only: bool = False):
    """`column` moved `days` days back, computed by the database (no rows through Python)."""
    if db.engine.dialect.name == "sqlite":
        if date_only:
            return func.date(column, f"-{days} days")
        # The text form SQLite keeps for UTCDateTime (microseconds included).
        return func.strftime("%Y-%m-%d %H:%M:%S", column, f"-{days} days").concat(".000000")
    return column - dt.timedelta(days=days)


def add_history(db, months: int) -> None:
    """Copy the built month into the `months` before it (INSERT … SELECT, ids offset)."""
    with db.write() as s:
        top = max(s.scalar(select(func.max(Ticket.id))), s.scalar(select(func.max(TicketEvent.id))),
                  s.scalar(select(func.max(Rating.id))))
        step = 10 ** len(str(top))
        t, e, r, c = Ticket.__table__, TicketEvent.__table__, Rating.__table__, CaseCompletion.__table__
        for k in range(1, months + 1):
            off, days = step * k, 31 * k
            shift = {"day": _shifted(db, t.c.day, days, True), "due_date": _shifted(db, t.c.due_date, days, True),
                     "issued_at": _shifted(db, t.c.issued_at, days), "queue_key": _shifted(db, t.c.queue_key, days),
                     "id": t.c.id + off, "token": literal(f"h{k}-").concat(t.c.token)}
            s.execute(insert(t).from_select([col.name for col in t.c],
                                            select(*[shift.get(col.name, col) for col in t.c]).where(t.c.id < step)))
            shift = {"id": e.c.id + off, "ticket_id": e.c.ticket_id + off, "at": _shifted(db, e.c.at, days)}
            s.execute(insert(e).from_select([col.name for col in e.c],
                                            select(*[shift.get(col.name, col) for col in e.c]).where(e.c.id < step)))
            shift = {"id": r.c.id + off, "ticket_id": r.c.ticket_id + off, "at": _shifted(db, r.c.at, days),
                     "requested_at": _shifted(db, r.c.requested_at, days)}
            s.execute(insert(r).from_select([col.name for col in r.c],
                                            select(*[shift.get(col.name, col) for col in r.c]).where(r.c.id < step)))
            # A year-old case is finished by now: each promised case of the month is completed,
            # on its recorded day or else on its due date.
            done = func.coalesce(c.c.completed_on, t.c.due_date)
            s.execute(insert(c).from_select(
                ["hall_id", "ticket_id", "completed_on", "entered_by", "entered_at"],
                select(t.c.hall_id, t.c.id + off, _shifted(db, done, days, True), literal("user:x"),
                       _shifted(db, t.c.issued_at, days))
                .select_from(t.outerjoin(c, c.c.ticket_id == t.c.id))
                .where(t.c.id < step, t.c.outcome == "promised")))
        s.commit()
        counted = s.scalar(select(func.count(Ticket.id))), s.scalar(select(func.count(TicketEvent.id)))
    print(f"history: {months} months before October; {counted[0]} tickets, {counted[1]} events in all")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=30_000)
    parser.add_argument("--windows", type=int, default=60)
    parser.add_argument("--history", type=int, default=11, help="months of history before October 2025")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--db", help="database URL (default: SQLite in a temporary directory)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = connect(args.db or f"sqlite:///{tmp}/bench.db")
        upgrade(db)
        t0 = time.perf_counter()
        hall_id = build(db, args.tickets, args.windows)
        if args.history:
            add_history(db, args.history)
        print(f"database built in {time.perf_counter() - t0:.1f} s ({db.engine.dialect.name})")
        gather_s, total_s, gather_cpu, total_cpu = [], [], [], []
        for _ in range(args.repeat):
            with db.read() as s:
                ctx = hall_context(s, hall_id)
                t0, c0 = time.perf_counter(), time.process_time()
                facts = gather_month(s, ctx, 2025, 10)
                gather_s.append(time.perf_counter() - t0)
                gather_cpu.append(time.process_time() - c0)
            with db.read() as s:
                t0, c0 = time.perf_counter(), time.process_time()
                result = month_result(s, ctx, 2025, 10, store=False).result
                total_s.append(time.perf_counter() - t0)
                total_cpu.append(time.process_time() - c0)
        print(f"facts: {len(facts.services)} services, {len(facts.ratings)} ratings, {len(facts.cases)} promised cases, "
              f"{len(facts.repeat_visits)} supplement chains, {len(facts.sessions)} sessions, {len(facts.pauses)} pauses")
        top = result.cards["window"][0]
        print(f"window 1st: {top.unit} {top.score} {top.grade}; scored {sum(len(c) for c in result.cards.values())} cards")
        print(f"gather_month:              median {statistics.median(gather_s):.3f} s  (runs: "
              + ", ".join(f"{x:.3f}" for x in gather_s) + ")")
        print(f"gather + compute (month):  median {statistics.median(total_s):.3f} s  (runs: "
              + ", ".join(f"{x:.3f}" for x in total_s) + ")  aim < 2 s")
        print(f"CPU time of this process:  gather median {statistics.median(gather_cpu):.3f} s, "
              f"gather + compute median {statistics.median(total_cpu):.3f} s"
              + ("" if db.engine.dialect.name == "sqlite" else " (the database server's time not included)"))
        publish_and_read(db, hall_id, args.repeat)
        db.dispose()


def publish_and_read(db, hall_id: int, repeat: int) -> None:
    """October through its sign-off; times publishing (compute afresh, check, freeze: aim < 5 s) and
    reading the published month as the API answers it (aim < 100 ms)."""
    boss = Principal(hall_id, "admin", "bench", user_id=1)
    day = dt.datetime(2025, 11, 3, 2, 0, tzinfo=dt.timezone.utc)
    for step, at in ((publication.open_self_check, day), (publication.review, day + dt.timedelta(days=7)),
                     (publication.approve, day + dt.timedelta(days=8))):
        with db.write() as s:
            ctx = hall_context(s, hall_id)
            if step is publication.open_self_check:
                step(s, boss, ctx, "2025-10", at, days=1)
            else:
                step(s, boss, ctx, "2025-10", at)
            s.commit()
    with db.write() as s:
        ctx = hall_context(s, hall_id)
        t0, c0 = time.perf_counter(), time.process_time()
        row = publication.publish(s, boss, ctx, "2025-10", day + dt.timedelta(days=8))
        s.commit()
        publish_s, publish_cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"publish (compute, check, freeze): {publish_s:.3f} s, CPU {publish_cpu:.3f} s  aim < 5 s"
          f"  (revision {row.revision}, {len(json.dumps(row.result)) / 1e6:.1f} MB of JSON)")
    read_s = []
    for _ in range(max(repeat, 5)):
        with db.read() as s:
            t0 = time.perf_counter()
            month = month_result(s, hall_context(s, hall_id), 2025, 10, store=False)
            month.to_dict("window")
            read_s.append(time.perf_counter() - t0)
    print(f"read the published month:  median {statistics.median(read_s) * 1000:.0f} ms  (runs: "
          + ", ".join(f"{x * 1000:.0f}" for x in read_s) + ")  aim < 100 ms")


if __name__ == "__main__":
    main()
