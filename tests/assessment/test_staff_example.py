"""Worked example: staff under 德能勤绩廉 (seed 004), windows under the best-window preset.

A hall picks one scheme per scope: windows by the best-window preset, staff
by 德20 能20 勤20 绩25 廉15. Staff Sk sits at window k. October 2025.

Windows first (their grade feeds the staff lines 所在窗口不合格 −2 / 月优秀 +2):
  served W5 30, W1 20, W4 10, W2 10, W3 5 (all in the top 10: 20 each).
  W2: S2 late on 13, 14, 15 Oct → 3 × −2 = −6                → 94.
  W3: a case 2 working days late → −6; ten rule violations recorded
      on the window (−20 → 纪律 0) and four missing documents (−20 → 告知 0) → 54.
  W1, W4, W5: 100. Ties at 100 go by satisfaction rate (none rated) and then
  tickets served: W5 (30), W1 (20), W4 (10).
  Grades: 优秀 at most 20% of 5 = 1 → W5; W1, W4, W2 良好; W3 不合格.
Staff:
  S1: a city media mention +6 (附加分)                             → 106.
  S2: late three times −6 (勤 14)                                  → 94.
  S3: window 不合格 −2, two bad ratings −2, 2 days late × −3 = −6:
      绩 25 − 10 = 15                                              → 90.
  S4: bribery −10 and a fee violation −5 (廉 0); four absences −20 (勤 0);
      five consultations without one-time notice −10 (能 10)       → 55.
  S5: a serious quarrel, entered as −5 (德 15); a thanks letter +2;
      window 优秀 +2                                               → 99.
  Ranks S1, S5, S2, S3, S4. 优秀 at most 15% of 5 = 0, at least one → S1;
  S5, S2 and S3 (exactly 90) fall to 称职; S4 不称职.
  S4 was 不称职 last month too → flagged: two months running.
"""
import datetime as dt

import pytest

from hallq.assessment import History, compute_month, load_preset
from tests.assessment import hall
from tests.assessment.hall import at

D = dt.date


@pytest.fixture(scope="module")
def facts():
    f = hall.small_hall(2025, 10)
    for w, served in ((5, 30), (1, 20), (4, 10), (2, 10), (3, 5)):
        hall.serve(f, w, served, D(2025, 10, 16))
    hall.record(f, "media_city", staff="S1", kind="media_mention")
    for day in (13, 14, 15):
        hall.move_session(f, 2, D(2025, 10, day), start=at(D(2025, 10, day), 9, 10))
    hall.case(f, 3, 3, D(2025, 10, 9), D(2025, 10, 15))
    hall.rate(f, 3, [1, 2], D(2025, 10, 16))
    hall.record(f, "rule_violation", window=3, count=10)
    hall.record(f, "missing_document", window=3, count=4)
    hall.record(f, "bribery", staff="S4", kind="misconduct")
    hall.record(f, "fee_violation", staff="S4")
    hall.record(f, "absent", staff="S4", count=4)
    hall.record(f, "consultation", staff="S4", count=5)
    hall.record(f, "quarrel", staff="S5", points=-5)
    hall.record(f, "thanks_letter", staff="S5", kind="praise_letter")
    return f


def plan():
    return {"window": load_preset("window_best"), "staff": load_preset("staff_de_neng_qin_ji_lian")}


def test_windows_first(facts):
    result = compute_month(facts, plan(), hall.HOURS)
    assert [(c.unit, c.score, c.rank, c.grade) for c in result.cards["window"]] == [
        ("5", 100, 1, "优秀"), ("1", 100, 2, "良好"), ("4", 100, 3, "良好"), ("2", 94, 4, "良好"), ("3", 54, 5, "不合格")]
    assert "department" not in result.cards  # no scheme was picked for departments


def test_staff_scores_grades_ranks(facts):
    result = compute_month(facts, plan(), hall.HOURS)
    assert [(c.unit, c.score, c.rank, c.grade) for c in result.cards["staff"]] == [
        ("S1", 106, 1, "优秀"), ("S5", 99, 2, "称职"), ("S2", 94, 3, "称职"), ("S3", 90, 4, "称职"),
        ("S4", 55, 5, "不称职")]
    s3 = result.card("staff", "S3")
    assert [(i.key, i.points) for i in s3.items] == [("overdue", -6), ("dissatisfied", -2), ("window_failed", -2)]
    assert s3.item("window_failed").evidence[0].id == 3
    s5 = result.card("staff", "S5")
    assert (s5.item("window_excellent").points, s5.bonus_points) == (2, 4)
    s4 = result.card("staff", "S4")
    assert [(c.key, c.points) for c in s4.categories] == [
        ("de", 20), ("neng", 10), ("qin", 0), ("ji", 25), ("lian", 0), ("extra", 0)]
    assert not any(f.key == "two_months_unfit" for f in s4.flags)


def test_two_months_running_unfit(facts):
    history = History(grades={("staff", "S4"): ("称职", "不称职"), ("staff", "S2"): ("不称职",)})
    result = compute_month(facts, plan(), hall.HOURS, history)
    s4 = result.card("staff", "S4")
    flag = next(f for f in s4.flags if f.key == "two_months_unfit")
    assert "调离中心" in flag.message
    assert not any(f.key == "two_months_unfit" for f in result.card("staff", "S2").flags)


def test_history_from_stored_cards(facts):
    """The lead stores scorecards as JSON; the next month reads them back."""
    from hallq.assessment import history_from_cards
    september = [{"month": "2025-09", "scope": "staff", "unit": "S4", "grade": "不称职", "ineligible_year": None}]
    result = compute_month(facts, plan(), hall.HOURS, history_from_cards(september, 2025))
    assert any(f.key == "two_months_unfit" for f in result.card("staff", "S4").flags)
