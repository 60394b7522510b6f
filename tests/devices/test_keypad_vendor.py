"""The vendor keypad codec (呼叫器 / 四键评价器 sold for halls) against its simulator on a pty and TCP.

Frames are reproduced byte for byte from JackQChen/QueueSystem
`CallSystem/CallSystem/frmMain.cs` (the host program of such keypads) and the
frame quoted in issue 21; docs/keypad-protocol.md traces every byte.
"""
from __future__ import annotations

import logging

import pytest

from hallq.devices.keypad import KeypadBusConfig, KeypadConfig, WindowDisplay
from hallq.devices.keypad.bus import keypad_bus
from hallq.devices.keypad.evaluator import KEYPAD_COMMENT, KEYPAD_REASONS
from hallq.devices.keypad.frame import FrameDecoder
from hallq.devices.keypad.vendor import keys
from hallq.devices.keypad.vendor.adapter import VendorKeypadAdapter
from hallq.devices.keypad.vendor.frame import (
    BEEP, DISPLAY, KEY, RATING, VendorFrame, acknowledgement, decoder, encode,
)
from hallq.devices.keypad.vendor.simulator import VendorKeypadSimulator
from hallq.devices.led.sim_transport import PtyEndpoint, TcpEndpoint
from tests.devices.test_keypad_bus import FakeWindows, WINDOW_A, WINDOW_B
from tests.helpers import until

PAIR_A = 1        # window A's caller and four-key evaluator share address 1, as the source wires them
CALLER_B = 2
EVAL_B = 31       # window B's evaluator on an address of its own

H = bytes.fromhex


# -- the bytes, from the source -----------------------------------------------------------------

def test_the_issue_frame_is_the_call_key_of_keypad_1():
    [frame] = decoder().feed(H("FF 68 03 03 68 01 01 0C 0E 16"))
    assert frame == VendorFrame(address=1, function=KEY, data=b"\x0c")
    assert keys.key(frame.data, paused=False).presses[0].action == "call_next"
    # hallq's own decoder takes the key code for a sequence number: why the codec is per bus.
    [misread] = FrameDecoder().feed(H("FF 68 03 03 68 01 01 0C 0E 16"))
    assert (misread.command, misread.seq, misread.data) == (0x01, 0x0C, b"")


@pytest.mark.parametrize("frame, wire", [
    # SendTicket(1, "012"): 0A 0A 0A then the digits; checksum = 1 + 2 + 0+1+2 + 3×0A
    (VendorFrame(1, DISPLAY, keys.display_data(WindowDisplay(number="A012"))), "FF 68 08 08 68 01 02 0A 0A 0A 00 01 02 24 16"),
    # SendWait(1) with 12 waiting: "012" then 0A 0A 0A
    (VendorFrame(1, DISPLAY, keys.display_data(WindowDisplay(waiting=12))), "FF 68 08 08 68 01 02 00 01 02 0A 0A 0A 24 16"),
    # SendWait caps at 999
    (VendorFrame(7, DISPLAY, keys.display_data(WindowDisplay(waiting=1500))), "FF 68 08 08 68 07 02 09 09 09 0A 0A 0A 42 16"),
    # SendBeep(1): L = 2, checksum = address + 3
    (VendorFrame(1, BEEP), "FF 68 02 02 68 01 03 04 16"),
    # SendStartE(1): function 01, key 评价 0B
    (VendorFrame(1, KEY, b"\x0b"), "FF 68 03 03 68 01 01 0B 0D 16"),
    # 6 + 确认 (弃号): two data bytes, the digit then 0F
    (VendorFrame(1, KEY, keys.key_data("弃号")), "FF 68 04 04 68 01 01 06 0F 17 16"),
    # a four-key evaluator's value 3 (非常满意) at address 1: function 11
    (VendorFrame(1, RATING, b"\x03"), "FF 68 03 03 68 01 11 03 15 16"),
])
def test_frames_match_the_source_byte_for_byte(frame, wire):
    assert encode(frame) == H(wire)
    assert decoder().feed(H(wire)) == [frame]


