"""How departments are scored (departments.py), worked by hand under the county scheme.

县公安局 (GA) has windows 1–3, 县市场监督管理局 (SJ) window 4; 县民政局 (MZ) and 县政府办 (ZF)
have no window and nobody of theirs worked. Every window is signed in every working day and
has no ratings (full 10, flagged); October 2025 has 18 working days. Supervisors' records: window 1 off task three times
(−2 × 3 = −6 → 94), window 2 twice (−4 → 96), window 3 no badge five times (−1 × 5 → 95),
and GA itself once without a badge on its desk (−1, named to the department).

- average (the default): GA = (94 + 96 + 95) / 3 = 95, − 1 of its own = 94; SJ = 100.
  MZ and ZF: not assessed, never 优秀. Ranks SJ, GA; 优秀 at most 20% of 2 = 0, at least
  one → SJ; GA 良好 (94 is above 90, but the quota is taken).
- own: every fault of the department against its hundred: GA = 100 − 6 − 4 − 5 − 1 = 84.
- none: no department takes a score's rank or grade.
"""
from __future__ import annotations

import dataclasses

from hallq.assessment import compute_month, load_preset
from hallq.assessment.facts import DepartmentInfo, MonthFacts, Service, SessionSpan, StaffInfo, SupervisorRecord, WindowInfo
from tests.assessment import hall
from tests.assessment.hall import HOURS, at


def facts() -> MonthFacts:
    f = MonthFacts(2025, 10)
    for code, name in (("GA", "县公安局"), ("SJ", "县市场监督管理局"), ("MZ", "县民政局"), ("ZF", "县政府办")):
        f.departments.append(DepartmentInfo(code, name))
    for k, dept in ((1, "GA"), (2, "GA"), (3, "GA"), (4, "SJ")):
        f.windows.append(WindowInfo(k, f"{k}号窗口", dept))
        f.staff.append(StaffInfo(f"S{k}", f"工作人员{k}", dept, k))
    f.staff.append(StaffInfo("S9", "民政人员", "MZ"))
    day, n = f.first_day, 0
    while day <= f.last_day:
        if HOURS.is_workday(day):
            for k in range(1, 5):
                n += 1
                f.sessions.append(SessionSpan(n, k, f"S{k}", at(day, 8, 55), at(day, 18, 5)))
        day = day.fromordinal(day.toordinal() + 1)
    hall.record(f, "off_task", window=1, count=3)
    hall.record(f, "off_task", window=2, count=2)
    hall.record(f, "no_badge", window=3, count=5)
    f.records.append(SupervisorRecord(900, "inspection_finding", "no_badge", "部门桌牌缺失 督查记录", "督查股张三",
                                      at(f.first_day, 9), department="GA"))
    return f


def county(**settings):
    return load_preset("county_window", {"settings": settings} if settings else None)


def rows(cards):
    return [(c.unit, c.score, c.rank, c.grade, c.not_assessed) for c in cards]


def test_a_department_is_the_average_of_its_windows_plus_its_own_records():
    result = compute_month(facts(), county(), HOURS)
    assert [(c.unit, c.score) for c in result.cards["window"]] == [("4", 100), ("2", 96), ("3", 95), ("1", 94)]
    depts = rows(result.cards["department"])
    assert depts[:2] == [("SJ", 100, 1, "优秀", None), ("GA", 94, 2, "良好", None)]
    # No window to average: 0, and not assessed, with the reason on the card.
    assert {(u, s, r, g) for u, s, r, g, why in depts[2:]} == {("MZ", 0, None, None), ("ZF", 0, None, None)}
    assert all(why for *_, why in depts[2:])
    ga = result.card("department", "GA")
    average = ga.item("windows_average")
    assert (average.points, average.count, [e.id for e in average.evidence]) == (95, 3, [1, 2, 3])
    assert average.detail == "1号窗口94分、2号窗口96分、3号窗口95分，平均95分"
    assert ga.item("no_badge").points == -1 and ga.item("off_task") is None  # the windows' faults are in their scores
    assert [(c.key, c.points) for c in ga.categories] == [("windows_average", 95), ("department_records", -1)]
    assert sum(c.points for c in ga.categories) == ga.score


def test_a_department_scheme_counts_every_fault_of_the_department():
    result = compute_month(facts(), county(department_score="own"), HOURS)
    assert result.card("department", "GA").score == 84
    assert result.card("department", "GA").item("off_task").count == 5


def test_a_scheme_may_not_assess_departments():
    result = compute_month(facts(), county(department_score="none"), HOURS)
    cards = result.cards["department"]
    assert all(c.rank is None and c.grade is None and c.not_assessed == "本考核办法不考核部门" for c in cards)
    assert result.card("window", 4).rank == 1  # windows unaffected


def test_a_unit_short_of_the_schemes_minimum_takes_no_grade():
    """With at least 1 ticket served asked for, only window 4 (which served one) is ranked and graded;
    the others are told why. Departments follow: GA has no assessed window left."""
    f = facts()
    f.services.append(Service(1, 4, "S4", at(f.first_day.replace(day=9), 10), "immediate"))
    result = compute_month(f, county(min_tickets_served=1), HOURS)
    windows = {c.unit: c for c in result.cards["window"]}
    assert (windows["4"].rank, windows["4"].grade) == (1, "优秀")
    assert windows["1"].rank is None and windows["1"].not_assessed == (
        "本月出勤18天、办件0件，未达考核最低要求（出勤0天、办件1件），不参加考核")
    assert result.card("department", "GA").not_assessed == "本部门本月没有参加考核的窗口，不参加考核"
    assert result.card("department", "SJ").rank == 1
    days = compute_month(dataclasses.replace(f), county(min_attended_days=19), HOURS)
    assert all(c.not_assessed for c in days.cards["window"])  # 18 working days signed in, 19 asked
