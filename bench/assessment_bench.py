"""Benchmark: computing one month's assessment for a big hall.

60 windows (20 departments × 3), 120 staff (an A and a B post each),
30,000 tickets served in October 2025 with their ratings (about 70% rated),
promised cases, repeat visits, transfers, no-shows, window sessions with
pauses, and supervisors' records; synthetic and seeded, so every run scores
the same facts. Prints the time the engine takes (aim: under 2 s); gathering
the facts from the database is not measured here.

    .venv/bin/python bench/assessment_bench.py [--tickets 30000] [--windows 60] [--repeat 3]
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import itertools
import random
import statistics
import time
from zoneinfo import ZoneInfo

from hallq.assessment import (DepartmentInfo, MonthFacts, NoShow, PauseSpan, PromisedCase, Rating, RepeatVisit,
                              Service, SessionSpan, StaffInfo, SupervisorRecord, Transfer, WindowInfo,
                              compute_month, load_preset)
from hallq.queue.hours import HallHours
from hallq.queue.settings import Hours

TZ = ZoneInfo("Asia/Shanghai")
HOURS = HallHours(Hours(), "Asia/Shanghai")
COUNTY_ITEMS = ["off_task", "no_badge", "untidy", "quarrel", "verified_complaint", "skipped_flow",
                "banned_software", "special_help", "media_praise"]
BEST_ITEMS = ["quarrel", "curt", "missing_item", "rule_violation", "banner", "thanks_letter", "conduct",
              "consultation", "media_city"]


def build(tickets: int, windows: int, seed: int = 2025) -> MonthFacts:
    rnd = random.Random(seed)
    ids = itertools.count(1)
    facts = MonthFacts(2025, 10)
    for d in range(windows // 3 or 1):
        facts.departments.append(DepartmentInfo(f"D{d:02d}", f"部门{d}"))
    for w in range(1, windows + 1):
        dept = f"D{(w - 1) // 3:02d}"
        facts.windows.append(WindowInfo(w, f"{w}号窗口", dept))
        for post in "AB":
            facts.staff.append(StaffInfo(f"{w:03d}{post}", f"工作人员{w}{post}", dept, w))
    days = [facts.first_day + dt.timedelta(days=i) for i in range((facts.last_day - facts.first_day).days + 1)]
    workdays = [d for d in days if HOURS.is_workday(d)]

    def moment(day: dt.date, h0: int = 9, h1: int = 18) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, rnd.randrange(h0, h1), rnd.randrange(60), tzinfo=TZ)

    # Sessions: A signs in each working day, sometimes late, sometimes B takes the afternoon.
    for day in workdays:
        for w in range(1, windows + 1):
            a, b = f"{w:03d}A", f"{w:03d}B"
            start = dt.datetime(day.year, day.month, day.day, 8, 50, tzinfo=TZ)
            if rnd.random() < 0.03:
                start = start.replace(hour=9, minute=rnd.randrange(1, 40))
            if rnd.random() < 0.2:
                morning = SessionSpan(next(ids), w, a, start, start.replace(hour=12, minute=0))
                afternoon_start = start.replace(hour=13, minute=55 if rnd.random() < 0.97 else 59) \
                    if rnd.random() < 0.9 else start.replace(hour=14, minute=rnd.randrange(1, 30))
                afternoon = SessionSpan(next(ids), w, b, afternoon_start, start.replace(hour=18, minute=5))
                facts.sessions += [morning, afternoon]
            else:
                end = start.replace(hour=18, minute=5) if rnd.random() > 0.02 else start.replace(hour=17, minute=rnd.randrange(60))
                facts.sessions.append(SessionSpan(next(ids), w, a, start, end))
            if rnd.random() < 0.1:
                s = facts.sessions[-1]
                p_start = moment(day, 10, 11)
                reason = rnd.choice(["系统故障", "私事", "业务咨询", "会议"])
                facts.pauses.append(PauseSpan(next(ids), s.id, w, reason, p_start,
                                              p_start + dt.timedelta(minutes=rnd.randrange(5, 60))))

    # Tickets served, their ratings and promised cases.
    for _ in range(tickets):
        w = rnd.randrange(1, windows + 1)
        staff = f"{w:03d}{'A' if rnd.random() < 0.85 else 'B'}"
        day = rnd.choice(workdays)
        at = moment(day)
        outcome = rnd.choices(["immediate", "promised", "supplement", "joint", "rejected"], [70, 15, 10, 3, 2])[0]
        t = next(ids)
        facts.services.append(Service(t, w, staff, at, outcome))
        if rnd.random() < 0.7:
            level = rnd.choices([5, 4, 3, 2, 1], [80, 12, 5, 2, 1])[0]
            facts.ratings.append(Rating(next(ids), t, w, staff, level, at, counted=not (level <= 2 and rnd.random() < 0.2)))
        if outcome == "promised":
            promised = rnd.choice([3, 5, 7, 10, 15])
            due = HOURS.add_working_days(day, promised)
            r = rnd.random()
            if r < 0.1:
                finished = None
            else:
                spent = rnd.randrange(0, promised + 4)
                finished = HOURS.add_working_days(day, spent)
            facts.cases.append(PromisedCase(t, w, staff, promised, day, due, finished))
        elif outcome == "supplement" and rnd.random() < 0.05:
            facts.repeat_visits.append(RepeatVisit(t, tuple(next(ids) for _ in range(rnd.randrange(1, 4))), w, staff,
                                                   rnd.random() < 0.5))
        if rnd.random() < 0.03:
            facts.transfers.append(Transfer(t, w, staff, at))
        if rnd.random() < 0.02:
            facts.no_shows.append(NoShow(next(ids), w, staff, at))

    facts.records = records(rnd, ids, workdays, windows, COUNTY_ITEMS)
    return facts


def records(rnd: random.Random, ids, workdays: list[dt.date], windows: int, items: list[str],
            entry_points: dict[str, float] | None = None) -> list[SupervisorRecord]:
    """Supervisors' records on lines of the scheme(s); `entry_points` for lines the entry sets."""
    entry_points = entry_points or {}
    out = []
    for _ in range(200):
        w = rnd.randrange(1, windows + 1)
        day = rnd.choice(workdays)
        item = rnd.choice(items)
        out.append(SupervisorRecord(next(ids), "inspection_finding", item, "督查抽查记录", "督查股",
                                    dt.datetime(day.year, day.month, day.day, 10, tzinfo=TZ),
                                    window=w, staff=f"{w:03d}A", points=entry_points.get(item)))
    return out


