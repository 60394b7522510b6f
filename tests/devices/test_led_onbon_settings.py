"""The Onbon settings a real hall needs: the published ping byte for byte, the card's baud
rate found by pinging at 57600 and 9600 (simulated cards on ptys and TCP), the header's
display mode, GBK text with only the missing characters replaced, and the documented reply."""
from __future__ import annotations

import struct

import pytest

from hallq.devices.agent_config import AgentConfig
from hallq.devices.led import OnbonCodec, codec_for
from hallq.devices.led.baud import find_baudrate, ping_each_rate
from hallq.devices.led.onbon import HEADER, PC_ADDRESS, packet, take_packet
from hallq.devices.led.screens import LedScreens
from hallq.devices.led.sim_transport import TcpEndpoint
from hallq.devices.led.simulator import ScreenBusSimulator

# [zxw]'s ping to screen 1, CRC included (see hallq/devices/led/onbon.py).
PING_K = "a5 a5 a5 a5 a5 a5 a5 a5 01 00 00 80 00 00 00 00 00 00 fe 02 05 00 a2 00 01 00 00 68 f8 5a"


def test_ping_frame_is_the_published_one_byte_for_byte():
    assert OnbonCodec().ping_frame(1) == bytes.fromhex(PING_K)
    request = OnbonCodec().take_request(bytearray(bytes.fromhex(PING_K)))
    assert request.valid and request.address == 1 and request.extra["ping"] and request.lines == ()


def test_header_display_mode_defaults_to_the_demos_dynamic_mode():
    def mode(codec):
        phy1 = take_packet(bytearray(codec.show_frame(3, ["A001"])))
        return phy1.display_mode

    assert mode(OnbonCodec()) == 1                 # the RS-485 demo's CreateComClient(..., 1, ...)
    assert mode(codec_for("onbon", display_mode=0)) == 0
    # the byte sits fifth of the six the 5K calls reserved: header offset 8
    raw = packet(3, PC_ADDRESS, b"\xa2\x00\x01\x00\x00", display_mode=1)
    assert raw[8:8 + HEADER.size][8] == 1
    with pytest.raises(ValueError):
        OnbonCodec(display_mode=2)


def test_text_is_gbk_and_only_what_the_font_lacks_is_replaced():
    gbk = OnbonCodec()
    frame = gbk.show_frame(2, ["王喆", "张赟"])
    assert "喆".encode("gbk") in frame and "赟".encode("gbk") in frame
    assert gbk.take_request(bytearray(frame)).lines == ("王喆", "张赟")
    # A card with a GB2312 font: the update still goes, with "?" for the one character.
    gb2312 = codec_for("onbon", encoding="gb2312")
    assert gb2312.take_request(bytearray(gb2312.show_frame(2, ["请王喆到3号窗口"]))).lines == ("请王?到3号窗口",)
    # Beyond GBK (𠮷 is GB18030 four-byte only): replaced, the rest shown.
    assert gbk.take_request(bytearray(gbk.show_frame(2, ["𠮷A001"]))).lines == ("?A001",)


def test_the_documented_reply_and_the_short_one_both_parse():
    codec = OnbonCodec()
    documented = packet(PC_ADDRESS, 4, bytes([0x00, 0xA0, 0x01]) + struct.pack("<HHH", 1, 5, 0))
    reply = codec.take_reply(bytearray(documented))
    assert reply.address == 4 and not reply.ok and reply.detail == "error 5"
    short = packet(PC_ADDRESS, 4, bytes.fromhex("a0 01 12"))
    assert codec.take_reply(bytearray(short)).detail == "error 18"
    # the simulator answers in the documented layout
    assert take_packet(bytearray(codec.reply_frame(4, True))).data == bytes.fromhex("00 a0 00 0000 0000 0000")


def test_an_empty_row_is_overwritten_not_left_showing_old_text():
    codec = codec_for("onbon", rows=2, height=32)
    request = codec.take_request(bytearray(codec.show_frame(1, ["A001 正在办理"])))
    assert request.lines == ("A001 正在办理",)
    assert [a["area_id"] for a in request.extra["areas"]] == [0, 1]
    assert [a["text_len"] for a in request.extra["areas"]][1] == 1  # one space


@pytest.mark.parametrize("card_rate", [57600, 9600])
def test_the_agent_finds_the_cards_rate_by_pinging_both(tmp_path, card_rate):
    codec = OnbonCodec()
    with ScreenBusSimulator(codec, (7,), path=str(tmp_path / "ttyLED0"), baudrate=card_rate) as sim:
        answers = ping_each_rate(sim.url, codec, 7, timeout=0.3)
        assert {rate: reply is not None for rate, reply in answers.items()} == \
            {57600: card_rate == 57600, 9600: card_rate == 9600}
        assert find_baudrate(sim.url, codec, 7, timeout=0.3) == card_rate
        assert all(r.extra.get("ping") for r in sim.requests)
        assert sim.displays() == {7: []}  # a ping shows nothing


def test_nobody_answers_at_either_rate_on_a_silent_bus(tmp_path):
    codec = OnbonCodec()
    with ScreenBusSimulator(codec, (7,), path=str(tmp_path / "ttyLED0"), baudrate=57600) as sim:
        assert find_baudrate(sim.url, codec, 8, timeout=0.2) is None   # no screen 8


def test_a_converter_on_tcp_answers_at_the_first_rate():
    codec = OnbonCodec()
    with ScreenBusSimulator(codec, (1,), endpoint=TcpEndpoint(), baudrate=9600) as sim:
        assert find_baudrate(sim.url, codec, 1, timeout=0.5) == 57600


def test_an_auto_bus_at_57600_in_mode_1_shows_gbk_names(tmp_path):
    with ScreenBusSimulator(OnbonCodec(), (1,), path=str(tmp_path / "ttyLED0"), baudrate=57600) as sim:
        config = AgentConfig.model_validate({"leds": [{
            "port": sim.url, "protocol": "onbon", "baudrate": "auto", "columns": 16, "rows": 2,
            "options": {"width": 128, "height": 32}, "addresses": [1]}]})
        screens = LedScreens([bus.bus_config() for bus in config.leds], ack_timeout=0.3)
        try:
            screens.assign({3: (sim.url, 1)})  # the server's map: window 3 at address 1
            window = {"number": 3, "name": "3号窗口", "status": "open", "serving": None,
                      "staff": {"name": "王喆", "number": "0301"}}
            assert screens.show_window(window)
            bus = screens._buses[0]
            assert bus.wait_idle(5)
            assert bus.status()["screens"] == {1: "ok"}
            shown = [r for r in sim.requests if not r.extra.get("ping")]
            assert shown and shown[-1].extra["display_mode"] == 1
            assert len(shown[-1].extra["areas"]) == 2
            assert any("喆" in line for line in sim.displays()[1])  # GBK: the whole name shows
        finally:
            screens.close()


def test_auto_needs_the_onbon_protocol():
    with pytest.raises(ValueError):
        AgentConfig.model_validate({"leds": [{"port": "loop://", "protocol": "line", "baudrate": "auto"}]})
