"""Ranks, ties and quotas (DOMAIN.md "Definitions hallq uses")."""
import datetime as dt
from types import SimpleNamespace

from hallq.assessment import compute_month, load_preset
from hallq.assessment.ranking import assign_ranks, grade_of, pick, quota_size
from tests.assessment import hall

D = dt.date


def ranked(*ranks):
    return [SimpleNamespace(name=f"u{i}", rank=r) for i, r in enumerate(ranks)]


def test_quota_is_a_share_of_those_assessed_rounded_down():
    assert quota_size(5, 20) == 1
    assert quota_size(9, 20) == 1      # 1.8 → 1
    assert quota_size(10, 15) == 1     # 1.5 → 1
    assert quota_size(20, 15) == 3
    assert quota_size(60, 20) == 12
    assert quota_size(4, 15) == 0      # "at least one" is applied when picking
    assert quota_size(60, None, 18) == 18


def test_pick_takes_whole_rank_groups_and_at_least_one():
    units = ranked(1, 2, 2, 4, 5)
    assert [u.name for u in pick(units, lambda u: True, 2)] == ["u0"]            # the tie at 2 does not fit
    assert [u.name for u in pick(units, lambda u: True, 3)] == ["u0", "u1", "u2"]
    assert [u.name for u in pick(units, lambda u: True, 0)] == ["u0"]            # at least one
    assert [u.name for u in pick(ranked(1, 1, 3), lambda u: True, 1)] == ["u0", "u1"]  # the best group, tied
    assert pick(units, lambda u: False, 3) == []                                   # nobody qualifies
    assert [u.name for u in pick(units, lambda u: u.rank > 2, 1)] == ["u3"]       # floors first, then the quota


def test_grade_bands_include_their_lower_bound():
    bands = load_preset("staff_de_neng_qin_ji_lian").grade_bands("staff")
    assert [grade_of(s, bands) for s in (100, 90, 89.99, 75, 74.5, 60, 59.5, 0)] == [
        "优秀", "优秀", "称职", "称职", "基本称职", "基本称职", "不称职", "不称职"]


def test_competition_ranking():
    units = [SimpleNamespace(k=k, rank=None) for k in (3, 1, 1, 2)]
    out = assign_ranks(units, key=lambda u: (u.k,))
    assert [(u.k, u.rank) for u in out] == [(1, 1), (1, 1), (2, 3), (3, 4)]


def equal_hall():
    """Three windows with the same month: 10 tickets and 10 satisfied ratings each."""
    facts = hall.small_hall(2025, 10, n=3)
    for w in (1, 2, 3):
        hall.serve(facts, w, 10, D(2025, 10, 15))
        hall.rate(facts, w, [5] * 10, D(2025, 10, 15))
    return facts


def test_tie_breaks_in_order():
    """Equal scores go by satisfaction rate, then tickets served, then number.

    First: all score 100 with 100% satisfied; W2 served 11 → W2, W1, W3.
    Then (the staff): S2 served 20 but has one 不满意 (10/11 = 90.9% → 8 points, −2) and a
    media praise (+2, a staff bonus in 篇二): still 100, yet behind S1 and S3 on satisfaction."""
    facts = equal_hall()
    hall.serve(facts, 2, 1, D(2025, 10, 16))
    result = compute_month(facts, load_preset("county_window"), hall.HOURS)
    assert [(c.unit, c.score, c.rank) for c in result.cards["window"]] == [("2", 100, 1), ("1", 100, 2), ("3", 100, 3)]

    facts = equal_hall()
    hall.serve(facts, 2, 10, D(2025, 10, 16))
    hall.rate(facts, 2, [2], D(2025, 10, 16))
    hall.record(facts, "media_praise", window=2, staff="S2", kind="media_mention")
    result = compute_month(facts, load_preset("county_window"), hall.HOURS)
    s2 = result.card("staff", "S2")
    assert (s2.item("ratings").points, s2.bonus_points, s2.score) == (-2, 2, 100)
    assert [(c.unit, c.rank) for c in result.cards["staff"]] == [("S1", 1), ("S3", 2), ("S2", 3)]


def test_equal_on_every_key_shares_the_rank():
    """Departments have no number, so three equal departments share rank 1;
    20% of 3 is 0, at least one: the tied best group is 优秀 together."""
    result = compute_month(equal_hall(), load_preset("county_window"), hall.HOURS)
    assert [(c.unit, c.rank) for c in result.cards["department"]] == [("D1", 1), ("D2", 1), ("D3", 1)]
    assert [c.grade for c in result.cards["department"]] == ["优秀"] * 3
    # windows differ by number
    assert [c.rank for c in result.cards["window"]] == [1, 2, 3]


def test_a_hall_may_rank_without_the_window_number():
    scheme = load_preset("county_window", {"settings": {"rank_by": ["score", "satisfaction_rate", "tickets_served"]}})
    facts = equal_hall()
    hall.record(facts, "untidy", window=3)  # W3: 99
    result = compute_month(facts, scheme, hall.HOURS)
    assert [(c.unit, c.score, c.rank) for c in result.cards["window"]] == [("1", 100, 1), ("2", 100, 1), ("3", 99, 3)]
