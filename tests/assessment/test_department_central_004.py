"""Worked example: seed 004's 集中受理行政审批事项考核细则, departments scored on their own facts.

`department_score = "own"`: every fault of the department, its windows' and its staff's,
against its hundred. Small hall, October 2025: department Dk has window k and clerk Sk.

D1: "承诺件超期办结的，每件扣2分" — per case, not per day: a case promised in 3 working days
    from Thu 9 Oct, due Mon 13 Oct, finished Thu 16 Oct (3 days late) → −2; a case due Wed
    29 Oct still open at month end → −2; a case due in September and finished 10 Oct was
    counted in September → nothing now. A verified complaint ("经查实，每次扣5分") −5.
    服务质量 25 − 9 = 16 → 91. "由承诺件改为即办件的，每项加5分" +5.            → 96
D2: six approvals accepted by the department itself ("每件扣5分") −30: 纳入中心受理 25 → 0. → 75
    Two verified letters of thanks ("每件加1分") +2.                            → 77
D3: "吃、拿、卡、要……一次扣2分……取消全年评比'最佳服务窗口'资格" −2 (人员管理 8), no
    honours this year; the review group finds guidance short of "每周到窗口研究、指导工作不少于
    2次" and enters −4 (the source gives no scale).                              → 94
Ranks: D1 96, D3 94, D2 77. The seed sets no grades.
Year (October alone, monthly average, no 民主测评): window 1 is 优秀 for the year →
"部门在政务服务中心的窗口年终被评为优秀的，加5分": D1 96 + 5 = 101; D3 94; D2 77.
"""
import datetime as dt

import pytest

from hallq.assessment import compute_month, compute_year, load_preset
from tests.assessment import hall

D = dt.date


@pytest.fixture(scope="module")
def result():
    facts = hall.small_hall(2025, 10, n=3)
    late = hall.case(facts, 1, 3, D(2025, 10, 9), D(2025, 10, 16))
    assert late.due_on == D(2025, 10, 13)
    still_open = hall.case(facts, 1, 2, D(2025, 10, 27), None)
    assert still_open.due_on == D(2025, 10, 29)
    earlier = hall.case(facts, 1, 2, D(2025, 9, 24), D(2025, 10, 10))
    assert earlier.due_on < D(2025, 10, 1)
    hall.record(facts, "verified_complaint", window=1, kind="verified_complaint")
    hall.record(facts, "promised_to_immediate", window=1, kind="other")
    hall.record(facts, "self_accepted", window=2, count=6)
    hall.record(facts, "thanks", window=2, kind="praise_letter", count=2)
    hall.record(facts, "bribery", window=3, staff="S3", kind="misconduct")
    hall.record(facts, "guidance_short", window=3, points=-4)
    return compute_month(facts, {"department": load_preset("department_central_004")}, hall.HOURS)


def test_scores_and_ranks(result):
    assert [(c.unit, c.score, c.rank, c.grade) for c in result.cards["department"]] == [
        ("D1", 96, 1, None), ("D3", 94, 2, None), ("D2", 77, 3, None)]


def test_overdue_is_counted_per_case(result):
    d1 = result.card("department", "D1")
    overdue = d1.item("overdue_case")
    assert (overdue.count, overdue.points, len(overdue.evidence)) == (2, -4, 2)
    assert "超期3个工作日" in overdue.evidence[0].detail and "月末未办结" in overdue.evidence[1].detail
    assert (d1.base_points, d1.bonus_points) == (91, 5)
    assert "一件只在它开始超期的那个月计一次" in result.definitions["department"]["days_late"]


def test_floors_and_lost_honours(result):
    d2 = result.card("department", "D2")
    part = next(c for c in d2.categories if c.key == "items_in_centre")
    assert (part.raw, part.points, part.limited) == (-5, 0, "floor")
    d3 = result.card("department", "D3")
    assert d3.ineligible_year and d3.item("guidance_short").points == -4


def test_the_year_carries_the_windows_excellent(result):
    scheme = load_preset("department_central_004")
    assert scheme.settings.department_score == "own"
    year = compute_year(2025, [result], scheme, {}, "department", window_grades={"1": "优秀", "2": "良好", "3": "良好"},
                        unit_windows={"D1": [1], "D2": [2], "D3": [3]})
    assert [(c.unit, c.monthly_average, c.window_points, c.score) for c in year] == [
        ("D1", 96, 5, 101), ("D3", 94, 0, 94), ("D2", 77, 0, 77)]
    assert [f.key for f in year[0].flags] == ["window_grade_points"]
