"""Seed 004's staff rules the 德能勤绩廉 preset had wrong or lacked, worked by hand.

Staff Sk sits at window k of the small hall (October 2025, full attendance); the staff
scheme alone (no window scheme, so no window-grade lines fire in the month).
"""
import datetime as dt

from hallq.assessment import compute_month, compute_year, history_from_cards, load_preset
from tests.assessment import hall

D = dt.date


def staff_only():
    return {"staff": load_preset("staff_de_neng_qin_ji_lian")}


def test_one_missing_one_time_notice_costs_two_points_once():
    """窗口工作人员考核实施细则 (二)能 1: "不能及时、准确的回答服务对象咨询内容的并做到一次性告知，
    每次扣2分。" One sentence, one deduction per time.

    S1: a citizen came back twice after a 补办 whose notice missed a document → 能 −2 → 98.
    The preset had this twice (a record line "…并做到一次性告知" and the system's repeat-visit
    line); now the record line is for answers only, the notice is the system's line alone.
    S2: a question answered wrongly, recorded by a supervisor → 能 −2 → 98."""
    facts = hall.small_hall(2025, 10, n=2)
    hall.repeat_visit(facts, 1, returns=2)
    hall.record(facts, "consultation", staff="S2")
    result = compute_month(facts, staff_only(), hall.HOURS)
    s1, s2 = result.card("staff", "S1"), result.card("staff", "S2")
    assert (s1.score, [(i.key, i.points) for i in s1.items]) == (98, [("repeat_visit", -2)])
    assert (s2.score, [(i.key, i.points) for i in s2.items]) == (98, [("consultation", -2)])
    scheme = load_preset("staff_de_neng_qin_ji_lian")
    neng = next(c for c in scheme.categories if c.key == "neng")
    notice = [r for r in neng.rules if "一次性告知" in r.name.split("（")[0]]
    assert [(r.key, r.source, r.points) for r in notice] == [("repeat_visit", "case.repeat_visit", -2)]


def test_two_verified_complaints_in_a_row_send_the_person_back():
    """政务服务中心服务窗口与工作人员考核办法 第十五条: "窗口单位工作人员连续两次被投诉并经组织
    查实的或连续两个月考核为不称职等次的，立即调离中心回原单位待岗。"

    Verified complaints are the lines 德2 "由于服务态度不好，引起投诉的，每次扣2分" and 绩1
    "办理服务项目出现差错……引起投诉的扣6分"; counted over the year (the seed sets no period).
    S1: one attitude complaint in September, a case-error complaint in October: 绩 −6 → 94;
        the second verified complaint → flagged.
    S2: two attitude complaints in October: 德 −4 → 96 → flagged.
    S3: one attitude complaint in October, none before: 德 −2 → 98 → not flagged.
    S4: a complaint in September only: 100, nothing this month → not flagged."""
    facts = hall.small_hall(2025, 10, n=4)
    hall.record(facts, "case_error_complaint", staff="S1", kind="verified_complaint")
    hall.record(facts, "attitude_complaint", staff="S2", kind="verified_complaint", count=2)
    hall.record(facts, "attitude_complaint", staff="S3", kind="verified_complaint")
    september = [{"month": "2025-09", "scope": "staff", "unit": unit, "grade": "称职", "ineligible_year": None,
                  "items": [{"key": "attitude_complaint", "count": 1, "appeal": None}]} for unit in ("S1", "S4")]
    result = compute_month(facts, staff_only(), hall.HOURS, history_from_cards(september, 2025))
    assert [(c.unit, c.score) for c in result.cards["staff"]] == [("S4", 100), ("S3", 98), ("S2", 96), ("S1", 94)]
    flagged = {c.unit: [f.message for f in c.flags if f.key == "two_verified_complaints"]
               for c in result.cards["staff"]}
    assert flagged["S1"] == ["连续两次被投诉并经组织查实，调离中心回原单位待岗（本年累计2次：办件差错引起投诉，每次扣6分）"]
    assert len(flagged["S2"]) == 1 and "本年累计2次" in flagged["S2"][0]
    assert flagged["S3"] == [] and flagged["S4"] == []
    # An earlier complaint removed on appeal does not count.
    september[0]["items"][0]["appeal"] = {"decision": "removed"}
    again = compute_month(facts, staff_only(), hall.HOURS, history_from_cards(september, 2025))
    assert not any(f.key == "two_verified_complaints" for f in again.card("staff", "S1").flags)


def test_window_excellent_for_the_year_gives_its_staff_ten_points():
    """(四)绩 4: "所在窗口月考核为不合格等次的，每人扣2分，获月优秀的，每月另加2分，获优秀的，
    每人加10分。" — "获优秀" without 月: the window's grade for the year.

    S1 (window 1) and S2 (window 2) scored 90 and 100 in two months → average 95; 民主测评 80
    for both: 0.6 × 95 + 0.4 × 80 = 57 + 32 = 89. Window 1 is 优秀 for the year → S1 89 + 10 = 99;
    window 2 良好 → S2 89."""
    cards = [{"month": m, "scope": "staff", "unit": u, "number": u, "name": u, "score": score, "grade": None,
              "ineligible_year": None}
             for u in ("S1", "S2") for m, score in (("2025-09", 90), ("2025-10", 100))]
    year = compute_year(2025, cards, load_preset("staff_de_neng_qin_ji_lian"), {"S1": 80, "S2": 80}, "staff",
                        window_grades={"1": "优秀", "2": "良好"}, unit_windows={"S1": [1], "S2": [2]})
    assert [(c.unit, c.monthly_average, c.window_points, c.score, c.rank) for c in year] == [
        ("S1", 95, 10, 99, 1), ("S2", 95, 0, 89, 2)]
    assert [f.message for f in year[0].flags] == ["所在窗口年度考核获优秀，每人加10分：1号窗口年度优秀，+10分"]
