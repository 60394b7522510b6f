"""How long a job takes to come out of the printer, from its bytes.

A printer that reports no completion answers DLE EOT as soon as the query arrives,
before the buffered ticket has printed (Epson's DLE EOT notes: the command is
executed when received, even while data before it is still in the buffer). So the
agent waits the time the ticket takes to print and then asks again: paper that ran out
half-way shows up then. The length is counted in dots at the printers' 8 dots per mm
(203 dpi; the 180-dpi TM-T88 prints faster, so the wait is on the long side).
"""
from __future__ import annotations

from hallq.devices.escpos.commands import split_all

DOTS_PER_MM = 8
LINE_DOTS = 30         # ESC 2: the default 1/6-inch line pitch
QR_DOTS = 260          # a native QR on a ticket: about 33 modules of 8 dots
MARGIN_S = 0.3         # the printer's own start-up and the status round trip


def length_dots(data: bytes) -> int:
    dots = 0
    for command in split_all(data):
        if command.name == "LF":
            dots += LINE_DOTS
        elif command.name == "ESC d":
            dots += LINE_DOTS * command.params[0]
        elif command.name == "GS v 0":
            dots += int.from_bytes(command.params[3:5], "little")
        elif command.name == "GS ( k" and len(command.params) > 3 and command.params[3] == 81:
            dots += QR_DOTS
    return dots


def print_seconds(data: bytes, speed_mm_s: float) -> float:
    return length_dots(data) / DOTS_PER_MM / speed_mm_s + MARGIN_S