def test_the_host_acknowledges_by_echo_and_answers_a_rating_with_function_01():
    key = VendorFrame(1, KEY, b"\x0c")
    assert encode(acknowledgement(key)) == H("FF 68 03 03 68 01 01 0C 0E 16")
    # frmMain: send[6] = 0x01, send[8] = check - 0x10
    rating = VendorFrame(1, RATING, b"\x03")
    assert encode(acknowledgement(rating)) == H("FF 68 03 03 68 01 01 03 05 16")


@pytest.mark.parametrize("value, level", [(0, 2), (1, 3), (2, 4), (3, 5)])
def test_evaluator_values_rise_from_worst_to_best(value, level):
    assert keys.rating_level(bytes((value,))) == level


def test_a_ticket_number_shorter_than_three_or_with_letters_leaves_cells_dark():
    assert keys.shown(keys.display_data(WindowDisplay(number="7"))) == ("   ", "  7")
    assert keys.shown(keys.display_data(WindowDisplay(number="A0B1"))) == ("   ", "0 1")


def test_config_allows_a_pair_on_one_address_and_wants_four_keys():
    KeypadBusConfig(port="x", protocol="vendor", keypad=[
        KeypadConfig(address=1, window=3), KeypadConfig(address=1, window=3, kind="evaluator", keys=4)])
    with pytest.raises(ValueError, match="4 keys"):
        KeypadBusConfig(port="x", protocol="vendor", keypad=[KeypadConfig(address=1, window=3, kind="evaluator")])
    with pytest.raises(ValueError, match="two windows"):
        KeypadBusConfig(port="x", protocol="vendor", keypad=[
            KeypadConfig(address=1, window=3), KeypadConfig(address=1, window=4, kind="evaluator", keys=4)])
    with pytest.raises(ValueError, match="twice"):   # hallq's own codec keeps one keypad per address
        KeypadBusConfig(port="x", keypad=[
            KeypadConfig(address=1, window=3), KeypadConfig(address=1, window=3, kind="evaluator", keys=4)])


# -- the adapter against simulated keypads on a pty ------------------------------------------------

def bus_config(url: str) -> KeypadBusConfig:
    return KeypadBusConfig(port=url, protocol="vendor", rating_timeout_s=30, keypad=[
        KeypadConfig(address=PAIR_A, window=WINDOW_A),
        KeypadConfig(address=PAIR_A, window=WINDOW_A, kind="evaluator", keys=4),
        KeypadConfig(address=CALLER_B, window=WINDOW_B),
        KeypadConfig(address=EVAL_B, window=WINDOW_B, kind="evaluator", keys=4),
    ])


