"""What earlier months pass on to this one: their grades (for flags such as
two months running 不称职) and eligibility lost for the year."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from hallq.assessment.facts import History, Scope
from hallq.assessment.scorecard import MonthResult


def history_from_cards(cards: Iterable[Mapping[str, Any]], year: int | None = None) -> History:
    """From stored scorecards (`Scorecard.to_dict()` rows) of earlier months.

    Grades are kept in month order; eligibility lost for the year counts only
    within `year` (default: every card given).
    """
    rows = sorted(cards, key=lambda c: c["month"])
    grades: dict[tuple[Scope, str], list[str]] = defaultdict(list)
    ineligible: dict[tuple[Scope, str], str] = {}
    counts: dict[tuple[Scope, str, str], float] = defaultdict(float)
    for c in rows:
        key = (c["scope"], str(c["unit"]))
        grades[key].append(c.get("grade"))
        if year is None or c["month"].startswith(f"{year:04d}-"):
            if c.get("ineligible_year"):
                ineligible.setdefault(key, f"{c['month']}：{c['ineligible_year']}")
            for item in c.get("items", ()):
                if item.get("count") and (item.get("appeal") or {}).get("decision") != "removed":
                    counts[(*key, item["key"])] += item["count"]
    return History(grades={k: tuple(v) for k, v in grades.items()}, ineligible=ineligible, counts=dict(counts))


def history_from_results(results: Iterable[MonthResult], year: int | None = None) -> History:
    return history_from_cards((card.to_dict() for r in results for cards in r.cards.values() for card in cards),
                              year)
