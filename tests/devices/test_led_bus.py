"""The LED bus manager against the simulated screen bus, over real pty pairs and a real
TCP socket on 127.0.0.1, for both protocols."""
from __future__ import annotations

import threading
import time

import pytest

from hallq.devices.led import LedBus, StatusChange, codec_for
from hallq.devices.led.sim_transport import TcpEndpoint
from hallq.devices.led.simulator import ScreenBusSimulator

PROTOCOLS = ["onbon", "line"]


class Changes:
    def __init__(self) -> None:
        self.items: list[StatusChange] = []
        self._lock = threading.Lock()

    def __call__(self, change: StatusChange) -> None:
        with self._lock:
            self.items.append(change)

    def of(self, address: int | None) -> list[str]:
        with self._lock:
            return [c.status for c in self.items if c.address == address]

    def wait_for(self, address: int | None, status: str, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if status in self.of(address):
                return
            time.sleep(0.01)
        raise AssertionError(f"no {status} for {address}; saw {self.items}")


@pytest.fixture(params=PROTOCOLS)
def protocol(request):
    return request.param


@pytest.fixture
def sim(protocol, tmp_path):
    simulator = ScreenBusSimulator(codec_for(protocol), (1, 2, 3, 4), path=str(tmp_path / "ttyLED0"))
    yield simulator
    simulator.close()


@pytest.fixture
def changes():
    return Changes()


@pytest.fixture
def bus(sim, protocol, changes):
    led = LedBus(sim.url, codec_for(protocol), on_status=changes, ack_timeout=0.2, attempts=3,
                 recheck_s=0.3, retry_min=0.02, retry_max=0.1)
    yield led
    led.close()


def test_each_screen_on_the_bus_shows_its_own_text(sim, bus, changes):
    bus.show(1, ["请A001到1号窗口"])
    bus.show(2, ["A002 正在办理"])
    bus.show(3, ["暂停服务", "午休"])
    bus.show(4, ["4号窗口 综合受理", "工作人员 张三"])
    assert bus.wait_idle(5)
    assert sim.displays() == {1: ["请A001到1号窗口"], 2: ["A002 正在办理"], 3: ["暂停服务", "午休"],
                              4: ["4号窗口 综合受理", "工作人员 张三"]}
    assert bus.status() == {"port": "ok", "screens": {1: "ok", 2: "ok", 3: "ok", 4: "ok"}}
    assert changes.of(None) == ["ok"]
    assert all(changes.of(a) == ["ok"] for a in (1, 2, 3, 4))


def test_a_silent_screen_is_reported_after_retries_while_others_keep_working(sim, bus, changes):
    sim.silence(2)
    bus.show(2, ["A002 正在办理"])
    bus.show(1, ["请A001到1号窗口"])
    bus.show(3, ["A003 正在办理"])
    changes.wait_for(2, "not_answering")
    assert bus.wait_idle(5)
    assert sim.displays()[1] == ["请A001到1号窗口"] and sim.displays()[3] == ["A003 正在办理"]
    assert sim.displays()[2] == []
    assert bus.status()["screens"] == {1: "ok", 2: "not_answering", 3: "ok"}
    # Screens that answer are not held up by the dead one.
    bus.show(1, ["A004 正在办理"])
    assert bus.wait_idle(5) and sim.displays()[1] == ["A004 正在办理"]
    # Switched back on, it gets its current text at the next recheck and reports ok.
    sim.silence(2, False)
    changes.wait_for(2, "ok")
    assert sim.displays()[2] == ["A002 正在办理"]
    assert changes.of(2) == ["not_answering", "ok"]


def test_newer_text_for_a_screen_replaces_its_unsent_text(sim, bus):
    sim.silence(4)
    bus.show(4, ["占线"])               # the worker now spends ~0.6 s retrying screen 4
    time.sleep(0.05)
    for number in ("A001", "A002", "A003"):
        bus.show(1, [f"请{number}到1号窗口"])
    bus.show(2, ["A009 正在办理"])
    assert bus.wait_idle(5)
    assert sim.displays()[1] == ["请A003到1号窗口"]
    assert sim.received(1) == 1       # A001 and A002 were never sent: no stale calls replayed
    assert sim.received(2) == 1


def test_unplugged_adapter_is_reported_and_recovers_by_itself(sim, bus, changes):
    bus.show(1, ["A001 正在办理"])
    bus.show(2, ["A002 正在办理"])
    assert bus.wait_idle(5)
    sim.unplug()
    changes.wait_for(None, "port_down")          # noticed while idle, without any show()
    assert bus.status() == {"port": "port_down", "screens": {1: "port_down", 2: "port_down"}}
    # Calls made while the adapter is out: only the newest per screen is kept.
    bus.show(1, ["请A005到1号窗口"])
    bus.show(1, ["请A006到1号窗口"])
    bus.show(3, ["暂停服务", "开会"])
    sent_before = sim.received(1)
    sim.plug()                                   # a new pty, the same path
    changes.wait_for(None, "ok", timeout=5)
    assert bus.wait_idle(5)
    assert sim.displays()[1] == ["请A006到1号窗口"]
    assert sim.displays()[3] == ["暂停服务", "开会"]
    assert sim.displays()[2] == ["A002 正在办理"]  # resent after the outage
    assert sim.received(1) == sent_before + 1
    assert changes.of(None) == ["ok", "port_down", "ok"]
    assert bus.status()["screens"] == {1: "ok", 2: "ok", 3: "ok"}


def test_socket_converter_bus_works_and_survives_a_dropped_connection(protocol, changes):
    endpoint = TcpEndpoint()
    with ScreenBusSimulator(codec_for(protocol), (5, 6), endpoint=endpoint) as sim, \
            LedBus(sim.url, codec_for(protocol), on_status=changes, ack_timeout=0.2,
                   retry_min=0.02, retry_max=0.1) as bus:
        assert sim.url.startswith("socket://127.0.0.1:")
        bus.show(5, ["请B001到5号窗口"])
        bus.show(6, ["B002 正在办理"])
        assert bus.wait_idle(5)
        assert sim.displays() == {5: ["请B001到5号窗口"], 6: ["B002 正在办理"]}
        sim.unplug()
        changes.wait_for(None, "port_down")
        bus.show(5, ["B003 正在办理"])
        sim.plug()
        changes.wait_for(None, "ok")
        assert bus.wait_idle(5)
        assert sim.displays() == {5: ["B003 正在办理"], 6: ["B002 正在办理"]}
        assert changes.of(None) == ["ok", "port_down", "ok"]


def test_a_screen_that_keeps_refusing_is_reported_rejected(tmp_path, changes):
    # A screen with the wrong font answers NAK to every frame: the line protocol's NAK.
    codec = codec_for("line")
    with ScreenBusSimulator(codec, (1,), path=str(tmp_path / "tty")) as sim:
        class Refusing(type(codec)):
            def show_frame(self, address, lines):
                frame = bytearray(super().show_frame(address, lines))
                frame[-1] = ord("0") if frame[-1] != ord("0") else ord("1")  # wrong checksum
                return bytes(frame)
        with LedBus(sim.url, Refusing(), on_status=changes, ack_timeout=0.2, attempts=2) as bus:
            bus.show(1, ["A001"])
            changes.wait_for(1, "rejected")
            assert sim.rejected(1) == 2 and sim.displays()[1] == []
            assert [c.detail for c in changes.items if c.address == 1] == ["checksum"]


def test_text_the_protocol_cannot_carry_fails_in_the_caller(bus):
    from hallq.devices.led import FrameError
    with pytest.raises(FrameError):
        # Onbon replaces characters its font lacks, but has no screen 0xFFFF (broadcast);
        # the line protocol cannot carry a control byte.
        bus.show(0xFFFF if bus.codec.name == "onbon" else 1, ["😀\x03"])
