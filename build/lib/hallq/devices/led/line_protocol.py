"""hallq's own line protocol for simple LED screens: the spec is docs/led-line-protocol.md.

    request  STX  A A  C  text...  ETX  K K
    ACK      ACK  A A
    NAK      NAK  A A  R

STX=0x02, ETX=0x03, ACK=0x06, NAK=0x15. `A A` is the screen address as two uppercase
hex digits ("01".."FE"; "00" is broadcast and is never answered). `C` is the command:
'T' shows text, 'C' clears. The text is GB18030 with lines separated by LF (0x0A).
`K K` is the LRC of every byte from the first address digit through ETX (the two's
complement of their sum, modulo 256), as two uppercase hex digits. `R` says why a
screen refused: 'K' checksum, 'E' encoding, 'L' too long, 'U' unknown command.

GB18030 never produces a byte below 0x20 except for ASCII control characters, which the
text may not contain (LF aside), so STX/ETX need no escaping: a cheap microcontroller
reads up to ETX and two more bytes.
"""
from __future__ import annotations

from typing import Sequence

from hallq.devices.led.codec import FrameError, Reply, Request

STX, ETX, ACK, NAK, LF = 0x02, 0x03, 0x06, 0x15, 0x0A
MAX_TEXT_BYTES = 240          # the spec's limit, so a screen needs a 256-byte buffer only
BROADCAST = 0
NAK_REASONS = {"K": "checksum", "E": "encoding", "L": "too long", "U": "unknown command"}


def lrc(data: bytes) -> int:
    return (-sum(data)) & 0xFF


class LineCodec:
    name = "line"

    def show_frame(self, address: int, lines: Sequence[str]) -> bytes:
        _check_address(address)
        text = "\n".join(lines)
        if any(ord(ch) < 0x20 and ch != "\n" for ch in text):
            raise FrameError("control characters cannot be shown")
        try:
            payload = text.encode("gb18030")
        except UnicodeEncodeError as exc:
            raise FrameError(f"not encodable in GB18030: {text!r}") from exc
        if len(payload) > MAX_TEXT_BYTES:
            raise FrameError(f"text is {len(payload)} bytes; the line protocol carries {MAX_TEXT_BYTES}")
        return _frame(address, b"T", payload)

    def clear_frame(self, address: int) -> bytes:
        _check_address(address)
        return _frame(address, b"C", b"")

    def take_reply(self, buffer: bytearray) -> Reply | None:
        while buffer:
            start = _find_any(buffer, (ACK, NAK))
            if start < 0:
                buffer.clear()
                return None
            del buffer[:start]
            need = 3 if buffer[0] == ACK else 4
            if len(buffer) < need:
                return None
            frame = bytes(buffer[:need])
            address = _parse_hex(frame[1:3])
            if address is None:
                del buffer[:1]  # not a reply after all: resynchronise on the next byte
                continue
            del buffer[:need]
            if frame[0] == ACK:
                return Reply(address, True)
            reason = chr(frame[3])
            return Reply(address, False, NAK_REASONS.get(reason, reason))
        return None

    def take_request(self, buffer: bytearray) -> Request | None:
        while buffer:
            start = buffer.find(bytes([STX]))
            if start < 0:
                buffer.clear()
                return None
            del buffer[:start]
            end = buffer.find(bytes([ETX]))
            if end < 0:
                if len(buffer) > MAX_TEXT_BYTES + 8:
                    del buffer[:1]  # a lost ETX: give up on this STX
                    continue
                return None
            if len(buffer) < end + 3:
                return None
            body = bytes(buffer[1:end + 1])        # address .. ETX inclusive
            check = _parse_hex(bytes(buffer[end + 1:end + 3]))
            del buffer[:end + 3]
            address = _parse_hex(body[0:2]) if len(body) >= 4 else None
            if address is None:
                continue  # garbage between frames
            command = chr(body[2])
            if check != lrc(body):
                return Request(address, (), valid=False, detail="K")
            if command == "C":
                return Request(address, ())
            if command != "T":
                return Request(address, (), valid=False, detail="U")
            try:
                text = body[3:-1].decode("gb18030")
            except UnicodeDecodeError:
                return Request(address, (), valid=False, detail="E")
            return Request(address, tuple(text.split("\n")) if text else ())
        return None

    def reply_frame(self, address: int, ok: bool, detail: str | None = None) -> bytes:
        head = f"{address:02X}".encode("ascii")
        if ok:
            return bytes([ACK]) + head
        return bytes([NAK]) + head + (detail or "K")[:1].encode("ascii")


def _frame(address: int, command: bytes, payload: bytes) -> bytes:
    body = f"{address:02X}".encode("ascii") + command + payload + bytes([ETX])
    return bytes([STX]) + body + f"{lrc(body):02X}".encode("ascii")


def _check_address(address: int) -> None:
    if not 0 <= address <= 0xFE:
        raise FrameError(f"line protocol addresses are 0..254, not {address}")


def _parse_hex(two: bytes) -> int | None:
    if len(two) != 2 or any(b not in b"0123456789ABCDEF" for b in two):
        return None
    return int(two, 16)


def _find_any(buffer: bytearray, values: tuple[int, ...]) -> int:
    for i, b in enumerate(buffer):
        if b in values:
            return i
    return -1
