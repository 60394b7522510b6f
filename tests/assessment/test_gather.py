"""Gather + compute from the database: October 2025 in the test hall, entered
through the real engine functions (tests/assessment/month_db.py has the story and
the hand computation), on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pytest

from hallq.assessment.gather import gather_month
from hallq.assessment.service import month_result, set_scheme
from hallq.queue.halls import forget_halls, hall_context
from hallq.queue.models import Hall as HallRow
from tests.assessment import month_db
from tests.assessment.month_db import EXPECTED_DEPARTMENTS, EXPECTED_STAFF, EXPECTED_WINDOWS, MONTH, YEAR, rows
from tests.conftest import local


@pytest.fixture
def october(hall):
    return month_db.build(hall)


def test_facts_from_the_database(october):
    hall = october.hall
    with hall.db.read() as s:
        facts = gather_month(s, hall_context(s, hall.id), YEAR, MONTH)
    assert [w.number for w in facts.windows] == [1, 2, 3, 4]
    assert {st.number: st.window for st in facts.staff} == {"S001": 1, "S002": None, "S003": 2, "S004": 3,
                                                            "S005": None}
    assert next(w for w in facts.windows if w.number == 4).department is None  # comprehensive
    served = {}
    for sv in facts.services:
        served[sv.window] = served.get(sv.window, 0) + 1
    assert served == {1: 4, 2: 6, 3: 7, 4: 1}
    assert {(sv.window, sv.staff) for sv in facts.services} == {(1, "S001"), (2, "S003"), (3, "S004"), (4, "S005")}
    assert [(t.ticket, t.window, t.staff) for t in facts.transfers] == [(october.tickets["transferred"], 1, "S001")]
    assert [(n.ticket, n.window, n.staff) for n in facts.no_shows] == [(october.tickets["no_show"], 4, "S005")]
    assert sorted(r.level for r in facts.ratings) == [2, 3, 4, 5, 5, 5, 5, 5, 5, 5]
    assert len(facts.sessions) == 18 * 4 and len(facts.pauses) == 1
    assert facts.pauses[0].reason == "私事" and facts.pauses[0].window == 3
    [case] = facts.cases
    assert (case.ticket, case.window, case.staff, case.promised_days) == (october.tickets["promised"], 2, "S003", 3)
    assert (case.accepted_on, case.due_on, case.finished_on) == (dt.date(2025, 10, 9), dt.date(2025, 10, 13),
                                                                 dt.date(2025, 10, 16))
    chains = {v.supplement_ticket: v for v in facts.repeat_visits}
    assert set(chains) == {october.tickets["chain_a"], october.tickets["chain_b"]}
    a, b = chains[october.tickets["chain_a"]], chains[october.tickets["chain_b"]]
    assert (len(a.return_tickets), a.one_time_notice, a.window, a.staff) == (2, False, 3, "S004")
    assert (len(b.return_tickets), b.one_time_notice) == (2, True)
    assert sorted(r.item for r in facts.records) == ["media_praise", "praise", "verified_complaint"]
    assert all(r.entered_by == "user:duban" for r in facts.records)


def test_scores_grades_and_ranks_as_computed_by_hand(october):
    hall = october.hall
    with hall.db.write() as s:
        month = month_result(s, hall_context(s, hall.id), YEAR, MONTH, now=local(2025, 11, 5))
        s.commit()
    result = month.result
    assert rows(result.cards["window"]) == EXPECTED_WINDOWS
    assert rows(result.cards["department"]) == EXPECTED_DEPARTMENTS
    assert rows(result.cards["staff"]) == EXPECTED_STAFF

    w2 = result.card("window", 2)
    late = w2.item("late")
    assert (late.points, late.evidence[0].type, late.evidence[0].id) == (-1, "session", october.late_session)
    overdue = w2.item("overdue")
    assert (overdue.count, overdue.points) == (3, -6) and overdue.evidence[0].id == october.tickets["promised"]
    sat = w2.item("ratings")
    assert sat.points == -5 and "4/5 = 80.0%" in sat.detail
    assert [(e.type, e.id) for e in sat.evidence] == [("rating", october.ratings[f"w2-{october.tickets['bad']}"])]

    w3 = result.card("window", 3)
    assert w3.item("repeat_visit").points == -3
    assert w3.item("repeat_visit").evidence[0].id == october.tickets["chain_a"]
    assert (w3.item("off_post").evidence[0].type, w3.item("off_post").evidence[0].id) == ("pause", october.pause)
    assert "no_ratings" in [f.key for f in w3.flags]
    assert (w3.stats["tickets_served"], w3.stats["transfers"]) == (7, 0)
    assert result.card("window", 1).stats["transfers"] == 1

    w4 = result.card("window", 4)
    assert w4.item("early_leave").points == -1
    assert w4.item("verified_complaint").evidence[0].id == october.records["complaint"]
    assert "12345" in w4.item("verified_complaint").evidence[0].detail
    assert w4.stats["no_shows"] == 1 and w4.stats["satisfaction_rate"] == 1.0

    ga = result.card("department", "GA")
    average = ga.item("windows_average")
    assert (average.points, average.count) == (94, 2) and [e.id for e in average.evidence] == [1, 2]
    assert average.detail == "1号窗口100分、2号窗口88分，平均94分"
    assert round(ga.stats["satisfaction_rate"], 4) == 0.8889  # its windows' ratings together: 8 of 9
    assert [c.key for c in ga.categories] == ["windows_average"] and ga.score == 94
    mz = result.card("department", "MZ")
    assert [e.id for e in mz.item("windows_average").evidence] == [4]  # S005 of MZ on duty there
    w1 = result.card("window", 1)
    service = next(c for c in w1.categories if c.key == "service")
    assert (service.raw, service.points, service.limited) == (23, 20, "cap")


def test_unrated_tickets_count_when_the_hall_says_so(october):
    """With unrated tickets counted as 满意 (4), window 2's promised case (unrated)
    counts: 5 of 6 satisfied = 83.3% → still 5 points; window 3's seven finishes
    (one of them a transfer's end) give it 7 counted ratings at 100% → 10, no flag."""
    hall = october.hall
    with hall.db.write() as s:
        row = s.get(HallRow, hall.id)
        row.settings = {**row.settings, "ratings": {**row.settings.get("ratings", {}), "unrated_counts_as": 4}}
        s.commit()
    forget_halls()
    with hall.db.read() as s:
        result = month_result(s, hall_context(s, hall.id), YEAR, MONTH, store=False).result
    w2, w3 = result.card("window", 2), result.card("window", 3)
    assert (w2.stats["ratings_counted"], w2.stats["ratings_satisfied"]) == (6, 5)
    assert (w3.stats["ratings_counted"], w3.item("ratings").points) == (7, 0)
    assert "no_ratings" not in [f.key for f in w3.flags]
    forget_halls()


def test_the_hall_picks_its_schemes(october):
    """Windows by the best-window scheme (overdue −3 a working day; late −2; unattended −5;
    no 补办 penalty without notice …), staff still by the county scheme."""
    hall = october.hall
    with hall.db.write() as s:
        set_scheme(s, hall_context(s, hall.id), "window", "window_best", None, "user:duban", local(2025, 11, 3),
                   from_month="2025-10")
        s.commit()
    with hall.db.read() as s:
        result = month_result(s, hall_context(s, hall.id), YEAR, MONTH, store=False).result
    assert result.schemes == {"window": "window_best", "department": "county_window", "staff": "county_window"}
    w2 = result.card("window", 2)
    assert (w2.item("overdue").points, w2.item("late").points) == (-9, -2)
    assert result.selections["best_window"].units  # somebody reached 90
