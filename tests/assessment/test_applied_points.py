"""A card shows each line as it was applied after caps and floors, and the lines add up to the score.

Seen on a hall: an overdue case cost "−16" on the card where the 办件管理 section
(15 points under the county scheme, seed 000 篇二) had only 15 to lose, so −15 was
applied; the bulletin's list of deductions did not add up to the score.
"""
from __future__ import annotations

import datetime as dt

from hallq.assessment import compute_month, load_preset
from tests.assessment.hall import HOURS, case, record, small_hall


def month(facts):
    return compute_month(facts, load_preset("county_window"), HOURS)


def test_a_deduction_beyond_what_its_section_has_left_shows_what_it_took():
    facts = small_hall(2025, 11, n=2)
    # Promised 1 working day, accepted Mon 3 November: due Tue 4th, finished Fri 14th:
    # 5, 6, 7, 10, 11, 12, 13, 14 → 8 working days late × −2 = −16 in a section of 15.
    case(facts, 1, 1, dt.date(2025, 11, 3), dt.date(2025, 11, 14))
    card = month(facts).card("window", "1")
    overdue = card.item("overdue")
    assert (overdue.points, overdue.takes) == (-16, -15)
    assert card.to_dict()["items"][0]["applied"] == -15
    section = next(p for c in card.categories for p in c.parts if p.key == overdue.section)
    assert (section.raw, section.points, section.limited) == (-1, 0, "floor")
    assert card.score == 85


def test_a_bonus_beyond_its_cap_shows_only_what_was_given_and_every_card_adds_up():
    facts = small_hall(2025, 11, n=2)
    # Two praise letters of +5 in 服务质量 (20 points, full already): nothing beyond the cap is given.
    record(facts, "praise", window=2, points=5, kind="praise_letter")
    record(facts, "praise", window=2, points=5, kind="praise_letter")
    case(facts, 1, 1, dt.date(2025, 11, 3), dt.date(2025, 11, 14))
    result = month(facts)
    praise = result.card("window", "2").item("praise")
    assert praise.points == 10 and praise.takes == 0
    for card in result.cards["window"] + result.cards["staff"]:
        full = sum(c.max for c in load_preset("county_window").categories if c.kind != "bonus")
        assert round(full + sum(i.takes for i in card.items), 6) == card.score, card.unit
