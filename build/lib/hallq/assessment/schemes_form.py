"""The scheme page's form: a preset's lines with their points, and the hall's
point adjustments (overrides) built back from what the supervisor typed.

Only the points of fixed lines are adjusted here (an entry-set line's range and
the sections' maxima stay as the preset has them: changing a maximum would have
to keep the base at 100). Other adjustments made through the API are kept.

    rows = lines(scheme)                                    # what the page lists
    overrides = with_points(preset_scheme, current, typed)  # for service.set_scheme
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hallq.assessment.scheme import Rule, Scheme, Section


@dataclass(frozen=True)
class Line:
    path: tuple[str, ...]   # where its points sit in the overrides, e.g. ("categories", "discipline", "rules", "late")
    rule: Rule
    category: Section
    part: Section | None


def lines(scheme: Scheme) -> list[Line]:
    out: list[Line] = []
    for category in scheme.categories:
        for rule in category.rules:
            out.append(Line(("categories", category.key, "rules", rule.key), rule, category, None))
        for part in category.parts:
            for rule in part.rules:
                out.append(Line(("categories", category.key, "parts", part.key, "rules", rule.key), rule, category, part))
    return out


def _set(tree: dict, path: tuple[str, ...], value: float) -> None:
    node = tree
    for key in path:
        node = node.setdefault(key, {})
    node["points"] = value


def _drop(tree: dict, path: tuple[str, ...]) -> None:
    """Remove the points at `path`, and the tables left empty."""
    trail = [tree]
    for key in path:
        node = trail[-1].get(key)
        if not isinstance(node, dict):
            return
        trail.append(node)
    trail[-1].pop("points", None)
    for parent, key, child in reversed(list(zip(trail, path, trail[1:]))):
        if not child:
            parent.pop(key, None)


def with_points(preset: Scheme, current: Mapping[str, Any] | None, typed: Mapping[str, float]) -> dict[str, Any]:
    """The overrides after the supervisor's points: a line typed at the preset's value loses its adjustment."""
    overrides = copy.deepcopy(dict(current or {}))
    for line in lines(preset):
        if line.rule.entry_points is not None or line.rule.key not in typed:
            continue
        value = typed[line.rule.key]
        if value == line.rule.points:
            _drop(overrides, line.path)
        else:
            _set(overrides, line.path, value)
    return overrides
