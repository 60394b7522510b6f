"""Worked example: seed 002's 麦积区 scheme, October 2025: windows by maiji_window, staff by maiji_staff.

Clerk Sk at window k. Each unit starts at 100 (the source's split is missing; see the presets).

S1: signed in at 09:10 on 13, 14 and 15 Oct: "无故迟到、早退、离岗的每次扣2分" −6; "上班期间禁止
    饮酒……违者扣3分" −3.                                                    → 91
S2: a serious quarrel, "情节严重的，扣5分" −5, and "向中介机构介绍业务……每次扣10分" −10; both are
    第二十一条 lines: "违反本《办法》第二十一条规定的" → no honours this year.   → 85
S3: a case late this month, two earlier in the year: "年超期办件3件以上" → no honours (the line
    itself deducts nothing: the overdue articles are missing); the 40-minute pause at window 3
    (below) is S3's "离岗" −2; written thanks +2.                               → 100
W1: "窗口工作人员违反本《办法》被扣5分的，扣该部门窗口2分，以此类推": S1 lost 9 → one step → −2;
    a complaint the centre forwarded answered 3 days late, "每逾期1天扣4分" → −12.   → 86
W2: S2 lost 15 → three steps → −6; "将承诺件改为即办件的，每项加5分" +5.         → 99
W3: paused 40 minutes for private business: "上班时间窗口无人值守、无人接件的每次扣5分" −5;
    S3 lost 2, short of 5 → nothing carried; "受新闻媒体……表扬的……每件加3分" +3.   → 98
Windows W2 99, W3 98, W1 86. Staff S3 100, S1 91, S2 85. No grades (missing from the source).
"""
import datetime as dt

import pytest

from hallq.assessment import History, compute_month, load_preset
from hallq.assessment.facts import ItemMadeImmediate
from tests.assessment import hall
from tests.assessment.hall import at

D = dt.date


@pytest.fixture(scope="module")
def result():
    facts = hall.small_hall(2025, 10, n=3)
    for day in (13, 14, 15):
        hall.move_session(facts, 1, D(2025, 10, day), start=at(D(2025, 10, day), 9, 10))
    hall.record(facts, "drinking", staff="S1")
    hall.record(facts, "complaint_reply_late", window=1, count=3)
    hall.record(facts, "attitude_quarrel", staff="S2", points=-5, kind="verified_complaint")
    hall.record(facts, "intermediary", staff="S2", kind="misconduct")
    # 承诺件改为即办件: the admin log's change of an item of D2, credited to its window unit W2.
    facts.items_made_immediate.append(ItemMadeImmediate(900, "D2X", "某事项", 5, D(2025, 10, 10), "user:admin", "D2", 2))
    hall.case(facts, 3, 3, D(2025, 10, 9), D(2025, 10, 16))
    hall.record(facts, "thanks", staff="S3", kind="praise_letter")
    hall.pause(facts, 3, D(2025, 10, 20), at(D(2025, 10, 20), 10), at(D(2025, 10, 20), 10, 40), "私事")
    hall.record(facts, "media", window=3, kind="media_mention")
    history = History(counts={("staff", "S3", "overdue_case"): 2})
    return compute_month(facts, {"window": load_preset("maiji_window"), "staff": load_preset("maiji_staff")},
                         hall.HOURS, history)


def test_scores(result):
    assert [(c.unit, c.score, c.grade) for c in result.cards["window"]] == [("2", 99, None), ("3", 98, None),
                                                                             ("1", 86, None)]
    assert [(c.unit, c.score) for c in result.cards["staff"]] == [("S3", 100), ("S1", 91), ("S2", 85)]


def test_staff_deductions_carry_to_their_window(result):
    w1, w2, w3 = (result.card("window", k) for k in (1, 2, 3))
    carried = w1.item("staff_deducted")
    assert (carried.count, carried.points, carried.evidence[0].id) == (1, -2, "S1")
    assert "被扣9分" in carried.evidence[0].detail
    assert (w2.item("staff_deducted").count, w2.item("staff_deducted").points) == (3, -6)
    assert w3.item("staff_deducted") is None and result.card("staff", "S3").item("off_post").points == -2
    assert (w1.item("complaint_reply_late").count, w1.item("complaint_reply_late").points) == (3, -12)


def test_honours_lost_by_the_rules_and_by_counts(result):
    s2 = result.card("staff", "S2")
    assert s2.ineligible_year and "第二十一条" not in s2.ineligible_year  # the line's name is the reason
    s3 = result.card("staff", "S3")
    flag = next(f for f in s3.flags if f.key == "three_overdue")
    assert flag.message == "年超期办件3件以上，取消评优资格（本年累计3次：超期办件（计件，用于第二十五条；扣分条文缺失，本行不扣分））"
    assert s3.ineligible_year == "年超期办件3件以上，取消评优资格"
    assert result.card("staff", "S1").ineligible is None
