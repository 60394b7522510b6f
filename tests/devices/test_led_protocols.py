"""Both LED protocols byte for byte: known-good frames from the Onbon documentation and
open-source clients, escaping, round trips through the screen-side decoder, and what a
screen does with a frame whose checksum is wrong."""
from __future__ import annotations

import struct

import pytest

from hallq.devices.led import AreaLayout, FrameError, LineCodec, OnbonCodec, Reply, codec_for
from hallq.devices.led.line_protocol import lrc
from hallq.devices.led.onbon import (AREA, PC_ADDRESS, crc16, escape, packet, take_packet,
                                     unescape)

# --- Onbon ------------------------------------------------------------------------------

# Frames whose bytes, CRC included, come from the sources named in hallq/devices/led/onbon.py.
PING_K = "a5 a5 a5 a5 a5 a5 a5 a5 01 00 00 80 00 00 00 00 00 00 fe 02 05 00 a2 00 01 00 00 68 f8 5a"
CLEAR_K = "a5 a5 a5 a5 a5 a5 a5 a5 01 00 00 80 00 00 00 00 00 00 fe 02 05 00 a3 10 01 00 00 51 f8 5a"
PING_5TH_PHY1 = "fe ff 00 80 f0 00 fe ff 00 00 00 00 05 00 00 00 01 a2 00 00 00"


def test_crc16_matches_the_manuals_table_and_known_frames():
    assert crc16(b"123456789") == 0xBB3D  # CRC-16/ARC check value: the manual's table is ARC
    assert crc16(bytes.fromhex(PING_5TH_PHY1)).to_bytes(2, "little") == bytes.fromhex("c6 86")
    assert packet(1, PC_ADDRESS, bytes.fromhex("a2 00 01 00 00")) == bytes.fromhex(PING_K)
    assert packet(1, PC_ADDRESS, bytes.fromhex("a3 10 01 00 00")) == bytes.fromhex(CLEAR_K)


def test_escaping_follows_the_manual_and_round_trips():
    assert escape(bytes([0xA5, 0xA6, 0x5A, 0x5B, 0x00])) == bytes.fromhex("a6 02 a6 01 5b 02 5b 01 00")
    tricky = bytes([0xA5, 0xA6, 0x02, 0x5A, 0x5B, 0x01, 0xA6, 0xA6, 0x5B])
    assert unescape(escape(tricky)) == tricky


def test_a_frame_with_escaped_bytes_in_address_text_and_crc_decodes():
    # Address 0x5AA5 puts both frame bytes in the header; 亥 is GB2312 BA A5.
    codec = OnbonCodec()
    frame = codec.show_frame(0x5AA5, ["亥A5", "第二行"])
    body = frame[8:-1]
    assert 0xA5 not in body and 0x5A not in body  # only the preamble and the end byte remain raw
    request = codec.take_request(bytearray(frame))
    assert request.valid and request.address == 0x5AA5
    assert request.lines == ("亥A5", "第二行")
    assert [area["area_id"] for area in request.extra["areas"]] == [0, 1]


def test_show_frame_lays_out_one_dynamic_area_per_row_as_documented():
    layout = AreaLayout(width=128, height=32, rows=2, x=0, y=0, area_id=0, run_mode=0, timeout_s=2,
                        effect=3, speed=4, stay_half_s=5)
    codec = OnbonCodec(layout)
    frame = take_packet(bytearray(codec.show_frame(1, ["012345", "QRSTUV"])))
    assert frame.crc_ok and frame.dst == 1 and frame.src == PC_ADDRESS and frame.device_type == 0xFE
    data = frame.data
    # CmdGroup A3, Cmd 06, answer requested, keep area, reserved, delete none, two areas
    assert data[:7] == bytes.fromhex("a3 06 01 00 00 00 02")
    at = 7
    for row, text in enumerate((b"012345", b"QRSTUV")):
        (area_len,) = struct.unpack_from("<H", data, at)
        assert area_len == AREA.size + len(text)
        # The worked example's area fields: X and width in 8-pixel units (0x10 = 128 px),
        # Y and height in pixels (row 1 starts at y 16), area 0 then 1, spacing 0, run
        # mode, timeout 2 s, 3 zero bytes, single line 01, no wrapping 01, mode 03,
        # exit 00, speed 04, stay 05, length.
        expected = bytes.fromhex("00 0000") + struct.pack("<H", 16 * row) + bytes.fromhex("1000 1000") + \
            bytes([row]) + bytes.fromhex("00 00 0200 000000 01 01 03 00 04 05") + struct.pack("<I", len(text))
        assert data[at + 2:at + 2 + AREA.size] == expected
        assert data[at + 2 + AREA.size:at + 2 + area_len] == text
        at += 2 + area_len
    assert at == len(data)


