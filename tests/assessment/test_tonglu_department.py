"""Worked example: seed 000's 桐庐 department assessment, October 2025, seven departments.

第五条 "设基本分100分、附加分10分（详见附件一）"; 第六条 "月度红旗进驻部门（5个）。按月度考核得分
从高到低排列确定". Annex 1 is not in the seed, so the supervisors enter each deduction and
addition as Annex 1 gives it. Department Dk has window k.

D1: 业务服务 −3                                      → 97
D2: 作风纪律 −5; 附加分 +6 and +6 = 12, at most 10      → 105
D3: nothing                                          → 100
D4: 工作评议 −20                                     → 80
D5: 附加分 +4                                        → 104
D6: 业务服务 −1                                      → 99
D7: 作风纪律 −2                                      → 98
Ranks D2, D5, D3, D6, D7, D1, D4; the five red-flag departments: D2, D5, D3, D6, D7.
年度优秀进驻部门 (6) "经中心考核工作领导小组综合评议确定": not by score; every department
assessed in the year and not barred is a candidate.
"""
import pytest

from hallq.assessment import compute_month, load_preset, vote_candidates
from tests.assessment import hall


@pytest.fixture(scope="module")
def result():
    facts = hall.small_hall(2025, 10, n=7)
    hall.record(facts, "service_work", window=1, points=-3)
    hall.record(facts, "conduct", window=2, points=-5)
    hall.record(facts, "extra_points", window=2, points=6, kind="other")
    hall.record(facts, "extra_points", window=2, points=6, kind="other")
    hall.record(facts, "evaluation", window=4, points=-20)
    hall.record(facts, "extra_points", window=5, points=4, kind="other")
    hall.record(facts, "service_work", window=6, points=-1)
    hall.record(facts, "conduct", window=7, points=-2)
    return compute_month(facts, {"department": load_preset("tonglu_department")}, hall.HOURS)


def test_scores_ranks_and_five_red_flags(result):
    assert [(c.unit, c.score, c.rank) for c in result.cards["department"]] == [
        ("D2", 105, 1), ("D5", 104, 2), ("D3", 100, 3), ("D6", 99, 4), ("D7", 98, 5), ("D1", 97, 6), ("D4", 80, 7)]
    assert result.selections["red_flag_department"].units == ["D2", "D5", "D3", "D6", "D7"]


def test_additional_points_stop_at_ten(result):
    d2 = result.card("department", "D2")
    extra = next(c for c in d2.categories if c.key == "extra")
    assert (extra.raw, extra.points, extra.limited) == (12, 10, "cap")
    assert sum(i.takes for i in d2.items) == d2.score - 100


def test_the_year_is_the_committees(result):
    scheme = load_preset("tonglu_department")
    vote = scheme.votes[0]
    assert (vote.title, vote.min_count, vote.max_count, vote.candidates_from) == ("年度优秀进驻部门", 6, 6, None)
    assert vote_candidates(2025, [result], scheme, "excellent_department") == [f"D{k}" for k in range(1, 8)]
    assert "附件一" in scheme.note and scheme.settings.department_score == "own"
