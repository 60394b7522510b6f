"""LedScreens: window numbers mapped to screens on several buses, the call sequence."""
from __future__ import annotations

import time

from hallq.devices.led import codec_for
from hallq.devices.led.screens import BusConfig, LedScreens
from hallq.devices.led.sim_transport import TcpEndpoint
from hallq.devices.led.simulator import ScreenBusSimulator
from tests.helpers import until


def window(number: int, **overrides) -> dict:
    data = {"number": number, "name": f"{number}号窗口", "status": "open", "pause_reason": None,
            "serving": None, "staff": {"name": "李四", "number": "012", "post": "A"}}
    data.update(overrides)
    return data


def test_windows_on_two_buses_and_the_call_sequence(tmp_path):
    line_sim = ScreenBusSimulator(codec_for("line"), (1, 2), path=str(tmp_path / "ttyLED0"))
    onbon_sim = ScreenBusSimulator(codec_for("onbon", width=64, height=32), (7,), endpoint=TcpEndpoint())
    statuses = []
    history: dict[int, list[list[str]]] = {1: [], 2: [], 7: []}
    for sim in (line_sim, onbon_sim):
        sim.on_frame = lambda address, lines, at: history[address].append(lines)
    configs = [
        BusConfig.from_dict({"port": line_sim.url, "protocol": "line", "columns": 16, "rows": 2,
                             "calling_seconds": 0.3, "screens": {"1": 1, "2": 2}}),
        BusConfig.from_dict({"port": onbon_sim.url, "protocol": "onbon", "columns": 8, "rows": 2,
                             "calling_seconds": 0.3, "screens": {"5": 7}, "onbon": {"width": 64, "height": 32}}),
    ]
    screens = LedScreens(configs, on_status=statuses.append)
    try:
        assert screens.windows_on_screens() == {1: (line_sim.url, 1), 2: (line_sim.url, 2), 5: (onbon_sim.url, 7)}
        assert screens.show_call(window(1), "A001")
        assert screens.show_window(window(2, status="paused", pause_reason="lunch"))
        assert screens.show_call(window(5), "B001")
        assert not screens.show_window(window(9))          # no screen for window 9
        # The calling text lasts 0.3 s here: read what each screen was sent, in order.
        until(lambda: history[1] == [["请A001到1号窗口"], ["A001 正在办理"]])
        until(lambda: history[7] == [["请B001", "5号窗口"], ["B001", "正在办理"]])
        assert line_sim.displays() == {1: ["A001 正在办理"], 2: ["暂停服务", "午休"]}

        # A newer call within the calling seconds replaces the follow-up of the older one.
        screens.show_call(window(1), "A002")
        time.sleep(0.1)
        screens.show_call(window(1), "A003")
        until(lambda: line_sim.displays()[1] == ["A003 正在办理"])
        time.sleep(0.4)
        assert ["A002 正在办理"] not in history[1]  # superseded before its time came
        assert history[1][-1] == ["A003 正在办理"]

        onbon_sim.silence(7)
        screens.show_window(window(5))
        until(lambda: any(s.window == 5 and s.change.status == "not_answering" for s in statuses))
        status = screens.status()
        assert status[line_sim.url] == {"port": "ok", "screens": {1: "ok", 2: "ok"}}
        assert status[onbon_sim.url]["screens"] == {7: "not_answering"}
        assert any(s.window is None and s.change.address is None and s.change.status == "ok" for s in statuses)
    finally:
        screens.close()
        line_sim.close()
        onbon_sim.close()
