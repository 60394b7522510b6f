"""Loading schemes: the presets shipped in the package, a hall's own file,
and a hall's point adjustments (overrides) on top of a preset.

Errors name the path of the bad entry the way the TOML reads, by keys:
``categories[discipline].rules[late_or_early].points: …``.
"""
from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hallq.assessment.scheme import Scheme



class SchemeError(ValueError):
    """A scheme file or an override that cannot be used; `problems` lists each one."""

    def __init__(self, origin: str, problems: list[str]):
        self.origin = origin
        self.problems = problems
        super().__init__(f"{origin}: " + "; ".join(problems))


def _presets_dir():
    return resources.files("hallq.assessment").joinpath("schemes")


def list_presets() -> list[str]:
    return sorted(p.name.removesuffix(".toml") for p in _presets_dir().iterdir() if p.name.endswith(".toml"))


def preset_text(name: str) -> str:
    if name not in list_presets():
        raise SchemeError(name, [f"no preset {name!r}; presets: {', '.join(list_presets())}"])
    return _presets_dir().joinpath(f"{name}.toml").read_text(encoding="utf-8")


def load_preset(name: str, overrides: Mapping[str, Any] | None = None) -> Scheme:
    """A shipped preset, with a hall's adjustments applied on top."""
    return load_scheme_text(preset_text(name), origin=f"preset {name}", overrides=overrides)


def load_scheme_file(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scheme:
    path = Path(path)
    return load_scheme_text(path.read_text(encoding="utf-8"), origin=str(path), overrides=overrides)


def load_scheme_text(text: str, *, origin: str = "scheme", overrides: Mapping[str, Any] | None = None) -> Scheme:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # its message names line and column
        raise SchemeError(origin, [f"not valid TOML: {exc}"]) from None
    if overrides:
        raw = apply_overrides(raw, overrides, origin)
        origin = f"{origin} with overrides"
    return validate(raw, origin)


def validate(raw: Mapping[str, Any], origin: str = "scheme") -> Scheme:
    try:
        return Scheme.model_validate(raw)
    except ValidationError as exc:
        problems = [f"{readable_path(raw, err['loc']) or '(top)'}: {err['msg']}" for err in exc.errors()]
        raise SchemeError(origin, problems) from None


def readable_path(raw: Any, loc: tuple) -> str:
    """('categories', 0, 'rules', 2, 'points') -> 'categories[discipline].rules[off_task].points'."""
    out: list[str] = []
    node = raw
    for part in loc:
        if isinstance(part, int) and isinstance(node, list):
            item = node[part] if 0 <= part < len(node) else None
            label = _label(item)
            segment = f"[{label if label is not None else part}]"
            if out:
                out[-1] += segment
            else:
                out.append(segment)
            node = item
        else:
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            elif isinstance(part, str) and part.startswith(("function-", "tuple[", "list[")):
                continue  # pydantic's internal steps, not the reader's
            else:
                node = None
            out.append(str(part))
    return ".".join(out)


def _label(item: Any) -> str | None:
    if isinstance(item, Mapping):
        for field in ("key", "name"):
            if isinstance(item.get(field), str):
                return item[field]
    return None


def apply_overrides(raw: Mapping[str, Any], overrides: Mapping[str, Any], origin: str = "scheme") -> dict:
    """Merge a hall's adjustments into a scheme.

    Tables merge key by key; a list of tables is addressed by each entry's
    `key` (or `name`, for grade bands), e.g.
    ``{"categories": {"discipline": {"rules": {"late_or_early": {"points": -0.5}}}}}``;
    any other value, lists included, replaces what was there.
    """
    merged = copy.deepcopy(dict(raw))
    problems: list[str] = []
    _merge(merged, overrides, "overrides", problems)
    if problems:
        raise SchemeError(origin, problems)
    return merged


def _merge(target: dict, patch: Mapping[str, Any], path: str, problems: list[str]) -> None:
    for name, value in patch.items():
        here = f"{path}.{name}"
        current = target.get(name)
        if isinstance(value, Mapping) and isinstance(current, Mapping):
            target[name] = dict(current)
            _merge(target[name], value, here, problems)
        elif isinstance(value, Mapping) and isinstance(current, list) and all(_label(i) is not None for i in current):
            entries = [dict(i) for i in current]
            by_label = {_label(e): e for e in entries}
            for label, sub in value.items():
                if label not in by_label:
                    problems.append(f"{here}[{label}]: no such entry (known: {', '.join(map(str, by_label))})")
                elif not isinstance(sub, Mapping):
                    problems.append(f"{here}[{label}]: expected a table of changes")
                else:
                    _merge(by_label[label], sub, f"{here}[{label}]", problems)
            target[name] = entries
        elif isinstance(value, Mapping) and current is not None and not isinstance(current, Mapping):
            problems.append(f"{here}: is a single value, not a table")
        else:
            target[name] = copy.deepcopy(value)
