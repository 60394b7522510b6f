"""The keypad frame codec and the payloads of caller and evaluator keypads, byte by byte."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from hallq.devices.keypad import caller, config, evaluator
from hallq.devices.keypad.caller import KeyPress, WindowDisplay
from hallq.devices.keypad.commands import Cmd
from hallq.devices.keypad.frame import Frame, FrameDecoder, FrameError, encode
from hallq.evaluator import choices


def frames(items):
    return [i for i in items if isinstance(i, Frame)]


def errors(items):
    return [i for i in items if isinstance(i, FrameError)]


def test_encode_has_the_documented_layout():
    raw = encode(Frame(address=3, command=Cmd.PAUSE, seq=7, data=b"\x01"))
    # FF 68 L L 68 | addr cmd seq data | CS 16, L counting address to data, CS their sum
    assert raw == bytes([0xFF, 0x68, 4, 4, 0x68, 3, 0x04, 7, 1, (3 + 4 + 7 + 1) & 0xFF, 0x16])


def test_round_trip_including_every_byte_value_in_data():
    frame = Frame(address=247, command=Cmd.DISPLAY, seq=255, data=bytes(range(0x60, 0x80)) + b"\x68\x16\xff")
    assert FrameDecoder().feed(encode(frame)) == [frame]


def test_a_frame_fed_one_byte_at_a_time():
    frame = Frame(1, Cmd.CALL_NEXT, 9)
    decoder = FrameDecoder()
    got = []
    for b in encode(frame):
        got += decoder.feed(bytes([b]))
    assert got == [frame]
    assert not decoder.pending


def test_garbage_around_frames_is_skipped():
    a, b = Frame(1, Cmd.RECALL, 1), Frame(2, Cmd.SKIP, 2)
    stream = b"\x00\x68\x99noise\x68\x03\x04\x68" + encode(a) + b"\x16\x16\xff" + encode(b)
    items = FrameDecoder().feed(stream)
    assert frames(items) == [a, b]


def test_bad_checksum_is_reported_and_the_next_frame_still_decodes():
    good = Frame(5, Cmd.CALL_NEXT, 3)
    bad = bytearray(encode(Frame(5, Cmd.SKIP, 2)))
    bad[-2] ^= 0x55
    items = FrameDecoder().feed(bytes(bad) + encode(good))
    assert [e.reason for e in errors(items)] == ["bad checksum"]
    assert frames(items) == [good]


def test_missing_end_byte_is_reported():
    raw = bytearray(encode(Frame(5, Cmd.SKIP, 2)))
    raw[-1] = 0x00
    items = FrameDecoder().feed(bytes(raw))
    assert [e.reason for e in errors(items)] == ["missing end byte"]
    assert not frames(items)


def test_a_good_frame_inside_a_damaged_frames_claimed_length_is_found():
    # A start byte and a header whose length covers the next, good frame.
    good = Frame(2, Cmd.RESUME, 4)
    fake_header = bytes([0x68, 20, 20, 0x68, 1, 1])
    items = FrameDecoder().feed(fake_header + encode(good) + bytes(20))
    assert good in frames(items)


def test_mismatched_length_copies_are_not_a_header():
    good = Frame(2, Cmd.RESUME, 4)
    items = FrameDecoder().feed(bytes([0x68, 5, 6, 0x68]) + encode(good))
    assert frames(items) == [good]
    assert not errors(items)


def test_a_partial_frame_waits_then_gives_way_after_silence():
    decoder = FrameDecoder()
    cut = encode(Frame(1, Cmd.DISPLAY, 1, bytes(40)))[:12]   # the sender stopped mid-frame
    good = Frame(1, Cmd.CALL_NEXT, 2)
    assert decoder.feed(cut + encode(good)) == []   # the cut frame's length still covers the good one
    assert decoder.pending
    items = decoder.expire()                        # the reader saw the line go quiet
    assert [e.reason for e in errors(items)][0] == "truncated frame"
    assert frames(items) == [good]
    assert not decoder.pending


def test_encode_refuses_what_the_format_cannot_carry():
    with pytest.raises(ValueError):
        encode(Frame(248, Cmd.CALL_NEXT, 0))
    with pytest.raises(ValueError):
        encode(Frame(1, Cmd.DISPLAY, 0, bytes(200)))


# -- caller keypad payloads -----------------------------------------------------------------

@pytest.mark.parametrize("press", [
    KeyPress("call_next"), KeyPress("recall"), KeyPress("skip"), KeyPress("resume"),
    KeyPress("request_rating"), KeyPress("finish", {"outcome": "immediate"}),
    KeyPress("pause", {"reason": "lunch"}), KeyPress("pause", {"reason": "meeting"}),
    KeyPress("pause", {"reason": "fault"}),
    KeyPress("transfer", {"to_window": 12, "come_back": False}),
    KeyPress("transfer", {"service": "7", "come_back": True}),
])
def test_every_caller_key_round_trips(press):
    command, data = caller.key_frame_data(press.action, **press.params)
    assert caller.key_press(command, data) == press


@pytest.mark.parametrize("command, data", [
    (Cmd.PAUSE, b""), (Cmd.PAUSE, b"\x09"), (Cmd.CALL_NEXT, b"\x01"),
    (Cmd.TRANSFER, b"\x01\x00"), (Cmd.TRANSFER, b"\x01\x00A1"), (Cmd.TRANSFER, b"\x03\x0012"),
    (Cmd.TRANSFER, b"\x02\x00a-1"), (Cmd.RATING_KEY, b"\x01"),
])
def test_malformed_caller_keys_are_refused(command, data):
    with pytest.raises(caller.BadKeyData):
        caller.key_press(command, data)


def test_display_round_trips_with_chinese_text():
    shown = WindowDisplay(number="A012", waiting=305, status="paused", text="暂停服务\n午休")
    assert caller.parse_display(caller.display_data(shown)) == shown


def test_screen_text_wraps_at_eight_hanzi_and_keeps_two_lines():
    assert caller.screen_lines("请A001号到三号窗口办理业务") == ["请A001号到三号窗", "口办理业务"]
    assert caller.screen_lines("一\n二\n三") == ["一", "二"]
    # a hanzi never straddles the edge of a line: 15 ASCII bytes, then a 2-byte character
    assert caller.screen_lines("x" * 15 + "号") == ["x" * 15, "号"]


def test_characters_outside_gb2312_show_as_question_marks():
    # 喆 is a GBK character, not GB2312: the keypad's font lacks it
    shown = caller.parse_display(caller.display_data(WindowDisplay(text="王小明😀\n张喆")))
    assert shown.text == "王小明?\n张?"


# -- evaluator keypad -----------------------------------------------------------------------

def test_key_levels_of_each_model():
    assert [evaluator.key_level(5, k) for k in range(1, 6)] == [5, 4, 3, 2, 1]
    assert [evaluator.key_level(4, k) for k in range(1, 5)] == [5, 4, 3, 2]
    assert [evaluator.key_level(3, k) for k in range(1, 4)] == [5, 3, 1]
    with pytest.raises(evaluator.BadRatingKey):
        evaluator.key_level(3, 4)
    with pytest.raises(evaluator.BadRatingKey):
        evaluator.key_level(5, 0)


def test_rating_request_round_trips_and_clamps_the_time():
    assert evaluator.parse_rating_request(evaluator.rating_request_data("B101", 60)) == ("B101", 60)
    assert evaluator.parse_rating_request(evaluator.rating_request_data("B101", 900))[1] == 255


def test_the_keypad_reason_for_bad_reviews_passes_the_rating_rules():
    reasons, comment = choices.check(1, list(evaluator.KEYPAD_REASONS), evaluator.KEYPAD_COMMENT)
    assert reasons == ["other"] and comment == evaluator.KEYPAD_COMMENT


# -- configuration --------------------------------------------------------------------------

def test_the_documented_configuration_parses():
    text = config.__doc__.split("::", 1)[1]
    data = tomllib.loads("\n".join(line[4:] for line in text.splitlines()))
    bus = config.KeypadBusConfig(**data["keypads"])
    assert [(k.address, k.window, k.kind, k.keys) for k in bus.keypad] == [(1, 3, "caller", 5), (101, 3, "evaluator", 5)]
    assert bus.transfer_items == {"1": "GA01", "2": "SJ03"}


def test_an_address_configured_twice_is_refused():
    with pytest.raises(ValidationError):
        config.KeypadBusConfig(port="loop://", keypad=[{"address": 1, "window": 1}, {"address": 1, "window": 2}])
    with pytest.raises(ValidationError):
        config.KeypadBusConfig(port="loop://", keypad=[{"address": 1, "window": 1, "keys": 6}])


# -- the document ---------------------------------------------------------------------------

def test_the_examples_in_the_protocol_document_are_the_frames_they_describe():
    doc = (Path(__file__).parents[2] / "docs" / "keypad-protocol.md").read_text(encoding="utf-8")
    block = doc.split("## Examples", 1)[1].split("```")[1]
    wire = bytes.fromhex(" ".join(line.split("  ")[0] for line in block.splitlines() if line.startswith("FF ")))
    items = FrameDecoder().feed(wire)
    assert not errors(items)
    number = b"\x04A001"
    assert frames(items) == [
        Frame(1, Cmd.CALL_NEXT, 0x2A),
        Frame(1, Cmd.HOST_ACK, 0x2A),
        Frame(1, Cmd.PAUSE, 0x2B, b"\x01"),
        Frame(1, Cmd.TRANSFER, 0x2C, b"\x01\x0112"),
        Frame(1, Cmd.TRANSFER, 0x2D, b"\x02\x005"),
        Frame(1, Cmd.DISPLAY, 0x07, caller.display_data(WindowDisplay("A001", 12, "open", "请A001号\n到3号窗口"))),
        Frame(1, Cmd.ACK, 0x07),
        Frame(9, Cmd.HOST_NAK, 0x01, b"\x01"),
        Frame(101, Cmd.RATING_REQUEST, 0x03, b"\x3c" + number),
        Frame(101, Cmd.RATING_KEY, 0x11, b"\x02"),
        Frame(101, Cmd.RATING_END, 0x04, b"\x01"),
        Frame(1, Cmd.PING, 0x08),
    ]
    assert caller.key_press(Cmd.TRANSFER, b"\x01\x0112") == KeyPress("transfer", {"to_window": 12, "come_back": True})
    assert evaluator.key_level(5, 2) == 4
