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
W5: verified bribery: −10 and the year's eligibility is gone (seed 004 窗口单位考核实施细则
    "一次扣10分……取消全年评比'优秀'窗口资格"; 集中受理考核细则 "取消全年评比'最佳服务窗口'资格";
    the best-window rules have no line of their own, and no seed-004 rule zeroes a month).  Score 90.

Ranks: W2 100, W1 98, W4 94, W3 91, W5 90.
最佳服务窗口: 20% of 5 = 1, from those ≥ 90 → W2.
红旗窗口: 18 a month by score, no floor → W2, W1, W4, W3 (W5 has no eligibility).
Grades: 优秀 at most 20% = 1 → W2; W1, W4, W3 良好; W5 良好 (90, and no honours this year).
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
        ("2", 100, 1, "优秀"), ("1", 98, 2, "良好"), ("4", 94, 3, "良好"), ("3", 91, 4, "良好"), ("5", 90, 5, "良好")]


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


def test_bad_conduct_costs_ten_and_the_years_honours(result):
    w5 = result.card("window", 5)
    assert not w5.zeroed and w5.score == 90 and w5.item("bribery").points == -10
    assert w5.ineligible_year and "ineligible" in {f.key for f in w5.flags} and "zeroed" not in {f.key for f in w5.flags}
    assert "红旗窗口" not in w5.selected


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


def test_nobody_reaches_90_so_no_best_window_but_red_flags_all_the_same():
    """Every window broke the rules six times: 纪律 20 − 12 = 8 → 88 each.

    Seed 004 最佳窗口单位评比考核办法: "得分在90分以上名列前茅的窗口单位为最佳服务窗口。
    当月考核均在90分以下最佳服务窗口空缺。" → no best window, and no 优秀 (≥ 90).
    Seed 003 窗口争星: "根据考评得分情况，每月评选18个红旗窗口" — by score, with no
    floor → all five windows (18 places, 5 windows) are red flags at 88.
    Equal scores rank by window number."""
    facts = hall.small_hall(2025, 10)
    for w in range(1, 6):
        hall.record(facts, "rule_violation", window=w, count=6)
    result = compute_month(facts, load_preset("window_best"), hall.HOURS)
    assert [(c.unit, c.score, c.rank, c.grade) for c in result.cards["window"]] == [
        (str(w), 88, w, "良好") for w in range(1, 6)]
    assert result.selections["best_window"].units == []
    assert result.selections["red_flag"].units == ["1", "2", "3", "4", "5"]
    assert all(c.selected == ["红旗窗口"] for c in result.cards["window"])
    scheme = load_preset("window_best")
    assert [(s.key, s.min_score) for s in scheme.selections] == [("best_window", 90), ("red_flag", None)]


def test_red_flags_take_the_first_18_whatever_their_score():
    """Twenty windows; window k broke the rules k times (−2 each, 纪律 floored at 0):
    scores 98, 96, …, 80 for k = 1..10 and 80 for k ≥ 10. Seed 003 "每月评选18个红旗窗口":
    windows 10–20 tie at 80 on score, satisfaction (none rated) and tickets served (none),
    so the window number orders them: windows 1–18 are red flags, 19 and 20 are not,
    though ten of the eighteen have less than 90. Best windows: 20% of 20 = 4, from the
    five at 90 or more (windows 1–5) → windows 1–4."""
    facts = hall.small_hall(2025, 10, n=20)
    for w in range(1, 21):
        hall.record(facts, "rule_violation", window=w, count=w)
    result = compute_month(facts, load_preset("window_best"), hall.HOURS)
    scores = {c.unit: c.score for c in result.cards["window"]}
    assert [scores[str(w)] for w in (1, 2, 5, 9, 10, 20)] == [98, 96, 90, 82, 80, 80]
    assert result.selections["red_flag"].units == [str(w) for w in range(1, 19)]
    assert result.selections["best_window"].units == ["1", "2", "3", "4"]


def test_media_praise_goes_up_three_points_a_level_to_the_national():
    """Seed 004 最佳窗口: "受到新闻媒体表扬的每次加3分，每提高一个档次增加3分" — the levels
    区、市、省、国家 of the same seed's 窗口单位考核实施细则: 3, 6, 9, 12.
    W1 broke the rules ten times (纪律 0 → 80) and was praised by national media: 80 + 12 = 92.
    W2 the same with provincial media: 80 + 9 = 89. W3 with district media, on a full 100: capped at 100."""
    facts = hall.small_hall(2025, 10, n=3)
    for w in (1, 2):
        hall.record(facts, "rule_violation", window=w, count=10)
    hall.record(facts, "media_national", window=1, kind="media_mention")
    hall.record(facts, "media_province", window=2, kind="media_mention")
    hall.record(facts, "media_district", window=3, kind="media_mention")
    result = compute_month(facts, load_preset("window_best"), hall.HOURS)
    assert [(c.unit, c.score) for c in result.cards["window"]] == [("3", 100), ("1", 92), ("2", 89)]
    assert result.card("window", 1).item("media_national").points == 12
    levels = [(r.key, r.points) for r in load_preset("window_best").rules() if r.key.startswith("media_")]
    assert levels == [("media_district", 3), ("media_city", 6), ("media_province", 9), ("media_national", 12)]


def test_volume_beyond_the_top():
    """With the top set to 3: W4 served 20 against the 3rd place's 30 →
    20 × 20/30 = 13.33 (−6.67); W5 served 10 → 6.67 (−13.33)."""
    scheme = load_preset("window_best", {"categories": {"volume": {"top": 3}}})
    result = compute_month(base_hall(), scheme, hall.HOURS)
    assert result.card("window", 3).item("volume").points == 0
    assert result.card("window", 4).item("volume").points == -6.67
    assert result.card("window", 5).item("volume").points == -13.33
    assert result.card("window", 5).score == 86.67
