"""DLE EOT answers as Epson documents them, including no answer at all."""
from __future__ import annotations

import pytest

from hallq.devices.escpos.simulator import MODES, status_byte
from hallq.devices.escpos.status import STATUS_QUERY, PrinterStatus, parse_status

# Bytes as the ESC/POS reference gives them: bits 1 and 4 always set (0x12).
# n=1: bit 3 offline. n=2: bit 2 cover open, bit 3 feed button, bit 5 stopped by paper end, bit 6 error.
# n=4: bits 2-3 roll paper near end, bits 5-6 roll paper end.
CASES = [
    (b"\x12\x12\x12", "ok", ""),
    (b"\x16\x12\x12", "ok", ""),                    # bit 2 of n=1 is the drawer pin, not a fault
    (b"\x12\x12\x1e", "near_end", "paper_near_end"),
    (b"\x12\x12\x16", "near_end", "paper_near_end"),  # one near-end sensor of two
    (b"\x1a\x32\x7e", "paper_out", "paper_end"),
    (b"\x1a\x32\x72", "paper_out", "paper_end"),
    (b"\x12\x12\x32", "paper_out", "paper_end"),    # sensor says end before the printer stops
    (b"\x1a\x16\x12", "offline", "cover_open"),
    (b"\x1a\x52\x12", "offline", "error"),
    (b"\x1a\x1a\x12", "offline", "feed_button"),
    (b"\x3a\x12\x12", "offline", ""),               # waiting for online recovery
    (b"", "unknown", "no_answer"),                  # silence is not "fine"
    (b"\x12", "unknown", "no_answer"),
    (b"\x12\x12", "unknown", "no_answer"),
    (b"\x00\x00\x00", "unknown", "bad_answer"),
    (b"\x12\x12\xff", "unknown", "bad_answer"),
    (b"\x14\x00\x00\x0f", "unknown", "bad_answer"),  # an automatic status back block is not an answer
]


@pytest.mark.parametrize(("answer", "state", "detail"), CASES, ids=[c[0].hex() or "silence" for c in CASES])
def test_parse_status(answer, state, detail):
    status = parse_status(answer)
    assert (status.state, status.detail) == (state, detail)
    assert status.printable == (state in ("ok", "near_end"))


def test_query_asks_printer_offline_cause_and_paper():
    assert STATUS_QUERY == bytes.fromhex("100401 100402 100404".replace(" ", ""))


def test_messages_in_both_languages():
    assert PrinterStatus("paper_out", "paper_end").message() == "打印机缺纸"
    assert PrinterStatus("offline", "cover_open").message("en") == "The printer cover is open"
    assert "未知" in PrinterStatus("unknown", "no_answer").message()
    assert PrinterStatus("near_end", "paper_near_end").message("en").startswith("Paper is running low")


@pytest.mark.parametrize(("mode", "state"), [("ok", "ok"), ("near_end", "near_end"), ("paper_out", "paper_out"),
                                            ("offline", "offline"), ("drop", "ok"), ("silent", "ok")])
def test_simulator_answers_decode_to_its_mode(mode, state):
    assert mode in MODES
    answer = bytes(status_byte(mode, n) for n in (1, 2, 4))
    assert parse_status(answer).state == state
