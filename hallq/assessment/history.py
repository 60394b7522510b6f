"""What earlier months pass on to this one: their grades (for flags such as
two months running 不称职) and eligibility lost for the year."""
from __future__ import annotations

import datetime as dt
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
    dated: dict[tuple[Scope, str], list[tuple[dt.date, str, str, int]]] = defaultdict(list)
    for c in rows:
        key = (c["scope"], str(c["unit"]))
        grades[key].append(c.get("grade"))
        for item in c.get("items", ()):  # dated records, whatever the year (a 22-working-day span may cross it)
            if item.get("count") and (item.get("appeal") or {}).get("decision") != "removed":
                dated[key].extend((dt.date.fromisoformat(e["on"]), e.get("kind", ""), item["key"], e.get("times", 1))
                                  for e in item.get("evidence", ()) if e.get("type") == "record" and e.get("on"))
        if year is None or c["month"].startswith(f"{year:04d}-"):
            if c.get("ineligible_year"):
                ineligible.setdefault(key, f"{c['month']}：{c['ineligible_year']}")
            for item in c.get("items", ()):
                if item.get("count") and (item.get("appeal") or {}).get("decision") != "removed":
                    counts[(*key, item["key"])] += item["count"]
    return History(grades={k: tuple(v) for k, v in grades.items()}, ineligible=ineligible, counts=dict(counts),
                   dated={k: tuple(v) for k, v in dated.items()})


def history_from_results(results: Iterable[MonthResult], year: int | None = None) -> History:
    return history_from_cards((card.to_dict() for r in results for cards in r.cards.values() for card in cards),
                              year)
