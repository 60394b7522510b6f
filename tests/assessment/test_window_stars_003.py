"""Worked example: seed 003's 窗口争星 scheme, October 2025, twenty windows (clerk Sk at window k).

"工作窗口(50分)" and "窗口单位(50分)", each floored at zero. Windows 4 and 6–20 have nothing
against them: 100.
W1: signed in at 09:10 on 13 and 14 Oct: "迟到、早退、缺岗每人次扣3分" −6; "刁难、歧视服务对象发现
    一人次扣5分" −5 → 工作窗口 39; "分管领导每月到窗口办公少于一次的扣3分" → 窗口单位 47.  → 86
W2: "不挂牌……发现一人次扣2分" −2, then "吃、拿、卡、要、报的" — "有下列行为之一的本月工作窗口不得分":
    工作窗口 0 (the misconduct line takes the 48 left), 窗口单位 50.                  → 50
W3: two cases past their promise ("未在承诺期限内办结事项的每件次扣3分", per case) −6; a citizen
    back twice after a 补办 ("审批和服务不实行一次性告知的一次扣3分") −3 → 工作窗口 41; the
    county's electronic supervision docked 2.5 → 窗口单位 47.5.                   → 88.5
W5: "窗口空岗半天以上的每次扣5分" twice −10 and "不公开、无服务指南扣5分" −5 → 窗口单位 35.  → 85
Red flags, "每月评选18个红旗窗口" by score with no floor: the sixteen at 100 (by window number),
then W3 88.5 and W1 86; W5 (85) and W2 (50) are out.
服务明星 "在获得红旗窗口的工作人员中投票推选", 4–6 a year: with October alone, the candidates are
the clerks of the eighteen red-flag windows.
"""
import datetime as dt

import pytest

from hallq.assessment import compute_month, load_preset, vote_candidates
from tests.assessment import hall
from tests.assessment.hall import at

D = dt.date


@pytest.fixture(scope="module")
def result():
    facts = hall.small_hall(2025, 10, n=20)
    for day in (13, 14):
        hall.move_session(facts, 1, D(2025, 10, day), start=at(D(2025, 10, day), 9, 10))
    hall.record(facts, "obstruct", window=1, staff="S1")
    hall.record(facts, "leader_absent", window=1)
    hall.record(facts, "dress", window=2, staff="S2")
    hall.record(facts, "misconduct", window=2, staff="S2", kind="misconduct")
    hall.case(facts, 3, 3, D(2025, 10, 9), D(2025, 10, 16))
    hall.case(facts, 3, 2, D(2025, 10, 27), None)
    hall.repeat_visit(facts, 3, returns=2)
    hall.record(facts, "e_supervision", window=3, points=-2.5)
    hall.record(facts, "post_empty_half_day", window=5, count=2)
    hall.record(facts, "not_published", window=5)
    return compute_month(facts, load_preset("window_stars_003"), hall.HOURS)


def test_scores_and_red_flags(result):
    scores = {c.unit: c.score for c in result.cards["window"]}
    assert [scores[str(w)] for w in (1, 2, 3, 4, 5, 6, 20)] == [86, 50, 88.5, 100, 85, 100, 100]
    clean = ["4"] + [str(w) for w in range(6, 21)]
    assert result.selections["red_flag"].units == clean + ["3", "1"]
    assert [c.grade for c in result.cards["window"]] == [None] * 20  # the seed sets no grades


def test_misconduct_zeroes_the_window_half_only(result):
    w2 = result.card("window", 2)
    assert [(c.key, c.points, c.limited) for c in w2.categories] == [
        ("work_window", 0, "zeroed"), ("window_unit", 50, None)]
    assert [(i.key, i.points, i.takes) for i in w2.items] == [("dress", -2, -2), ("misconduct", 0, -48)]
    assert sum(i.takes for i in w2.items) == w2.score - 100
    assert not w2.zeroed and any(f.key == "zeroed_category" and f.message.startswith("工作窗口本月不得分")
                                 for f in w2.flags)