def test_onbon_round_trip_of_chinese_lines():
    codec = codec_for("onbon", width=64, height=32)
    for lines in (["请A001到3号窗口"], ["暂停服务", "午休"], []):
        request = codec.take_request(bytearray(codec.show_frame(12, lines)))
        assert request.valid and request.address == 12 and request.lines == tuple(lines)
        assert request.extra["area"]["width"] == 8
        assert [a["height"] for a in request.extra["areas"]] == [32 // max(1, len(lines))] * max(1, len(lines))


def test_onbon_reply_ack_and_nack_parse():
    codec = OnbonCodec()
    buffer = bytearray(b"\x00\xff" + codec.reply_frame(7, True) + codec.reply_frame(8, False, "5"))
    assert codec.take_reply(buffer).__dict__ == {"address": 7, "ok": True, "detail": None}
    nack = codec.take_reply(buffer)
    assert nack.address == 8 and not nack.ok and nack.detail == "error 5"
    assert codec.take_reply(buffer) is None and buffer == bytearray()


def test_onbon_reply_in_the_graphic_family_layout_is_understood():
    # [onbon-5th] puts a reserved byte before CmdGroup and Status/Error after Cmd.
    codec = OnbonCodec()
    frame = packet(PC_ADDRESS, 4, bytes.fromhex("00 a0 00 00 00 00 00 00 00"))
    reply = codec.take_reply(bytearray(frame))
    assert reply.address == 4 and reply.ok


def test_onbon_frame_split_across_reads_waits_for_the_rest():
    codec = OnbonCodec()
    frame = codec.show_frame(3, ["A001 正在办理"])
    buffer = bytearray(frame[:20])
    assert codec.take_request(buffer) is None
    buffer += frame[20:]
    assert codec.take_request(buffer).lines == ("A001 正在办理",)


def test_onbon_corrupted_frame_is_refused_with_checksum_error():
    codec = OnbonCodec()
    frame = bytearray(codec.show_frame(3, ["A001"]))
    frame[-5] ^= 0x01  # a text byte, flipped on the wire
    request = codec.take_request(frame)
    assert not request.valid and request.detail == "5"  # ERR_CHECKSUM
    reply = codec.take_reply(bytearray(codec.reply_frame(3, False, request.detail)))
    assert not reply.ok and reply.detail == "error 5"


def test_onbon_refuses_bad_addresses_and_layouts():
    with pytest.raises(FrameError):
        OnbonCodec().show_frame(0xFFFF, ["A001"])
    with pytest.raises(ValueError):
        AreaLayout(width=100)


# --- the line protocol ------------------------------------------------------------------

def test_line_frame_bytes_match_the_spec_example():
    # docs/led-line-protocol.md, "Example": screen 3 shows 请A001到3号窗口.
    frame = LineCodec().show_frame(3, ["请A001到3号窗口"])
    text = "请A001到3号窗口".encode("gb18030")
    body = b"03T" + text + b"\x03"
    assert frame == b"\x02" + body + f"{lrc(body):02X}".encode()
    assert frame.hex(" ") == ("02 30 33 54 c7 eb 41 30 30 31 b5 bd 33 ba c5 b4 b0 bf da 03 "
                              + f"{lrc(body):02X}".encode().hex(" "))
    assert (sum(body) + lrc(body)) % 256 == 0
    assert frame.endswith(b"\x03A1")  # the LRC the spec's example states


def test_line_round_trip_replies_and_resync_after_noise():
    codec = LineCodec()
    buffer = bytearray(b"\x00garbage" + codec.show_frame(0x2A, ["暂停服务", "午休"]) + codec.clear_frame(1))
    first = codec.take_request(buffer)
    assert first.valid and first.address == 0x2A and first.lines == ("暂停服务", "午休")
    cleared = codec.take_request(buffer)
    assert cleared.valid and cleared.address == 1 and cleared.lines == ()
    replies = bytearray(b"\xff" + codec.reply_frame(0x2A, True) + codec.reply_frame(5, False, "K"))
    assert codec.reply_frame(0x2A, True) == b"\x062A"
    assert codec.take_reply(replies) == Reply(0x2A, True)
    nak = codec.take_reply(replies)
    assert nak.address == 5 and not nak.ok and nak.detail == "checksum"


def test_line_bad_checksum_and_unknown_command_are_refused():
    codec = LineCodec()
    flipped = bytearray(codec.show_frame(9, ["A001"]))
    flipped[4] ^= 0x01  # a text byte damaged on the wire
    damaged = codec.take_request(flipped)
    assert not damaged.valid and damaged.address == 9 and damaged.detail == "K" and not flipped
    bad = bytearray(codec.show_frame(9, ["A001"]))
    bad[-1] = ord("0") if bad[-1] != ord("0") else ord("1")
    refused = codec.take_request(bad)
    assert not refused.valid and refused.detail == "K"
    body = b"09Z\x03"
    unknown = codec.take_request(bytearray(b"\x02" + body + f"{lrc(body):02X}".encode()))
    assert not unknown.valid and unknown.detail == "U"


def test_line_refuses_what_it_cannot_carry():
    codec = LineCodec()
    with pytest.raises(FrameError):
        codec.show_frame(1, ["A\x03B"])
    with pytest.raises(FrameError):
        codec.show_frame(1, ["字" * 121])
    with pytest.raises(FrameError):
        codec.show_frame(300, ["A001"])
    assert codec.take_request(bytearray(codec.show_frame(1, ["字" * 120]))).lines == ("字" * 120,)