def timed(label: str, repeat: int, run) -> None:
    times = []
    result = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - t0)
    cards = sum(len(v) for v in result.cards.values())
    print(f"{label:<48} best {min(times):6.3f} s  median {statistics.median(times):6.3f} s  ({cards} scorecards)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tickets", type=int, default=30_000)
    ap.add_argument("--windows", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    t0 = time.perf_counter()
    facts = build(args.tickets, args.windows)
    print(f"facts: {len(facts.services)} tickets, {len(facts.ratings)} ratings, {len(facts.cases)} promised cases, "
          f"{len(facts.sessions)} sessions, {len(facts.pauses)} pauses, {len(facts.records)} records "
          f"(built in {time.perf_counter() - t0:.2f} s)")
    county = load_preset("county_window")
    timed("county scheme: windows, departments, staff", args.repeat, lambda: compute_month(facts, county, HOURS))
    plan = {"window": load_preset("window_best"), "department": load_preset("window_best"),
            "staff": load_preset("staff_de_neng_qin_ji_lian")}
    workdays = sorted({s.started_at.date() for s in facts.sessions})
    other = dataclasses.replace(facts, records=records(random.Random(7), itertools.count(10**9), workdays,
                                                       args.windows, BEST_ITEMS, {"quarrel": -5}))
    timed("best-window + 德能勤绩廉 staff", args.repeat, lambda: compute_month(other, plan, HOURS))
    print("aim: under 2 s for the engine")


if __name__ == "__main__":
    main()
