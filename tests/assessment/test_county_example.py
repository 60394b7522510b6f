"""Worked example: the county window scheme (seed 000 篇二) over October 2025.

The bonuses are the staff's, and uncapped (篇二 (五)): "有下列情况之一的，工作人员在
月度考评时可加分：1、为群众排忧解难……加2分，20元；2、……合理化建议被采纳的加2分……；
4、……媒体表扬的每次加2分，20元；省级部门表扬每次加3分，50元；国家级部门及媒体表扬
每次加5分，100元。" No cap is set there (the 10-point 附加分 is 桐庐's, seed 000 第五条).

October 2025 on the official calendar: 1–8 October is the National Day
holiday, Saturday 11 October is a make-up workday (调休). Five windows, one
department and one clerk each, all signed in 08:55–18:05 every working day
except where said. Computed by hand from the scheme:

Window 1 (40 tickets served): 20 ratings, all 非常满意 → 100% → 10/10.
  A praise record worth +3 in 服务质量: 20 + 3 = 23, capped at 20.
  A media praise (+2) in 奖励分: S1's, not the window's.   Score 100 (S1: 102).
Window 2 (40 served): 20 ratings, 19 satisfied and one 不满意 → 95% → 8 (−2).
  Signed in at 09:07 on Mon 13 Oct → late, −1 (工作纪律 29).
  A promised case accepted Thu 9 Oct for 3 working days: due 9+3 working
  days = Fri 10, Sat 11 (make-up), Mon 13 → due 13 Oct; finished Thu 16 Oct:
  working days after the 13th through the 16th = 14, 15, 16 → 3 days late,
  3 × −2 = −6 (办件管理 9).                          Score 100 − 1 − 2 − 6 = 91.
Window 3 (30 served): 10 ratings, 8 satisfied, 2 bad → 80% → 5 (−5).
  A citizen came back twice after a 补办 without a one-time notice → −3.
  Paused 10:00–10:40 on 20 Oct "私事" (not an allowed reason) → one
  unattended spell of 40 min > 15 → −1.              Score 100 − 5 − 3 − 1 = 91.
Window 4 (25 served): no ratings → full 10, flagged "no ratings".
  Inspection finding −20 and a verified complaint −5: 服务质量 20 − 25 → floor 0.
  Signed out 17:30 on Fri 31 Oct → early leave −1; off task recorded for
  2 people → −4 (工作纪律 25).                       Score 100 − 20 − 5 = 75.
Window 5 (20 served): 10 ratings all satisfied → 10.
  Bribery (−15, entry-set, removes the year's eligibility) and 10 half-day
  absences (−2 × 10): 工作纪律 30 − 35 → floor 0 (−30).
  A promised case accepted Mon 27 Oct for 2 days → due Wed 29; open at
  month end: 30, 31 Oct → 2 days late → −4 (办件管理 11).
  Two extra charges (−5 × 2): 收费管理 5 − 10 → floor 0 (−5).
  Bonuses 2+2+2+2+3 = 11: S5's, uncapped.          Score 100 − 30 − 4 − 5 = 61 (S5: 72).

Ranks: 100 (W1), 91 (W2, 95%), 91 (W3, 80%), 75 (W4), 61 (W5): 1, 2, 3, 4, 5.
Grades (优秀 ≥ 90 at most 20% of 5 = 1; 良好 ≥ 80; 合格 ≥ 60):
  W1 优秀; W2 and W3 reach 90 but the quota is full → 良好; W4 合格; W5 合格.
Staff (one clerk per window, same facts): the windows' scores plus their bonuses:
  S1 102, S2 91, S3 91, S4 75, S5 72; 优秀 at most 15% of 5 = 0, at least one → S1 优秀;
  S2, S3, S4 称职; S5 基本称职.
Departments (one window each, the average of their windows): D1 100 … D5 61.
"""
import datetime as dt
import json

import pytest

from hallq.assessment import Appeal, compute_month, load_preset
from tests.assessment import hall
from tests.assessment.hall import at

D = dt.date


