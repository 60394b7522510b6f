"""The annual roll-up (seed 003): 60% monthly average + 40% 民主测评; the
年度红旗窗口 title to 50% of windows; lost eligibility keeps a window out.

Hand computation (three months stored as scorecards):
  W1: 95, 90, 100 → average 95;  民主测评 90  → 0.6·95 + 0.4·90  = 57 + 36 = 93
  W2: 80, 85, 90  → 85;          95           → 51 + 38          = 89
  W3: 95, 95, 95  → 95;          100          → 57 + 40          = 97,
      but in August a verified bribery took away the year's eligibility
  W4: 70, 80, 90  → 80;          60           → 48 + 24          = 72
Ranks: W3 97, W1 93, W2 89, W4 72.
Title: 50% of 4 = 2, eligible only → W1 and W2.
Grades: 优秀 ≥ 90 at most 20% of 4 = 0, at least one, eligible → W1;
  W3 (97) falls to 良好; W2 良好; W4 合格.
"""

import pytest

from hallq.assessment import compute_month, compute_year, load_preset
from tests.assessment import hall

SCORES = {1: (95, 90, 100), 2: (80, 85, 90), 3: (95, 95, 95), 4: (70, 80, 90)}


def stored():
    cards = []
    for w, scores in SCORES.items():
        for month, score in zip(("2025-07", "2025-08", "2025-09"), scores):
            lost = "吃拿卡要，经查实" if (w == 3 and month == "2025-08") else None
            cards.append({"month": month, "scope": "window", "unit": str(w), "number": w, "name": f"{w}号窗口",
                          "score": score, "grade": None, "ineligible_year": lost})
    cards.append({"month": "2024-12", "scope": "window", "unit": "1", "number": 1, "name": "1号窗口",
                  "score": 0, "grade": None, "ineligible_year": "去年的事"})  # another year: ignored
    return cards


def test_sixty_forty_and_the_title():
    year = compute_year(2025, stored(), load_preset("window_best"), {"1": 90, "2": 95, "3": 100, "4": 60})
    assert [(c.unit, c.monthly_average, c.score, c.rank, c.grade, c.title) for c in year] == [
        ("3", 95, 97, 1, "良好", None),
        ("1", 95, 93, 2, "优秀", "年度红旗窗口"),
        ("2", 85, 89, 3, "良好", "年度红旗窗口"),
        ("4", 80, 72, 4, "合格", None),
    ]
    w3 = year[0]
    assert w3.ineligible.startswith("2025-08") and w3.months == {"2025-07": 95, "2025-08": 95, "2025-09": 95}


def test_missing_democratic_score_is_flagged_and_keeps_the_title_away():
    year = compute_year(2025, stored(), load_preset("window_best"), {"2": 95, "3": 100, "4": 60})
    w1 = next(c for c in year if c.unit == "1")
    assert (w1.score, w1.title) == (57, None)
    assert [f.key for f in w1.flags] == ["no_democratic_score"]
    assert [c.unit for c in year if c.title] == ["2", "4"]


def test_from_month_results_with_bribery_and_a_zeroed_month():
    """Two computed months: in the second W5 is found taking bribes. Under the preset (seed 004:
    −10 and no honours this year) its October is 90: average (100 + 90) / 2 = 95, year
    0.6 × 95 + 0.4 × 80 = 89, and it cannot take the title. A hall whose own rule zeroes the
    month for it (`zeroes = "month"`) gets (100 + 0) / 2 = 50: a zeroed month counts as 0."""
    for overrides, average in ((None, 95), ({"categories": {"discipline": {"rules": {"bribery": {"zeroes": "month"}}}}},
                                            50)):
        scheme = load_preset("window_best", overrides)
        months = []
        for month in (9, 10):
            facts = hall.small_hall(2025, month)
            if month == 10:
                hall.record(facts, "bribery", window=5, kind="misconduct")
            months.append(compute_month(facts, scheme, hall.HOURS))
        dem = {str(w): 80 for w in range(1, 6)}
        year = compute_year(2025, months, scheme, dem)
        w5 = next(c for c in year if c.unit == "5")
        assert (w5.monthly_average, w5.score, w5.title) == (average, 0.6 * average + 0.4 * 80, None)
        assert [c.unit for c in year if c.title] == ["1", "2"]  # 50% of 5 = 2; ties at 100 go by number


def test_a_scheme_without_a_year():
    with pytest.raises(ValueError, match="no annual"):
        compute_year(2025, [], load_preset("county_window"), {})
