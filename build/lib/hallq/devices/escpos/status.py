"""Printer status from real-time DLE EOT answers.

Each answer is one byte with bits 1 and 4 set and bits 0 and 7 clear (Epson
ESC/POS); a byte without that pattern is not a status answer. Silence means
nothing is known, never that the printer is fine: python-escpos's
`paper_status()` says "OK" on silence, which is how ghost tickets happen.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hallq.wording import PRINTER_DETAILS

DLE_EOT = b"\x10\x04"
QUERY_PRINTER, QUERY_OFFLINE, QUERY_ERROR, QUERY_PAPER = 1, 2, 3, 4
# Asked together in one write: printer, offline cause, roll paper sensor.
STATUS_QUERY = DLE_EOT + b"\x01" + DLE_EOT + b"\x02" + DLE_EOT + b"\x04"
ANSWERS = 3
# DLE DC4 fn = 8 (Epson, Citizen): a real-time command that empties the receive and print
# buffers, answered with CLEARED. The rest of a job cut short by paper-end waits in those
# buffers and would print when paper is back.
CLEAR_BUFFERS = b"\x10\x14\x08\x01\x03\x14\x01\x06\x02\x08"
CLEARED = b"\x37\x25\x00"

FIXED_MASK, FIXED_BITS = 0x93, 0x12
# n = 1, printer status
OFFLINE = 0x08
WAITING_RECOVERY = 0x20
# n = 2, offline cause
COVER_OPEN = 0x04
FEED_BUTTON = 0x08
STOPPED_PAPER_END = 0x20
ERROR = 0x40
# n = 4, roll paper sensor
PAPER_NEAR_END = 0x0C
PAPER_END = 0x60

State = Literal["ok", "near_end", "paper_out", "offline", "unknown"]


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """`state` is what the kiosk decides on; `detail` says why (a code, see
    `message`); `raw` holds the answer bytes for the log."""
    state: State
    detail: str = ""
    raw: bytes = b""

    @property
    def printable(self) -> bool:
        return self.state in ("ok", "near_end")

    def message(self, lang: str = "zh") -> str:
        key = self.detail if self.detail in PRINTER_DETAILS else self.state
        return PRINTER_DETAILS[key][1 if lang == "en" else 0]


def _valid(byte: int) -> bool:
    return byte & FIXED_MASK == FIXED_BITS


def parse_status(answer: bytes) -> PrinterStatus:
    """The answers to STATUS_QUERY (n = 1, 2, 4 in that order), however many came."""
    if len(answer) < ANSWERS:
        return PrinterStatus("unknown", "no_answer", bytes(answer))
    printer, cause, paper = answer[:ANSWERS]
    raw = bytes(answer[:ANSWERS])
    if not all(_valid(b) for b in (printer, cause, paper)):
        return PrinterStatus("unknown", "bad_answer", raw)
    if paper & PAPER_END or cause & STOPPED_PAPER_END:
        return PrinterStatus("paper_out", "paper_end", raw)
    if printer & OFFLINE:
        if cause & COVER_OPEN:
            detail = "cover_open"
        elif cause & ERROR:
            detail = "error"
        elif cause & FEED_BUTTON:
            detail = "feed_button"
        else:
            detail = ""
        return PrinterStatus("offline", detail, raw)
    if paper & PAPER_NEAR_END:
        return PrinterStatus("near_end", "paper_near_end", raw)
    return PrinterStatus("ok", "", raw)