@pytest.fixture(scope="module")
def october():
    facts = hall.small_hall(2025, 10)
    busy = D(2025, 10, 15)
    for w, served in zip(range(1, 6), (40, 40, 30, 25, 20)):
        hall.serve(facts, w, served, busy)
    # window 1
    hall.rate(facts, 1, [5] * 20, busy)
    hall.record(facts, "praise", window=1, staff="S1", points=3, kind="praise_letter")
    hall.record(facts, "media_praise", window=1, staff="S1", kind="media_mention")
    # window 2
    hall.rate(facts, 2, [5] * 10 + [4] * 5 + [3] * 4 + [2], busy)
    hall.move_session(facts, 2, D(2025, 10, 13), start=at(D(2025, 10, 13), 9, 7))
    case2 = hall.case(facts, 2, 3, D(2025, 10, 9), D(2025, 10, 16))
    # window 3
    hall.rate(facts, 3, [5] * 6 + [3] * 2 + [2, 1], busy)
    visit3 = hall.repeat_visit(facts, 3, returns=2)
    hall.repeat_visit(facts, 3, returns=1)                # once is not "two or more times"
    hall.repeat_visit(facts, 3, returns=3, notice=True)   # the notice listed everything
    pause3 = hall.pause(facts, 3, D(2025, 10, 20), at(D(2025, 10, 20), 10), at(D(2025, 10, 20), 10, 40), "私事")
    # window 4
    hall.record(facts, "inspection", window=4, staff="S4")
    hall.record(facts, "verified_complaint", window=4, staff="S4", kind="verified_complaint")
    hall.move_session(facts, 4, D(2025, 10, 31), end=at(D(2025, 10, 31), 17, 30))
    hall.record(facts, "off_task", window=4, staff="S4", count=2)
    # window 5
    hall.rate(facts, 5, [4] * 10, busy)
    bribery = hall.record(facts, "bribery", window=5, staff="S5", points=-15, kind="misconduct")
    hall.record(facts, "absent_half_day", window=5, staff="S5", count=10)
    case5 = hall.case(facts, 5, 2, D(2025, 10, 27), None)
    hall.record(facts, "fee_extra", window=5, staff="S5", count=2)
    for item in ("special_help", "suggestion", "activity_honour", "media_praise", "provincial_praise"):
        hall.record(facts, item, window=5, staff="S5", kind="other")
    return {"facts": facts, "case2": case2, "case5": case5, "visit3": visit3, "pause3": pause3,
            "bribery": bribery}


@pytest.fixture(scope="module")
def result(october):
    return compute_month(october["facts"], load_preset("county_window"), hall.HOURS)


def test_window_scores_grades_and_ranks(result):
    cards = result.cards["window"]
    assert [(c.unit, c.score, c.rank, c.grade) for c in cards] == [
        ("1", 100, 1, "优秀"), ("2", 91, 2, "良好"), ("3", 91, 3, "良好"), ("4", 75, 4, "合格"), ("5", 61, 5, "合格")]


def test_every_point_has_its_evidence(result, october):
    w2 = result.card("window", 2)
    late = w2.item("late")
    assert (late.count, late.points) == (1, -1)
    assert late.evidence[0].type == "session" and "7分钟" in late.evidence[0].detail
    overdue = w2.item("overdue")
    assert (overdue.count, overdue.points) == (3, -6)
    assert overdue.evidence[0].id == october["case2"].ticket
    assert october["case2"].due_on == D(2025, 10, 13)  # the make-up Saturday is a working day
    sat = w2.item("ratings")
    assert sat.points == -2 and "19/20 = 95.0%" in sat.detail and len(sat.evidence) == 1
    assert w2.stats["satisfaction_rate"] == 0.95

    w3 = result.card("window", 3)
    assert w3.item("repeat_visit").count == 1
    assert w3.item("repeat_visit").evidence[0].id == october["visit3"].supplement_ticket
    off = w3.item("off_post")
    assert off.points == -1 and off.evidence[0].type == "pause" and off.evidence[0].id == october["pause3"].id
    assert w3.item("ratings").points == -5

    w5 = result.card("window", 5)
    overdue5 = w5.item("overdue")
    assert (overdue5.count, overdue5.points) == (2, -4) and "月末未办结" in overdue5.evidence[0].detail
    assert w5.item("bribery").evidence[0].id == october["bribery"].id


def test_caps_and_floors(result):
    w1 = result.card("window", 1)
    service = next(c for c in w1.categories if c.key == "service")
    assert (service.raw, service.points, service.limited) == (23, 20, "cap")
    assert w1.bonus_points == 0 and w1.item("media_praise") is None
    assert result.card("staff", "S1").item("media_praise").points == 2

    w4 = result.card("window", 4)
    service = next(c for c in w4.categories if c.key == "service")
    assert (service.raw, service.points, service.limited) == (-5, 0, "floor")
    assert [f.key for f in w4.flags] == ["no_ratings"]
    assert w4.item("ratings").points == 0

    w5 = result.card("window", 5)
    discipline = next(c for c in w5.categories if c.key == "discipline")
    assert (discipline.raw, discipline.points) == (-5, 0)
    business = next(c for c in w5.categories if c.key == "business")
    assert [(p.key, p.points) for p in business.parts] == [
        ("case_management", 11), ("case_results", 10), ("fees", 0), ("computer", 5), ("hall_item", 5)]
    bonus = next(c for c in w5.categories if c.key == "bonus")
    assert (bonus.raw, bonus.points, bonus.limited) == (0, 0, None)
    s5 = result.card("staff", "S5")
    bonus = next(c for c in s5.categories if c.key == "bonus")
    assert (bonus.raw, bonus.points, bonus.limited, s5.bonus_points) == (11, 11, None, 11)
    assert w5.ineligible_year and "ineligible" in [f.key for f in w5.flags]


