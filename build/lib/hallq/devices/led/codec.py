"""The one interface every LED screen protocol implements, for both ends of the wire.

A codec turns "show these lines on the screen at this address" into the bytes of its
protocol, and picks the screen's reply out of the bytes coming back. The bus manager
(`bus.py`) drives it; the simulator (`simulator.py`) uses the other half, which decodes
requests and builds replies the way a real screen does, so tests run the real bytes
through both halves.

Codecs are stateless and thread-safe. `take_*` functions consume complete frames from
the front of a receive buffer (a bytearray) and leave any incomplete tail for the next
read; bytes that cannot start a frame (line noise, a half frame after a reset) are
dropped so one bad byte never wedges the bus.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence


@dataclass(frozen=True)
class Reply:
    """A screen's answer to one request."""
    address: int
    ok: bool
    detail: str | None = None   # the screen's reason for a NAK, in the protocol's words


@dataclass(frozen=True)
class Request:
    """A show request as a screen decodes it."""
    address: int
    lines: tuple[str, ...]
    valid: bool = True           # False: the checksum failed, and the screen must say so
    detail: str | None = None
    extra: dict = field(default_factory=dict, compare=False)


class LedCodec(Protocol):
    name: str

    # -- the driver's side --
    def show_frame(self, address: int, lines: Sequence[str]) -> bytes: ...
    def take_reply(self, buffer: bytearray) -> Reply | None: ...

    # -- the screen's side (simulator, firmware tests) --
    def take_request(self, buffer: bytearray) -> Request | None: ...
    def reply_frame(self, address: int, ok: bool, detail: str | None = None) -> bytes: ...


class FrameError(ValueError):
    """Text that the protocol cannot carry (characters outside its encoding, too long)."""
