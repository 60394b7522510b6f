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


def test_the_servers_map_assigned_at_any_time_moves_a_window_with_its_state_and_blanks_the_card_it_left(tmp_path):
    """The agent drives what the server's map says (assign): a window moved to another card, even on another
    bus, shows its last state there at once; the card it left is blanked; a port the agent lacks is not driven."""
    line_sim = ScreenBusSimulator(codec_for("line"), (1, 2), path=str(tmp_path / "ttyLED0"))
    other_sim = ScreenBusSimulator(codec_for("line"), (5,), path=str(tmp_path / "ttyLED1"))
    configs = [BusConfig(port=line_sim.url, protocol="line", addresses=(1, 2)),
               BusConfig(port=other_sim.url, protocol="line", addresses=(5,))]
    screens = LedScreens(configs)
    try:
        assert screens.windows_on_screens() == {}
        assert not screens.show_window(window(3))  # nothing assigned yet
        assert screens.assign({3: (line_sim.url, 1), 4: ("/dev/ttyNOWHERE", 9)}) == {3}
        assert screens.windows_on_screens() == {3: (line_sim.url, 1)}
        assert screens.show_window(window(3, serving={"id": 1, "number": "A001", "service": "GA01"}))
        until(lambda: line_sim.displays()[1] == ["A001 正在办理"], what="window 3 on card 1")

        assert screens.assign({3: (line_sim.url, 1)}) == set()  # the same map again changes nothing
        assert screens.assign({3: (other_sim.url, 5)}) == {3}
        until(lambda: other_sim.displays()[5] == ["A001 正在办理"], what="window 3's state followed it to card 5")
        until(lambda: line_sim.displays()[1] == [], what="card 1 blanked")
        assert screens.show_call(window(3), "A002")
        until(lambda: other_sim.displays()[5] == ["请A002到3号窗口"], what="the next call on card 5")
        assert line_sim.displays()[1] == []

        assert screens.assign({}) == {3}
        until(lambda: other_sim.displays()[5] == [], what="card 5 blanked when window 3 has no screen")
        assert not screens.show_window(window(3))
    finally:
        screens.close()
        line_sim.close()
        other_sim.close()