class Clock:
    """The adapter's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock():
    return Clock()


def make_sim(endpoint, **options):
    sim = VendorKeypadSimulator(endpoint, **options)
    sim.add_caller(PAIR_A)
    sim.add_evaluator(PAIR_A)
    sim.add_caller(CALLER_B)
    sim.add_evaluator(EVAL_B)
    return sim


@pytest.fixture
def sim(tmp_path):
    bus = make_sim(PtyEndpoint(str(tmp_path / "ttyUSB-vendor")))
    yield bus
    bus.close()


@pytest.fixture
def windows():
    return FakeWindows()


@pytest.fixture
def adapter(sim, windows, clock):
    keypads = keypad_bus(bus_config(sim.url), windows, retry_min=0.05, retry_max=0.2, monotonic=clock)
    assert isinstance(keypads, VendorKeypadAdapter)
    keypads.start()
    yield keypads
    for event in windows.hold.values():
        event.set()
    keypads.close()


def test_a_call_is_echoed_acted_on_and_shown_as_three_digits(sim, adapter, windows):
    assert sim.press(PAIR_A, "呼叫")
    assert H("FF 68 03 03 68 01 01 0C 0E 16") in sim.host_frames     # the echo, byte for byte
    until(lambda: windows.calls, what="the call reached the window")
    assert windows.calls == [(WINDOW_A, "call_next", {})]
    assert sim.wait_for(lambda: sim.caller(PAIR_A).shown == ("   ", "001"))
    assert sim.caller(CALLER_B).shown is None                        # the other window's keypad is not told


@pytest.mark.parametrize("key, action, params", [
    ("重呼", "recall", {}),
    ("评价", "finish", {"outcome": "immediate"}),
    ("弃号", "skip", {}),
    ("等候", "pause", {}),
    ("挂起", "hold", {}),
    ("回呼", "call_back", {}),
    ("转移", "return_to_queue", {}),       # the source's 转移 puts the ticket back in the queue ("丢回去")
])
def test_each_vendor_key_reaches_its_window_action(sim, adapter, windows, key, action, params):
    assert sim.press(CALLER_B, key)
    until(lambda: windows.calls, what="the key reached the window")
    assert windows.calls == [(WINDOW_B, action, params)]


@pytest.mark.parametrize("key", ["取消", "一米"])
def test_keys_hallq_cannot_act_on_are_echoed_and_do_nothing(sim, adapter, windows, key):
    assert sim.press(CALLER_B, key)                 # no 通讯故障 on the keypad
    assert sim.press(CALLER_B, "呼叫")               # and the bus goes on
    until(lambda: windows.calls, what="the next key acted on")
    assert windows.calls == [(WINDOW_B, "call_next", {})]


def test_call_on_a_paused_window_resumes_it_first(sim, adapter, windows):
    adapter.update(WINDOW_B, WindowDisplay(waiting=1, status="paused"))
    windows.paused[WINDOW_B] = "other"
    assert sim.press(CALLER_B, "呼叫")
    until(lambda: len(windows.calls) == 2, what="resume then call")
    assert [c[1] for c in windows.calls] == ["resume", "call_next"]
    assert sim.wait_for(lambda: sim.caller(CALLER_B).shown == ("   ", "001"))


def test_the_idle_display_shows_how_many_wait(sim, adapter):
    adapter.update(WINDOW_A, WindowDisplay(waiting=42))
    assert sim.wait_for(lambda: sim.caller(PAIR_A).shown == ("042", "   "))


def test_a_refusal_beeps_the_keypad_that_asked(sim, adapter, windows):
    windows.queues[WINDOW_B].clear()
    assert sim.press(CALLER_B, "呼叫")
    assert sim.wait_for(lambda: sim.caller(CALLER_B).beeps == 1)
    assert H("FF 68 02 02 68 02 03 05 16") in sim.host_frames


def test_a_rating_end_to_end_on_the_shared_address(sim, adapter, windows):
    assert sim.press(PAIR_A, "呼叫")
    until(lambda: windows.serving[WINDOW_A] == "A001", what="A001 called")
    # 评价 finishes the ticket; its echo (01 0B at address 1) already opens the evaluator
    assert sim.press(PAIR_A, "评价")
    assert sim.wait_for(lambda: sim.evaluator(PAIR_A).open)
    adapter.request_rating(WINDOW_A, ticket=17, number="A001")      # the server asks, as after a finish
    assert sim.rate(PAIR_A, 3)
    assert H("FF 68 03 03 68 01 01 03 05 16") in sim.host_frames    # the rating's answer
    until(lambda: windows.ratings, what="the rating reached the server")
    assert windows.ratings == [(WINDOW_A, 17, 5, [], None)]
    assert not sim.evaluator(PAIR_A).open


def test_a_bad_rating_carries_the_keypad_reason_and_only_the_first_key_counts(sim, adapter, windows):
    assert adapter.request_rating(WINDOW_B, ticket=9, number="B001")
    assert sim.wait_for(lambda: sim.evaluator(EVAL_B).open)
    assert H("FF 68 03 03 68 1F 01 0B 2B 16") in sim.host_frames    # SendStartE to address 31
    assert sim.rate(EVAL_B, 0)
    assert sim.rate(EVAL_B, 3)                                       # acknowledged, not counted
    until(lambda: windows.ratings, what="the rating")
    assert windows.ratings == [(WINDOW_B, 9, 2, list(KEYPAD_REASONS), KEYPAD_COMMENT)]


def test_a_rating_key_out_of_time_or_withdrawn_is_not_counted(sim, adapter, windows, clock):
    adapter.request_rating(WINDOW_B, ticket=9, number="B001", timeout_s=60)
    clock.t += 61
    assert sim.rate(EVAL_B, 3)
    adapter.request_rating(WINDOW_B, ticket=10, number="B002")
    adapter.cancel_rating(WINDOW_B)
    assert sim.rate(EVAL_B, 3)
    assert sim.press(CALLER_B, "呼叫")               # a later key still works: the bus was not stuck
    until(lambda: windows.calls, what="the call")
    assert windows.ratings == []


def test_an_unknown_address_is_not_echoed_so_the_keypad_reports_a_fault(sim, adapter, windows, caplog):
    with caplog.at_level(logging.WARNING):
        assert not sim.press(9, "呼叫")
    assert sim.caller(9).faults == 1
    assert "address 9" in caplog.text and windows.calls == []


def test_noise_and_a_bad_checksum_are_dropped_and_the_stream_resynchronises(sim, adapter, windows, caplog):
    with caplog.at_level(logging.WARNING):
        sim.send_raw(H("00 68 13 FF 68 03 03 68 02 01 0C 99 16"))
        assert sim.press(CALLER_B, "重呼")
    until(lambda: windows.calls, what="the good frame acted on")
    assert windows.calls == [(WINDOW_B, "recall", {})]
    assert "damaged frame" in caplog.text


def test_an_adapter_that_echoes_the_host_does_not_make_presses_twice(tmp_path, windows, clock):
    sim = make_sim(PtyEndpoint(str(tmp_path / "ttyECHO")), echo_host=True)
    with keypad_bus(bus_config(sim.url), windows, monotonic=clock) as keypads:
        assert sim.press(CALLER_B, "呼叫")
        assert sim.wait_for(lambda: sim.caller(CALLER_B).shown == ("   ", "001"))
        assert windows.calls == [(WINDOW_B, "call_next", {})]
        assert keypads.status().keypads[2].answering is True
    sim.close()


def test_a_slow_server_drops_a_second_key_of_the_same_keypad(sim, adapter, windows, clock):
    import threading
    windows.hold[WINDOW_B] = threading.Event()
    assert sim.press(CALLER_B, "呼叫")
    until(lambda: windows.calls, what="the first key running")
    clock.t += 0.5      # the clerk presses again: later than an adapter's echo of our answer would come
    assert sim.press(CALLER_B, "呼叫")                # echoed: no fault on the keypad
    assert sim.wait_for(lambda: sim.caller(CALLER_B).beeps == 1)      # but refused: press again later
    windows.hold[WINDOW_B].set()
    assert sim.wait_for(lambda: sim.caller(CALLER_B).shown == ("   ", "001"))
    assert windows.calls == [(WINDOW_B, "call_next", {})]


def test_replug_puts_the_digits_back_and_tcp_converters_work(windows, clock):
    sim = make_sim(TcpEndpoint())
    with keypad_bus(bus_config(sim.url), windows, monotonic=clock, retry_min=0.05, retry_max=0.2) as keypads:
        until(lambda: keypads.status().up, what="connected")
        assert sim.press(CALLER_B, "呼叫")
        assert sim.wait_for(lambda: sim.caller(CALLER_B).shown == ("   ", "001"))
        sim.unplug()
        until(lambda: not keypads.status().up, what="the converter gone")
        sim.plug()
        assert sim.wait_for(lambda: sim.caller(CALLER_B).shown == ("   ", "001"), timeout=5)
    sim.close()


def test_the_vendor_examples_in_the_protocol_document_are_the_frames_they_describe():
    from pathlib import Path
    doc = (Path(__file__).parents[2] / "docs" / "keypad-protocol.md").read_text(encoding="utf-8")
    block = doc.split("## The vendor codec", 1)[1].split("### Examples", 1)[1].split("```")[1]
    wire = bytes.fromhex(" ".join(line.split("  ")[0] for line in block.splitlines() if line.startswith("FF ")))
    assert decoder().feed(wire) == [
        VendorFrame(1, KEY, b"\x0c"),
        VendorFrame(1, KEY, b"\x06\x0f"),
        VendorFrame(1, DISPLAY, keys.display_data(WindowDisplay(number="012"))),
        VendorFrame(1, DISPLAY, keys.display_data(WindowDisplay(waiting=12))),
        VendorFrame(1, BEEP),
        VendorFrame(1, KEY, b"\x0b"),
        VendorFrame(1, RATING, b"\x03"),
        acknowledgement(VendorFrame(1, RATING, b"\x03")),
    ]
