"""`hallq devices probe` against the simulators on ptys and TCP: what it sends, hears and suggests."""
from __future__ import annotations

import socket
import threading

import pytest

from hallq.devices.agent_config import AgentConfig
from hallq.devices.escpos.simulator import PrinterSimulator
from hallq.devices.keypad.simulator import KeypadBusSimulator
from hallq.devices.keypad.vendor.simulator import VendorKeypadSimulator
from hallq.devices.led import OnbonCodec
from hallq.devices.led.sim_transport import PtyEndpoint, TcpEndpoint
from hallq.devices.led.simulator import ScreenBusSimulator
from hallq.devices.probe import probe, report
from tests.helpers import run_cli


def config(**sections) -> AgentConfig:
    return AgentConfig.model_validate(sections)


@pytest.fixture
def printer():
    sim = PrinterSimulator().start()
    yield sim
    sim.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("mode, meaning, suggestion", [
    ("ok", "answers DLE EOT: ok", "keep status checks on"),
    ("paper_out", "answers DLE EOT: paper_out", "keep status checks on"),
    ("silent", "no status answer", "status = false"),
])
def test_a_printer_is_asked_dle_eot_and_its_answer_explained(printer, mode, meaning, suggestion):
    printer.set_mode(mode)
    [found] = probe(config(printers=[{"name": "k1", "url": printer.url, "paper": 58}]))
    assert found.sent.endswith("10 04 01 10 04 02 10 04 04")
    assert found.meaning.startswith(meaning) and suggestion in found.suggestion


def test_a_no_status_profile_is_still_asked_and_an_absent_printer_is_named():
    [found] = probe(config(printers=[{"name": "k1", "url": f"tcp://127.0.0.1:{free_port()}",
                                      "profile": "POS-5890", "status": False}]))
    assert found.received == "no connection" and "check url" in found.suggestion


def test_an_onbon_card_at_57600_is_found_on_a_pty(tmp_path):
    with ScreenBusSimulator(OnbonCodec(), (3,), path=str(tmp_path / "ttyLED0"), baudrate=57600) as sim:
        found = probe(config(leds=[{"port": sim.url, "protocol": "onbon", "baudrate": 9600, "addresses": [3, 4]}]))
        assert sim.displays() == {3: []}                                   # a ping shows nothing
    assert [f.suggestion for f in found][0] == "baudrate = 57600 (agent.toml says 9600)"
    assert found[0].received == "57600: answer, 9600: nothing"
    assert found[1].meaning.startswith("no Onbon card answers")


def test_an_onbon_card_behind_a_tcp_converter_answers_at_every_rate():
    with ScreenBusSimulator(OnbonCodec(), (1,), endpoint=TcpEndpoint(), baudrate=9600) as sim:
        [found] = probe(config(leds=[{"port": sim.url, "protocol": "onbon", "addresses": [1]}]))
    assert "converter" in found.meaning


def test_an_onbon_bus_without_addresses_asks_for_them():
    """The file names no window's screen any more (the server does); the probe needs the wired cards listed."""
    [found] = probe(config(leds=[{"port": "loop://", "protocol": "onbon"}]))
    assert found.meaning == "no card addresses to ask" and "addresses = [" in found.suggestion


def test_hallq_keypads_answer_the_ping_and_a_missing_one_is_reported(tmp_path):
    sim = KeypadBusSimulator(PtyEndpoint(str(tmp_path / "ttyKEY")))
    sim.add_caller(1)
    try:
        found = probe(config(keypads=[{"port": sim.url, "keypad": [{"address": 1, "window": 1},
                                                                   {"address": 2, "window": 2}]}]))
    finally:
        sim.close()
    assert found[0].meaning == "answers hallq's PING with ACK"
    assert found[0].received == "ff 68 03 03 68 01 10 01 12 16"
    assert found[1].received == "nothing" and "vendor" in found[1].suggestion


