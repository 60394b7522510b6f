"""The caller keypad (呼叫器): its keys as window actions, and its screen.

A key frame becomes a `KeyPress` (the action name and parameters the window
actions take); a `WindowDisplay` becomes the data of a DISPLAY frame. Both
directions are here so the simulator and the adapter share one definition.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hallq.devices.keypad.commands import Cmd

SCREEN_LINES = 2
LINE_BYTES = 16        # 8 hanzi or 16 ASCII characters per line of the keypad's screen
MAX_NUMBER = 8         # ticket numbers such as "A001"; longer ones are cut
TEXT_ENCODING = "gb2312"

# Pause reason codes typed on the keypad, and the reason the window records.
PAUSE_REASONS = {1: "lunch", 2: "meeting", 3: "fault"}

TRANSFER_TO_WINDOW = 1
TRANSFER_TO_ITEM = 2
TRANSFER_COME_BACK = 0x01    # flags bit 0: "come back to me" after the other window
_TRANSFER_TARGET = re.compile(r"[0-9A-Z]{1,8}")

STATUSES = ("closed", "open", "paused")    # index = the status byte on the wire

# Keys that take no data, and the action each one is.
_PLAIN_KEYS = {
    Cmd.CALL_NEXT: "call_next",
    Cmd.RECALL: "recall",
    Cmd.SKIP: "skip",
    Cmd.RESUME: "resume",
    Cmd.REQUEST_RATING: "request_rating",
}
CALLER_KEYS = frozenset(_PLAIN_KEYS) | {Cmd.PAUSE, Cmd.TRANSFER, Cmd.FINISH_IMMEDIATE}


class BadKeyData(ValueError):
    """The key frame's data does not fit its command."""


@dataclass(frozen=True)
class KeyPress:
    """One key of a caller keypad, as the window action it asks for.

    `params` use the names of the queue's window actions: pause `reason`;
    transfer `to_window` or `service` (an item number typed on the keypad,
    mapped to an item code by the adapter) and `come_back`; finish `outcome`.
    """

    action: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WindowDisplay:
    """What a caller keypad's screen shows for its window."""

    number: str | None = None     # the ticket being served, None when idle
    waiting: int = 0              # tickets waiting for this window
    status: str = "open"          # one of STATUSES
    text: str = ""                # status text, up to two lines of 8 hanzi


def key_press(command: int, data: bytes) -> KeyPress:
    """The action a caller key frame asks for; `BadKeyData` if its data is wrong."""
    if command in _PLAIN_KEYS:
        if data:
            raise BadKeyData(f"{Cmd(command).name} takes no data")
        return KeyPress(_PLAIN_KEYS[command])
    if command == Cmd.FINISH_IMMEDIATE:
        if data:
            raise BadKeyData("FINISH_IMMEDIATE takes no data")
        return KeyPress("finish", {"outcome": "immediate"})
    if command == Cmd.PAUSE:
        if len(data) != 1 or data[0] not in PAUSE_REASONS:
            raise BadKeyData(f"pause reason must be one of {sorted(PAUSE_REASONS)}")
        return KeyPress("pause", {"reason": PAUSE_REASONS[data[0]]})
    if command == Cmd.TRANSFER:
        return _transfer(data)
    raise BadKeyData(f"0x{command:02x} is not a caller key")


def _transfer(data: bytes) -> KeyPress:
    if len(data) < 3:
        raise BadKeyData("transfer needs kind, flags and a target")
    kind, flags, target = data[0], data[1], data[2:].decode("ascii", errors="replace")
    if not _TRANSFER_TARGET.fullmatch(target):
        raise BadKeyData(f"transfer target {target!r} is not 1-8 digits or capitals")
    come_back = bool(flags & TRANSFER_COME_BACK)
    if kind == TRANSFER_TO_WINDOW:
        if not target.isdigit():
            raise BadKeyData("a window number is digits")
        return KeyPress("transfer", {"to_window": int(target), "come_back": come_back})
    if kind == TRANSFER_TO_ITEM:
        return KeyPress("transfer", {"service": target, "come_back": come_back})
    raise BadKeyData(f"transfer kind {kind} unknown")


def key_frame_data(action: str, **params: Any) -> tuple[Cmd, bytes]:
    """The command and data a keypad sends for `action` (the inverse of `key_press`)."""
    for command, name in _PLAIN_KEYS.items():
        if name == action:
            return command, b""
    if action == "finish":
        return Cmd.FINISH_IMMEDIATE, b""
    if action == "pause":
        codes = {reason: code for code, reason in PAUSE_REASONS.items()}
        return Cmd.PAUSE, bytes((codes[params["reason"]],))
    if action == "transfer":
        flags = TRANSFER_COME_BACK if params.get("come_back") else 0
        if "to_window" in params:
            kind, target = TRANSFER_TO_WINDOW, str(params["to_window"])
        else:
            kind, target = TRANSFER_TO_ITEM, str(params["service"])
        return Cmd.TRANSFER, bytes((kind, flags)) + target.encode("ascii")
    raise ValueError(f"no caller key for {action!r}")


def screen_lines(text: str) -> list[str]:
    """`text` as the keypad shows it: at most two lines of 16 GB2312 bytes.

    Long lines wrap, a hanzi is never split, characters outside GB2312 show
    as "?" (the screen's font has nothing else).
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for ch in paragraph:
            encoded = ch.encode(TEXT_ENCODING, errors="replace")
            shown = encoded.decode(TEXT_ENCODING)
            if used + len(encoded) > LINE_BYTES:
                lines.append(line)
                line, used = "", 0
            line, used = line + shown, used + len(encoded)
        lines.append(line)
    return lines[:SCREEN_LINES]


def display_data(display: WindowDisplay) -> bytes:
    """DISPLAY data: status, waiting (16-bit big-endian), number, text lines."""
    if display.status not in STATUSES:
        raise ValueError(f"status {display.status!r} not one of {STATUSES}")
    number = (display.number or "").encode("ascii", errors="replace")[:MAX_NUMBER]
    waiting = max(0, min(display.waiting, 0xFFFF))
    text = b"\n".join(line.encode(TEXT_ENCODING) for line in screen_lines(display.text))
    return (bytes((STATUSES.index(display.status),)) + waiting.to_bytes(2, "big")
            + bytes((len(number),)) + number + text)


def parse_display(data: bytes) -> WindowDisplay:
    """What a keypad makes of DISPLAY data (the simulator's screen)."""
    if len(data) < 4 or data[0] >= len(STATUSES) or len(data) < 4 + data[3]:
        raise BadKeyData("display data too short or status unknown")
    end = 4 + data[3]
    return WindowDisplay(
        number=data[4:end].decode("ascii") or None,
        waiting=int.from_bytes(data[1:3], "big"),
        status=STATUSES[data[0]],
        text=data[end:].decode(TEXT_ENCODING),
    )
