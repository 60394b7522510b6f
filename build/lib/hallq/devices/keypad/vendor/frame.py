"""Vendor keypad frames: `FF 68 L L 68 ADDR FUNC DATA… CS 16` (docs/keypad-protocol.md, vendor codec).

Traced to JackQChen/QueueSystem `CallSystem/CallSystem/frmMain.cs` (the host
program of such a keypad bus): `L` counts ADDR, FUNC and DATA (it reads
`L - 2` data bytes after the function code), CS is their sum modulo 256 (its
SendTicket/SendWait/SendBeep compute it so, and the frame quoted in issue 21,
`… 01 01 0C 0E 16`, sums the same way). There is no sequence byte and no
direction bit, so the outer framing and resynchronisation are hallq's own
decoder's with another body.
"""
from __future__ import annotations

from dataclasses import dataclass

from hallq.devices.keypad.frame import FrameDecoder, wrap

MIN_L = 2            # the host's beep frame: address and function, no data
MAX_L = 8            # the longest frame either side sends: the 6-digit display
MAX_KEYPAD_L = 5     # the host program drops keypad frames claiming more ("疑似协议出错")

KEY = 0x01           # caller keypad → host: a key (issue 21's frame); also the host's "start rating"
DISPLAY = 0x02       # host → caller keypad: six digit cells (SendTicket, SendWait)
BEEP = 0x03          # host → caller keypad: beep (SendBeep), no data
RATING = 0x11        # four-key evaluator → host: the key's value (0-3)
RATING_ACK_DELTA = 0x10   # the host answers RATING with KEY: function 11 → 01, checksum − 10


@dataclass(frozen=True)
class VendorFrame:
    address: int
    function: int
    data: bytes = b""


def encode(frame: VendorFrame) -> bytes:
    if not 0 <= frame.address <= 0xFF or not 0 <= frame.function <= 0xFF:
        raise ValueError("address and function are single bytes")
    body = bytes((frame.address, frame.function)) + frame.data
    if not MIN_L <= len(body) <= MAX_L:
        raise ValueError(f"vendor frame of {len(body)} bytes outside {MIN_L}..{MAX_L}")
    return wrap(body)


def _vendor_frame(body: bytes) -> VendorFrame:
    return VendorFrame(address=body[0], function=body[1], data=bytes(body[2:]))


def decoder() -> FrameDecoder:
    """A decoder of vendor frames (either direction: the simulator reads the host's)."""
    return FrameDecoder(_vendor_frame, min_len=MIN_L, max_len=MAX_L)


def acknowledgement(frame: VendorFrame) -> VendorFrame:
    """What the host sends back so the keypad knows it was heard.

    frmMain.cs echoes a keypad's frame byte for byte, except an evaluator's
    RATING, which it answers with function KEY and the same data (and so a
    checksum 0x10 lower). A keypad that hears no answer beeps 通讯故障.
    """
    if frame.function == RATING:
        return VendorFrame(frame.address, KEY, frame.data)
    return frame
