"""Ranks, quotas and grades over a scope's scorecards.

- Ranks: by score, then satisfaction rate, then tickets served, then window
  (or staff) number; units equal on every key share the rank (1, 1, 3).
- Quotas ("at most 15% 优秀", "about 20% best windows"): the percentage of
  those assessed, rounded down, at least one when anyone qualifies;
  qualifying floors apply first. Units sharing a rank are taken together or
  not at all, so "at most" holds, except that the best group is always taken
  when anyone qualifies.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any


def rank_key(values: dict[str, Any], keys: Sequence[str]) -> tuple:
    """Sort key, best first. A month without counted ratings sorts below any rate;
    a unit without a number ties on that key."""
    out: list[Any] = []
    for k in keys:
        v = values.get(k)
        if k == "number":
            out.append((0, v) if v is not None else (1, 0))
        elif k == "satisfaction_rate":
            out.append(-v if v is not None else 1.0)
        else:
            out.append(-(v or 0))
    return tuple(out)


def assign_ranks(items: list, key: Callable[[Any], tuple]) -> list:
    """Sort best first and set `.rank` (competition ranking: ties share)."""
    ordered = sorted(items, key=key)
    prev, rank = None, 0
    for i, it in enumerate(ordered, 1):
        k = key(it)
        if k != prev:
            rank, prev = i, k
        it.rank = rank
    return ordered


def quota_size(assessed: int, percent: float | None = None, count: int | None = None) -> int:
    if count is not None:
        return count
    return math.floor(assessed * percent / 100 + 1e-9)


def pick(ranked: list, qualifies: Callable[[Any], bool], quota: int) -> list:
    """The best qualifying units within the quota, whole rank groups only."""
    candidates = [c for c in ranked if qualifies(c)]
    if not candidates:
        return []
    groups: list[list] = []
    for c in candidates:
        if groups and groups[-1][0].rank == c.rank:
            groups[-1].append(c)
        else:
            groups.append([c])
    chosen: list = []
    for group in groups:
        if len(chosen) + len(group) > max(quota, 1):
            break
        chosen.extend(group)
    return chosen or groups[0]


def grade_of(score: float, bands: Sequence) -> str:
    for band in bands:
        if score >= band.min:
            return band.name
    return bands[-1].name


def assign_grades(ranked: list, bands: Sequence, honours_allowed: Callable[[Any], bool]) -> None:
    """Set `.grade` by score bands; a band with a quota keeps only the best that
    fit it (and may take honours), the rest fall to the next band."""
    if not bands:
        return
    names = [b.name for b in bands]
    for card in ranked:
        card.grade = grade_of(card.score, bands)
    for i, band in enumerate(bands[:-1]):
        if band.quota_percent is None:
            continue
        inside = [c for c in ranked if c.grade == band.name]
        keep = set(map(id, pick(inside, honours_allowed, quota_size(len(ranked), band.quota_percent))))
        for c in inside:
            if id(c) not in keep:
                c.grade = names[i + 1]
