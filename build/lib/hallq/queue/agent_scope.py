"""What one agent token may host: windows, printers by name, the hall's voice.

A device computer hosts what its AGENT.toml lists, but the server only lets it
host what its token allows: the scope is set when the administrator makes the
token (`hallq token create --kind agent --windows 1-3,7 --printers kiosk-1
--voice`) and stored with it. A window in scope means all of that window's
devices: its LED screen, its caller keypad and its evaluator keypad. A scope
with nothing in it hosts nothing, so a token made without one (or one from
before scopes existed) cannot take over any device of the hall.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from hallq.protocol import DeviceInfo

MAX_WINDOW = 9999  # far above any hall; keeps a typo like 1-1000000 from building a huge set
_RANGE = re.compile(r"^(\d+)(?:\s*-\s*(\d+))?$")


class ScopeError(ValueError):
    """A scope option the administrator wrote that cannot be read; the message says why."""


@dataclass(frozen=True)
class AgentScope:
    windows: frozenset[int] = frozenset()
    printers: frozenset[str] = frozenset()
    voice: bool = False

    @property
    def empty(self) -> bool:
        return not (self.windows or self.printers or self.voice)

    def to_json(self) -> dict[str, Any]:
        return {"windows": sorted(self.windows), "printers": sorted(self.printers), "voice": self.voice}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> "AgentScope":
        """The stored scope; nothing stored (a token from before scopes) is the empty scope."""
        data = data or {}
        return cls(frozenset(int(n) for n in data.get("windows", ())),
                   frozenset(str(p) for p in data.get("printers", ())), bool(data.get("voice", False)))

    def refused(self, devices: Iterable[DeviceInfo]) -> list[dict[str, Any]]:
        """The declared devices (or the parts of them) this scope does not cover, as the hub answers them."""
        found: list[dict[str, Any]] = []
        for device in devices:
            if device.kind == "printer":
                if device.name not in self.printers:
                    found.append({"kind": "printer", "name": device.name})
            elif device.kind == "voice":
                if not self.voice:
                    found.append({"kind": "voice", "name": device.name})
            else:  # led, keypad, evaluator_keypad: by the windows they serve
                outside = sorted(set(device.windows) - self.windows)
                if outside:
                    found.append({"kind": device.kind, "name": device.name, "windows": outside})
        return found

    def describe(self) -> str:
        """The scope as the CLI options write it, for the operator: "windows 1-3,7; printers kiosk-1; voice"."""
        if self.empty:
            return "nothing"
        parts = []
        if self.windows:
            parts.append(f"windows {format_windows(self.windows)}")
        if self.printers:
            parts.append(f"printers {','.join(sorted(self.printers))}")
        if self.voice:
            parts.append("voice")
        return "; ".join(parts)


def describe_refused(refused: list[dict[str, Any]]) -> str:
    """What a hello was refused, in words: "keypad window-4-caller (window 4), printer kiosk-2, voice"."""
    words = []
    for item in refused:
        if "windows" in item:
            numbers = format_windows(item["windows"])
            words.append(f"{item['kind']} {item['name']} (window{'s' if len(item['windows']) > 1 else ''} {numbers})")
        elif item["kind"] == "voice":
            words.append("the hall's voice")
        else:
            words.append(f"{item['kind']} {item['name']}")
    return ", ".join(words)


def parse_windows(text: str) -> frozenset[int]:
    """Window numbers as an administrator writes them: "1-3,7" is 1, 2, 3 and 7."""
    numbers: set[int] = set()
    for part in text.split(","):
        match = _RANGE.match(part.strip())
        if match is None:
            raise ScopeError(f"cannot read window numbers {part.strip()!r} in {text!r}: "
                             f"write numbers and ranges separated by commas, e.g. 1-3,7")
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        if first < 1 or last > MAX_WINDOW:
            raise ScopeError(f"window numbers run from 1 to {MAX_WINDOW}, not {part.strip()!r}")
        if last < first:
            raise ScopeError(f"the range {part.strip()!r} runs backwards: write it {last}-{first}")
        numbers.update(range(first, last + 1))
    return frozenset(numbers)


def parse_printers(text: str) -> frozenset[str]:
    """Printer names separated by commas, as the agents' AGENT.toml names them: "kiosk-1,window-3"."""
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise ScopeError(f"an empty printer name in {text!r}: write names separated by commas, e.g. kiosk-1,window-3")
    too_long = [name for name in names if len(name) > 120]
    if too_long:
        raise ScopeError(f"printer names are at most 120 characters: {too_long[0][:20]}…")
    return frozenset(names)


def format_windows(numbers: Iterable[int]) -> str:
    """The shortest "1-3,7" for a set of window numbers."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ",".join(f"{a}-{b}" if b > a else str(a) for a, b in runs)