def test_staff_and_departments(result):
    staff = result.cards["staff"]
    assert [(c.unit, c.score, c.rank, c.grade) for c in staff] == [
        ("S1", 102, 1, "优秀"), ("S2", 91, 2, "称职"), ("S3", 91, 3, "称职"), ("S4", 75, 4, "称职"),
        ("S5", 72, 5, "基本称职")]
    depts = result.cards["department"]
    assert [(c.unit, c.score, c.rank) for c in depts] == [("D1", 100, 1), ("D2", 91, 2), ("D3", 91, 3),
                                                         ("D4", 75, 4), ("D5", 61, 5)]


def test_an_appeal_changes_the_rank(october):
    """Window 3 appeals the repeat-visit deduction (the citizen had been told
    everything in writing); the decision removes it: 91 + 3 = 94, ahead of window 2."""
    facts = october["facts"]
    facts_after = type(facts)(**{f: getattr(facts, f) for f in facts.__dataclass_fields__})
    facts_after.appeals = [Appeal(1, "window", "3", "repeat_visit", "removed", "材料补齐通知书已一次列明",
                                  "考核小组", at(D(2025, 11, 5), 10))]
    after = compute_month(facts_after, load_preset("county_window"), hall.HOURS)
    w3 = after.card("window", 3)
    assert (w3.score, w3.rank) == (94, 2)
    assert after.card("window", 2).rank == 3
    item = w3.item("repeat_visit")
    assert (item.points, item.computed_points) == (0, -3)
    assert item.appeal["decision"] == "removed" and item.appeal["decided_by"] == "考核小组"
    # an upheld appeal is kept on the card and changes nothing
    facts_after.appeals = [Appeal(2, "window", "3", "repeat_visit", "upheld", "属实", "考核小组",
                                  at(D(2025, 11, 5), 10))]
    upheld = compute_month(facts_after, load_preset("county_window"), hall.HOURS).card("window", 3)
    assert (upheld.score, upheld.item("repeat_visit").appeal["decision"]) == (91, "upheld")


def test_adjusted_points(october):
    """The hall halves late arrivals (−0.5) and caps bonuses at 5 (its own rule, as 桐庐 caps at 10):
    W2 = 100 − 0.5 − 2 − 6 = 91.5; S5 = 100 − 30 − 4 − 5 + 5 = 66."""
    scheme = load_preset("county_window", {"categories": {"discipline": {"rules": {"late": {"points": -0.5}}},
                                                          "bonus": {"max": 5}}})
    adjusted = compute_month(october["facts"], scheme, hall.HOURS)
    assert adjusted.card("window", 2).score == 91.5
    assert adjusted.card("staff", "S5").score == 66


def test_json_shape_for_the_api(result):
    body = json.loads(json.dumps(result.to_dict("window"), ensure_ascii=False))
    assert body["month"] == "2025-10" and body["scheme"] == "county_window"
    first = body["scorecards"][0]
    assert {"score", "grade", "rank", "items", "categories", "stats", "flags"} <= set(first)
    assert all({"points", "evidence"} <= set(item) for card in body["scorecards"] for item in card["items"])
    assert "满意率" in body["definitions"]["satisfaction_rate"]
    assert "调休" in body["definitions"]["days_late"]
    one = json.loads(json.dumps(result.card_dict("window", 3), ensure_ascii=False))
    assert one["unit"] == "3" and "15分钟" in one["definitions"]["attendance"]


def test_fines_and_rewards_in_yuan_beside_the_points(result):
    """篇二 also sets money: "缺勤半天的，每人次扣2分并分别给予每人次10元处罚"; 吃拿卡要 "扣除当月奖励
    150元"; bonuses "加2分，20元 … 省级部门表扬每次加3分，50元". Recorded beside the points, never in them.
    W2: late once → 10元 fine. W5: ten half-day absences → 100元, bribery → 150元: −250元.
    S5 also takes the rewards 20 + 20 + 20 + 20 + 50 = 130元: −250 + 130 = −120元."""
    w2 = result.card("window", 2)
    assert (w2.item("late").yuan, w2.yuan, w2.score) == (-10, -10, 91)
    w5 = result.card("window", 5)
    assert [(i.key, i.yuan) for i in w5.items if i.yuan] == [("absent_half_day", -100), ("bribery", -150)]
    assert w5.yuan == -250
    s5 = result.card("staff", "S5")
    assert (s5.yuan, s5.score) == (-120, 72)
    assert s5.to_dict()["yuan"] == -120 and s5.to_dict()["items"][0]["yuan"] is not None