def test_lines_as_the_seed_counts_them(result):
    w1 = result.card("window", 1)
    assert (w1.item("late").count, w1.item("late").points) == (2, -6)
    w3 = result.card("window", 3)
    assert [(i.key, i.count, i.points) for i in w3.items] == [
        ("overdue", 2, -6), ("repeat_visit", 1, -3), ("e_supervision", 1, -2.5)]
    w5 = result.card("window", 5)
    assert [(c.key, c.points) for c in w5.categories] == [("work_window", 50), ("window_unit", 35)]


def test_service_star_candidates(result):
    scheme = load_preset("window_stars_003")
    star = scheme.votes[0]
    assert (star.title, star.min_count, star.max_count, star.candidates_from) == ("服务明星", 4, 6, "red_flag")
    staff_windows = {f"S{k}": k for k in range(1, 21)}
    assert vote_candidates(2025, [result], scheme, "service_star", staff_windows) == sorted(
        ["S1", "S3", "S4"] + [f"S{k}" for k in range(6, 21)])
    assert (scheme.annual.monthly_weight, scheme.annual.democratic_weight, scheme.annual.title_percent) == (0.6, 0.4, 50)


def test_dual_target_year_end_shares_by_the_centre_s_findings():
    """(三)"结合政府'双目标'责任制考核评分说明", 2025, five windows of seven departments.

    Window annual scores, "月评实际得分占年评总分值的60%；民主测评得分占总分值的40%":
      W1 (D1): months 90, 100 → 95; 民主测评 80: 0.6 × 95 + 0.4 × 80 = 57 + 32 = 89
      W2 (D2): 80, 80 → 80; 90: 48 + 36 = 84      W3 (D2): 100, 100; 100: 100
      W4 (D3): 70, 90 → 80; 70: 48 + 28 = 76      W5 (D6): 100, 100; 100: 100
    A department's total is its windows' average. The centre's findings:
      D1 "应进尽进……据实评分": 89 × 1 = 89
      D2 "能纳入中心的职能没有完全纳入……得总分的二分之一": (84 + 100) / 2 = 92 → 46
      D3 "只能提供咨询服务的……得总分的四分之一": 76 → 19
      D4 "应在中心设窗口而未在设置窗口的……不得分": no window → 0
      D5 "没有行政审批职能……依照政府综合意见评分": no figure from hallq
      D6 found "未设置窗口" but has window 5: no figure, the centre is asked to check
      D7 no finding yet: no figure"""
    from hallq.assessment import compute_year
    from hallq.assessment.dual_target import dual_target

    scheme = load_preset("window_stars_003")
    months = {"1": (90, 100), "2": (80, 80), "3": (100, 100), "4": (70, 90), "5": (100, 100)}
    cards = [{"month": f"2025-{m:02d}", "scope": "window", "unit": w, "number": int(w), "name": f"{w}号窗口",
              "score": score, "grade": None, "ineligible_year": None}
             for w, scores in months.items() for m, score in zip((10, 11), scores)]
    year = compute_year(2025, cards, scheme, {"1": 80, "2": 90, "3": 100, "4": 70, "5": 100})
    assert {c.unit: c.score for c in year} == {"1": 89, "2": 84, "3": 100, "4": 76, "5": 100}
    departments = {f"D{k}": f"部门{k}" for k in range(1, 8)}
    out = dual_target(scheme, year, departments, {"D1": [1], "D2": [2, 3], "D3": [4], "D6": [5]},
                      {"D1": "full", "D2": "partial", "D3": "consult_only", "D4": "no_window", "D5": "government",
                       "D6": "no_window"})
    assert [(c.department, c.finding, c.share, c.total, c.score) for c in out] == [
        ("D1", "full", 1, 89, 89), ("D2", "partial", 0.5, 92, 46), ("D3", "consult_only", 0.25, 76, 19),
        ("D4", "no_window", 0, None, 0), ("D5", "government", None, None, None),
        ("D6", "no_window", None, 100, None), ("D7", None, None, None, None)]
    notes = {c.department: c.note for c in out}
    assert notes["D5"] == "依照政府综合意见评分，hallq 不计"
    assert notes["D6"].endswith("请中心核实") and notes["D7"].startswith("中心尚未认定")
    assert out[1].to_dict()["window_scores"] == {"2": 84, "3": 100}
    with pytest.raises(ValueError, match="no 双目标 class 'all'"):
        dual_target(scheme, year, departments, {}, {"D1": "all"})
