"""Worked example: seed 004's 窗口单位考核实施细则 (优质服务 60 / 廉洁办公 20 / 工作纪律 20), October 2025.

"采取百分制，只考核到窗口，每月考核一次，年终总评。每月满分为100分。"
Five windows, signed in every working day; tickets served W1 10, W2 20, W3 30, W4 10, W5 40.

W1: a case promised in 3 working days, accepted Thu 9 Oct → due Mon 13 Oct (Sat 11 is a
    make-up workday), finished Wed 15 Oct: 14, 15 → 2 days late; "无故超过办件的承诺时限，每件每
    超过1个工作日扣5分" → −10. A quarrel ("与服务对象争吵的，每次扣5分") −5. City media criticism
    ("区级媒体……批评的扣3分；每提升一级表扬或批评的，增加或加扣3分") −6, counted in 优质服务.
    优质服务 60 − 21 = 39.                                                    → 79
W2: a serious quarrel ("情节严重的，扣10分，取消全年评比'优秀'窗口的资格") −10 → 优质服务 50;
    a gift handed in ("主动上交服务对象所送各种礼物、礼金等，一次加5分") +5 → 廉洁 25, capped at 20. → 90
W3: paused 40 minutes for private business on 20 Oct: "上班时间，各窗口不得无人值守，每发生一次扣5分"
    −5 (纪律 15); district media praise +3.                                   → 98
W4: bribery ("吃、拿、卡、要……一次扣10分……取消全年评比'优秀'窗口资格") −10 (廉洁 10).  → 90
W5: national media praise +12 (3 + 3 × 3): 112, "每月满分为100分".              → 100

Ranks: W5 100, W3 98, W2 90 (20 tickets), W4 90 (10 tickets), W1 79.
Grades (第十三条 优秀 20% of 5 = 1): W5 优秀; W3, W2, W4 良好 (W2 and W4 may take no 优秀 this
year anyway); W1 合格.
"""
import datetime as dt

import pytest

from hallq.assessment import compute_month, load_preset
from tests.assessment import hall
from tests.assessment.hall import at

D = dt.date


@pytest.fixture(scope="module")
def result():
    facts = hall.small_hall(2025, 10)
    for w, served in zip(range(1, 6), (10, 20, 30, 10, 40)):
        hall.serve(facts, w, served, D(2025, 10, 15))
    hall.case(facts, 1, 3, D(2025, 10, 9), D(2025, 10, 15))
    hall.record(facts, "quarrel", window=1)
    hall.record(facts, "media_criticism_city", window=1, kind="media_mention")
    hall.record(facts, "quarrel_serious", window=2)
    hall.record(facts, "gift_handed_in", window=2, kind="other")
    hall.pause(facts, 3, D(2025, 10, 20), at(D(2025, 10, 20), 10), at(D(2025, 10, 20), 10, 40), "私事")
    hall.record(facts, "media_district", window=3, kind="media_mention")
    hall.record(facts, "bribery", window=4, kind="misconduct")
    hall.record(facts, "media_national", window=5, kind="media_mention")
    return compute_month(facts, load_preset("window_unit_004"), hall.HOURS)


def test_scores_ranks_grades(result):
    assert [(c.unit, c.score, c.rank, c.grade) for c in result.cards["window"]] == [
        ("5", 100, 1, "优秀"), ("3", 98, 2, "良好"), ("2", 90, 3, "良好"), ("4", 90, 4, "良好"), ("1", 79, 5, "合格")]
    assert set(result.cards) == {"window"}  # "只考核到窗口"


def test_every_line_as_the_seed_counts_it(result):
    w1 = result.card("window", 1)
    assert [(i.key, i.count, i.points) for i in w1.items] == [
        ("quarrel", 1, -5), ("overdue", 2, -10), ("media_criticism_city", 1, -6)]
    assert [(c.key, c.points) for c in w1.categories] == [
        ("service", 39), ("integrity", 20), ("discipline", 20), ("bonus", 0)]
    w2 = result.card("window", 2)
    integrity = next(c for c in w2.categories if c.key == "integrity")
    assert (integrity.raw, integrity.points, integrity.limited) == (25, 20, "cap")
    assert w2.ineligible_year and w4_lost(result)
    w3 = result.card("window", 3)
    assert (w3.item("unattended").points, w3.item("unattended").evidence[0].type) == (-5, "pause")
    assert w3.bonus_points == 3
    w5 = result.card("window", 5)
    assert (w5.base_points, w5.bonus_points, w5.score) == (100, 12, 100)


def w4_lost(result):
    return "吃、拿、卡、要" in result.card("window", 4).ineligible_year


def test_the_shape_and_its_gaps_are_stated():
    scheme = load_preset("window_unit_004")
    assert [(c.name, c.max) for c in scheme.categories] == [("优质服务", 60), ("廉洁办公", 20), ("工作纪律", 20),
                                                             ("加分", None)]
    assert scheme.max_total == 100 and scheme.scopes == ("window",)
    assert "hallq 的定义" in scheme.note and "未定" in scheme.note