@pytest.mark.parametrize("endpoint", ["pty", "tcp"])
def test_vendor_presses_are_dumped_explained_and_acknowledged(tmp_path, endpoint):
    sim = VendorKeypadSimulator(PtyEndpoint(str(tmp_path / "ttyV")) if endpoint == "pty" else TcpEndpoint())
    sim.add_caller(1)
    sim.add_evaluator(1)
    results = {}
    presser = threading.Thread(target=lambda: results.update(call=_press_soon(sim, lambda: sim.press(1, "呼叫")),
                                                             rate=sim.rate(1, 3)))
    try:
        bus = {"port": sim.url, "protocol": "vendor", "keypad": [{"address": 1, "window": 1},
                                                                  {"address": 1, "window": 1, "kind": "evaluator", "keys": 4}]}
        presser.start()
        found = probe(config(keypads=[bus]), listen_s=2.0)
        presser.join()
    finally:
        sim.close()
    assert results == {"call": True, "rate": True}                       # no 通讯故障: the probe answered
    assert [(f.received, f.meaning) for f in found] == [
        ("ff 68 03 03 68 01 01 0c 0e 16", "vendor caller key 呼叫: call_next"),
        ("ff 68 03 03 68 01 11 03 15 16", "vendor evaluator, value 03: level 5"),
    ]
    assert "keypad 1" in report(found)


def _press_soon(sim, press):
    import time
    time.sleep(0.3)     # the probe is listening by then
    return press()


def test_vendor_keypads_on_a_hallq_bus_get_the_vendor_protocol_suggested(tmp_path):
    sim = VendorKeypadSimulator(PtyEndpoint(str(tmp_path / "ttyV")), answer_timeout=0.2)
    sim.add_caller(5)
    presser = threading.Thread(target=lambda: _press_soon(sim, lambda: sim.press(5, "重呼")))
    try:
        presser.start()
        found = probe(config(keypads=[{"port": sim.url, "keypad": [{"address": 5, "window": 1}]}]), listen_s=1.5)
        presser.join()
    finally:
        sim.close()
    # heard while the PING waited for its answer, or while listening: either way the vendor is named
    assert "vendor caller key 重呼: recall" in found[-1].meaning or "vendor frames" in found[0].suggestion
    assert 'protocol = "vendor"' in found[-1].suggestion


def test_the_command_prints_the_findings(tmp_path, printer):
    path = tmp_path / "agent.toml"
    path.write_text(f'[[printers]]\nname = "k1"\nurl = "{printer.url}"\nprofile = "TM-T88V"\n', encoding="utf-8")
    done = run_cli("devices", "probe", "--config", path)
    assert done.returncode == 0, done.stderr
    assert "printer k1" in done.stdout and "answers DLE EOT: ok" in done.stdout


@pytest.mark.parametrize("profile, encoding, lines, raster", [
    ("TM-T88V", "gb18030", ["GB2312: 王张 政务服务中心", "GBK: 鄠邑区 埇桥区 王喆 张赟", "GB18030: 𠮷"], False),
    ("POS-5890", "gb2312", ["GB2312: 王张 政务服务中心", "GBK: ?邑区 ?桥区 王? 张?", "GB18030: ?"], True),
])
def test_the_test_slip_follows_the_profile(profile, encoding, lines, raster):
    from hallq.devices.escpos.decode import decode
    from hallq.devices.probe import print_test
    with PrinterSimulator(speed_mm_s=2000, completion=not raster, cutter=not raster) as printer:
        found = print_test(config(printers=[{"name": "k1", "url": printer.url, "profile": profile}]).printers[0])
        received = printer.received
    assert found.meaning == "printed: check the slip", found
    page = decode(received, encoding)
    assert all(line in page.texts for line in lines)
    assert (len(page.qr_codes), len(page.images)) == ((0, 1) if raster else (1, 0))


def test_the_command_refuses_a_test_slip_for_a_printer_it_does_not_know(tmp_path, printer):
    path = tmp_path / "agent.toml"
    path.write_text(f'[[printers]]\nname = "k1"\nurl = "{printer.url}"\n', encoding="utf-8")
    done = run_cli("devices", "probe", "--config", path, "--print-test", "k2")
    assert done.returncode != 0 and "no printer named k2" in done.stderr
