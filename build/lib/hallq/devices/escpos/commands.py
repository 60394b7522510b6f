"""Splitting an ESC/POS byte stream into commands.

Both the printer simulator (which must find real-time status queries between
commands, not inside a QR payload or a raster) and the decoder read the
stream through this. It works on partial input: `split` returns the complete
commands and how many bytes they took; the rest waits for more bytes.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

ESC, FS, GS, DLE = 0x1B, 0x1C, 0x1D, 0x10


@dataclass(frozen=True, slots=True)
class Command:
    """`name` like "ESC a", "GS ( k", "TEXT", "LF"; `params` are the bytes after
    the name's bytes (for TEXT: the text bytes)."""
    name: str
    params: bytes
    raw: bytes


# Parameter byte counts of fixed-length commands (after the two name bytes).
_ESC_FIXED = {
    b"@": 0, b"2": 0, b"L": 0, b"S": 0, b"i": 0, b"m": 0, b"<": 0,
    b"a": 1, b"E": 1, b"!": 1, b"d": 1, b"J": 1, b"K": 1, b"e": 1, b"-": 1, b"M": 1, b"3": 1, b"t": 1,
    b"R": 1, b"G": 1, b"{": 1, b"V": 1, b" ": 1, b"U": 1, b"r": 1, b"=": 1, b"T": 1, b"%": 1, b"?": 1,
    b"u": 1, b"$": 2, b"\\": 2, b"f": 2, b"p": 3, b"W": 8, b"c": 2,
}
_FS_FIXED = {b"&": 0, b".": 0, b"!": 1, b"-": 1, b"C": 1, b"W": 1, b"S": 2, b"p": 2}
_GS_FIXED = {
    b"!": 1, b"B": 1, b"H": 1, b"h": 1, b"w": 1, b"f": 1, b"r": 1, b"a": 1, b"I": 1, b"b": 1, b"T": 1,
    b"/": 1, b"L": 2, b"W": 2, b"$": 2, b"\\": 2, b"P": 2, b"^": 3, b"E": 1, b":": 0,
}
_CONTROL = {0x0A: "LF", 0x0D: "CR", 0x09: "HT", 0x0C: "FF", 0x18: "CAN"}


def _le(data: bytes, at: int, count: int) -> int:
    return int.from_bytes(data[at:at + count], "little")


def _length_gs(buf: bytes, i: int) -> int | None:
    """Total length of the GS command at i, None when more bytes are needed."""
    if i + 1 >= len(buf):
        return None
    op = buf[i + 1:i + 2]
    if op in _GS_FIXED:
        return 2 + _GS_FIXED[op]
    if op == b"V":  # GS V m [n]: m 65/66/97..103 carry n
        if i + 2 >= len(buf):
            return None
        return 4 if buf[i + 2] >= 65 else 3
    if op == b"(":  # GS ( X pL pH data
        if i + 4 >= len(buf):
            return None
        return 5 + _le(buf, i + 3, 2)
    if op == b"8":  # GS 8 L p1 p2 p3 p4 data
        if i + 6 >= len(buf):
            return None
        return 7 + _le(buf, i + 3, 4)
    if op == b"v":  # GS v 0 m xL xH yL yH data
        if i + 7 >= len(buf):
            return None
        return 8 + _le(buf, i + 4, 2) * _le(buf, i + 6, 2)
    if op == b"*":  # GS * x y data(x*y*8)
        if i + 3 >= len(buf):
            return None
        return 4 + buf[i + 2] * buf[i + 3] * 8
    if op == b"k":  # GS k m: NUL-terminated (m < 65) or counted (m >= 65)
        if i + 2 >= len(buf):
            return None
        if buf[i + 2] < 65:
            end = buf.find(b"\x00", i + 3)
            return None if end < 0 else end + 1 - i
        if i + 3 >= len(buf):
            return None
        return 4 + buf[i + 3]
    return 2


def _length_esc(buf: bytes, i: int) -> int | None:
    if i + 1 >= len(buf):
        return None
    op = buf[i + 1:i + 2]
    if op in _ESC_FIXED:
        return 2 + _ESC_FIXED[op]
    if op == b"*":  # ESC * m nL nH data: 8-dot modes take n bytes, 24-dot modes 3n
        if i + 4 >= len(buf):
            return None
        n = _le(buf, i + 3, 2)
        return 5 + (n * 3 if buf[i + 2] in (32, 33) else n)
    if op == b"D":  # tab stops, NUL-terminated
        end = buf.find(b"\x00", i + 2)
        return None if end < 0 else end + 1 - i
    return 2


def _length_fs(buf: bytes, i: int) -> int | None:
    if i + 1 >= len(buf):
        return None
    op = buf[i + 1:i + 2]
    return 2 + _FS_FIXED[op] if op in _FS_FIXED else 2


def _length_dle(buf: bytes, i: int) -> int | None:
    if i + 1 >= len(buf):
        return None
    op = buf[i + 1]
    if op in (0x04, 0x05):  # DLE EOT n, DLE ENQ n
        return 3
    if op == 0x14:  # DLE DC4 fn m t; fn = 8, clear buffers, carries seven check bytes
        if i + 2 >= len(buf):
            return None
        return 10 if buf[i + 2] == 8 else 5
    return 1  # a lone DLE is not a command


_PREFIX: dict[int, tuple[str, Callable[[bytes, int], int | None]]] = {
    ESC: ("ESC", _length_esc), GS: ("GS", _length_gs), FS: ("FS", _length_fs), DLE: ("DLE", _length_dle),
}
_NAMED_BY_TWO = {"GS (": 3, "GS 8": 3, "GS v": 3, "ESC c": 3}  # names that include a third byte
_DLE_NAMES = {0x04: "DLE EOT", 0x05: "DLE ENQ", 0x14: "DLE DC4"}


def _name(prefix: str, buf: bytes, i: int) -> tuple[str, int]:
    """The command's name and how many bytes the name takes."""
    if prefix == "DLE":
        return _DLE_NAMES.get(buf[i + 1], "DLE"), (2 if buf[i + 1] in _DLE_NAMES else 1)
    base = f"{prefix} {chr(buf[i + 1])}"
    if base in _NAMED_BY_TWO and i + 2 < len(buf):
        return f"{base} {chr(buf[i + 2])}", 3
    return base, 2


def split(buf: bytes) -> tuple[list[Command], int]:
    """The complete commands at the start of `buf` and the bytes they use."""
    commands: list[Command] = []
    i, n = 0, len(buf)
    while i < n:
        b = buf[i]
        if b in _PREFIX:
            prefix, length_of = _PREFIX[b]
            length = length_of(buf, i)
            if length is None or i + length > n:
                break
            name, name_len = _name(prefix, buf, i)
            raw = buf[i:i + length]
            commands.append(Command(name, raw[name_len:], raw))
            i += length
        elif b in _CONTROL:
            commands.append(Command(_CONTROL[b], b"", buf[i:i + 1]))
            i += 1
        elif b >= 0x20:
            j = i + 1
            while j < n and buf[j] >= 0x20:
                j += 1
            commands.append(Command("TEXT", buf[i:j], buf[i:j]))
            i = j
        else:
            commands.append(Command("CTRL", buf[i:i + 1], buf[i:i + 1]))
            i += 1
    return commands, i


def split_all(data: bytes) -> list[Command]:
    """Every command of a finished stream; a truncated tail becomes one "TRUNCATED" command."""
    commands, used = split(data)
    if used < len(data):
        commands.append(Command("TRUNCATED", data[used:], data[used:]))
    return commands
