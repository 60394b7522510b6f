"""Worked example: best windows and red flags (seed 004 / seed 003 preset) over October 2025.

Five windows, 100 points in five parts of 20 each; the total is capped at
100 ("每月满分为100分"). Tickets served 50/40/30/20/10: all in the top 10, so
办件量 gives everyone 20. Computed by hand:

W1: three promised cases finished early —
    10 days promised, accepted Mon 13 Oct, done Thu 16 Oct: used 14, 15, 16 =
    3 days → 70% faster → +8; 4 days, accepted 20 Oct, done 22 Oct: used 2 →
    exactly 50% → +8; 10 days, accepted 13 Oct, done 23 Oct: used 8 → 20% → +1.5.
    时限 20 + 17.5 → capped at 20. Late on 14 Oct → −2 (纪律 18).      Score 98.
W2: a case 1 working day late (due Mon 13 Oct, done Tue 14 Oct) → −3; a case
    10 days promised, accepted 20 Oct, done 28 Oct: used 6 → 40% → +5:
    时限 20 − 3 + 5 = 22 → 20. A banner (锦旗) +5 → 105, capped at 100.   Score 100.
W3: cases 2 and 1 working days late → 3 × −3 = −9 (时限 11).             Score 91.
W4: a quarrel −5 and a curt answer −3 (态度 12); a thanks letter +2.    Score 94.
W5: verified bribery: the month scores 0 and the year's eligibility is gone.  Score 0.

Ranks: W2 100, W1 98, W4 94, W3 91, W5 0.
最佳服务窗口: 20% of 5 = 1, from those ≥ 90 → W2.
红旗窗口: 18 a month, ≥ 90 → W2, W1, W4, W3 (W5 has 0 and no eligibility).
Grades: 优秀 at most 20% = 1 → W2; W1, W4, W3 良好; W5 不合格.
"""
import dataclasses
import datetime as dt

import pytest

from hallq.assessment import compute_month, load_preset
from tests.assessment import hall
from tests.assessment.hall import at

D = dt.date


def base_hall():
    facts = hall.small_hall(2025, 10)
    for w, served in zip(range(1, 6), (50, 40, 30, 20, 10)):
        hall.serve(facts, w, served, D(2025, 10, 15))
    return facts


@pytest.fixture(scope="module")
def october():
    facts = base_hall()
    hall.case(facts, 1, 10, D(2025, 10, 13), D(2025, 10, 16))
    hall.case(facts, 1, 4, D(2025, 10, 20), D(2025, 10, 22))
    hall.case(facts, 1, 10, D(2025, 10, 13), D(2025, 10, 23))
    hall.move_session(facts, 1, D(2025, 10, 14), start=at(D(2025, 10, 14), 9, 20))
    hall.case(facts, 2, 3, D(2025, 10, 9), D(2025, 10, 14))
    hall.case(facts, 2, 10, D(2025, 10, 20), D(2025, 10, 28))
    hall.record(facts, "banner", window=2, kind="praise_letter")
    hall.case(facts, 3, 3, D(2025, 10, 9), D(2025, 10, 15))
    hall.case(facts, 3, 2, D(2025, 10, 20), D(2025, 10, 23))
    hall.record(facts, "quarrel", window=4, staff="S4")
    hall.record(facts, "curt", window=4, staff="S4")
    hall.record(facts, "thanks_letter", window=4, kind="praise_letter")
    hall.record(facts, "bribery", window=5, staff="S5", kind="misconduct")
    return facts


@pytest.fixture(scope="module")
def result(october):
    return compute_month(october, load_preset("window_best"), hall.HOURS)


def test_scores_ranks_grades(result):
    assert [(c.unit, c.score, c.rank, c.grade) for c in result.cards["window"]] == [
        ("2", 100, 1, "优秀"), ("1", 98, 2, "良好"), ("4", 94, 3, "良好"), ("3", 91, 4, "良好"), ("5", 0, 5, "不合格")]


def test_best_window_and_red_flags(result):
    assert result.selections["best_window"].units == ["2"]
    assert result.selections["best_window"].quota == 1
    assert result.selections["red_flag"].units == ["2", "1", "4", "3"]
    assert result.card("window", 2).selected == ["最佳服务窗口", "红旗窗口"]
    assert result.card("window", 3).selected == ["红旗窗口"]


def test_speed_bonus_bands_and_overdue(result):
    w1 = result.card("window", 1)
    assert (w1.item("faster_50").count, w1.item("faster_50").points) == (2, 16)
    assert (w1.item("faster_20").count, w1.item("faster_20").points) == (1, 1.5)
    assert w1.item("faster_30") is None
    timeliness = next(c for c in w1.categories if c.key == "timeliness")
    assert (timeliness.raw, timeliness.points, timeliness.limited) == (37.5, 20, "cap")
    w2 = result.card("window", 2)
    assert (w2.item("overdue").points, w2.item("faster_30").points) == (-3, 5)
    assert (w2.base_points, w2.bonus_points, w2.score) == (100, 5, 100)
    w3 = result.card("window", 3)
    assert (w3.item("overdue").count, w3.item("overdue").points) == (3, -9)


def test_bad_conduct_zeroes_the_month(result):
    w5 = result.card("window", 5)
    assert w5.zeroed and w5.score == 0
    assert w5.ineligible_year and {"zeroed", "ineligible"} <= {f.key for f in w5.flags}


def test_lost_eligibility_passes_the_honour_on(october):
    """W2 is found charging against the rules (违规收费: no points, no honours
    this month): the best window goes to W1, the next at or above 90."""
    facts = dataclasses.replace(october, records=list(october.records))
    hall.record(facts, "fee_violation", window=2)
    result = compute_month(facts, load_preset("window_best"), hall.HOURS)
    assert result.card("window", 2).score == 100
    assert result.selections["best_window"].units == ["1"]
    assert result.card("window", 2).grade == "良好"  # 优秀 is an honour too
    assert result.card("window", 1).grade == "优秀"


def test_nobody_reaches_90_so_nobody_is_chosen():
    """Every window broke the rules six times: 纪律 20 − 12 = 8 → 88 each.
    No best window, no red flag, no 优秀; equal scores rank by window number."""
    facts = hall.small_hall(2025, 10)
    for w in range(1, 6):
        hall.record(facts, "rule_violation", window=w, count=6)
    result = compute_month(facts, load_preset("window_best"), hall.HOURS)
    assert [(c.unit, c.score, c.rank, c.grade) for c in result.cards["window"]] == [
        (str(w), 88, w, "良好") for w in range(1, 6)]
    assert result.selections["best_window"].units == []
    assert result.selections["red_flag"].units == []
    assert all(c.selected == [] for c in result.cards["window"])


def test_volume_beyond_the_top():
    """With the top set to 3: W4 served 20 against the 3rd place's 30 →
    20 × 20/30 = 13.33 (−6.67); W5 served 10 → 6.67 (−13.33)."""
    scheme = load_preset("window_best", {"categories": {"volume": {"top": 3}}})
    result = compute_month(base_hall(), scheme, hall.HOURS)
    assert result.card("window", 3).item("volume").points == 0
    assert result.card("window", 4).item("volume").points == -6.67
    assert result.card("window", 5).item("volume").points == -13.33
    assert result.card("window", 5).score == 86.67
