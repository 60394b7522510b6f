"""Keypad bus frames: `FF 68 L L 68 ADDR CMD DATA… CS 16` (docs/keypad-protocol.md).

The shape follows the caller keypads sold with Chinese queue systems (a
DL/T 645 style header: the length twice between two 68H bytes, an additive
checksum, 16H at the end). Frames are length-prefixed, so the data needs no
byte stuffing; the doubled length and the fixed bytes around it are what make
resynchronisation after noise reliable.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

PREAMBLE = 0xFF      # wakes RS-485 receivers and gives the UART a clean start bit; optional on receive
START = 0x68
END = 0x16
HEADER_LEN = 4       # 68 L L 68
MIN_L = 3            # address, command and the sequence byte every frame carries
MAX_L = 128          # longest frame any command needs (a display update is under 50)
FROM_HOST = 0x80     # command bit 7: set on frames the host sends, clear on keypad frames
BROADCAST = 0        # host → every keypad, never answered
MAX_ADDRESS = 247


class FrameError(ValueError):
    """A frame that arrived whole but cannot be trusted or understood."""

    def __init__(self, reason: str, raw: bytes = b""):
        super().__init__(f"{reason}: {raw.hex(' ')}" if raw else reason)
        self.reason = reason
        self.raw = raw


@dataclass(frozen=True)
class Frame:
    address: int
    command: int
    seq: int
    data: bytes = b""

    @property
    def from_host(self) -> bool:
        return bool(self.command & FROM_HOST)


def checksum(body: bytes) -> int:
    return sum(body) & 0xFF


def encode(frame: Frame) -> bytes:
    if not 0 <= frame.address <= MAX_ADDRESS:
        raise ValueError(f"address {frame.address} outside 0..{MAX_ADDRESS}")
    if not 0 <= frame.command <= 0xFF or not 0 <= frame.seq <= 0xFF:
        raise ValueError("command and seq are single bytes")
    body = bytes((frame.address, frame.command, frame.seq)) + frame.data
    if len(body) > MAX_L:
        raise ValueError(f"frame data too long ({len(frame.data)} bytes)")
    return wrap(body)


def wrap(body: bytes) -> bytes:
    """The outer frame around `body` (address onwards): shared by hallq's codec and the vendor one."""
    n = len(body)
    return bytes((PREAMBLE, START, n, n, START)) + body + bytes((checksum(body), END))


def _hallq_frame(body: bytes) -> Frame:
    return Frame(address=body[0], command=body[1], seq=body[2], data=body[3:])


class FrameDecoder:
    """Turns a byte stream into frames, skipping noise and damaged frames.

    `feed()` returns what the new bytes completed: `Frame`s, and `FrameError`s
    for frames that were whole but wrong (bad checksum, missing end byte) so the
    caller can log them. After any error the decoder drops only the start byte
    it tried and searches again from the next byte: the bad frame's length may
    itself be noise, and a good frame can hide inside what it claimed.

    A frame cut short (a keypad unplugged mid-frame) would otherwise swallow the
    start of the next one; the reader calls `expire()` after a quiet gap on the
    line, which gives up on the partial frame the same way.

    The outer frame is the same for hallq's codec and the vendor keypads'
    (hallq.devices.keypad.vendor); `parse` turns a checked body (address
    onwards) into that codec's frame, `min_len`/`max_len` bound its `L`.
    """

    def __init__(self, parse: Callable[[bytes], Any] = _hallq_frame, *,
                 min_len: int = MIN_L, max_len: int = MAX_L) -> None:
        self._buf = bytearray()
        self._parse_body = parse
        self._min_len, self._max_len = min_len, max_len

    @property
    def pending(self) -> bool:
        return bool(self._buf)

    def reset(self) -> None:
        self._buf.clear()

    def feed(self, data: bytes) -> list[Any]:
        self._buf += data
        return self._parse()

    def expire(self) -> list[Frame | FrameError]:
        """The line went quiet with a partial frame in the buffer: give it up."""
        out: list[Frame | FrameError] = []
        # `_parse` leaves the buffer empty or starting at a start byte that
        # waits for more; drop that byte and look again at what followed it.
        while self._buf:
            out.append(FrameError("truncated frame", bytes(self._buf)))
            del self._buf[:1]
            out += self._parse()
        return out

    def _parse(self) -> list[Frame | FrameError]:
        out: list[Frame | FrameError] = []
        buf = self._buf
        while True:
            start = buf.find(START)
            if start < 0:
                buf.clear()
                return out
            del buf[:start]
            if len(buf) < HEADER_LEN:
                return out
            n = buf[1]
            if buf[2] != n or buf[3] != START or not self._min_len <= n <= self._max_len:
                # Not a header: this 68 was noise or data of a frame we missed.
                del buf[:1]
                continue
            total = HEADER_LEN + n + 2
            if len(buf) < total:
                return out
            raw = bytes(buf[:total])
            body = raw[HEADER_LEN:HEADER_LEN + n]
            if raw[-1] != END:
                out.append(FrameError("missing end byte", raw))
                del buf[:1]
                continue
            if raw[-2] != checksum(body):
                out.append(FrameError("bad checksum", raw))
                del buf[:1]
                continue
            del buf[:total]
            out.append(self._parse_body(body))
