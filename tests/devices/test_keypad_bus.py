"""The keypad adapter against simulated keypads on a real pty pair: key presses become
window actions, screens follow the server, noise and strangers are refused, and an
unplugged bus comes back by itself."""
from __future__ import annotations

import logging
import threading
from typing import Any

import pytest

from hallq.devices.keypad import (
    ActionRefused, BusStatus, KeypadAdapter, KeypadBusConfig, KeypadConfig, WindowDisplay,
)
from hallq.devices.keypad.commands import Cmd, NakReason
from hallq.devices.keypad.evaluator import KEYPAD_COMMENT, KEYPAD_REASONS, RATING_CANCELLED, RATING_THANKS
from hallq.devices.keypad.frame import Frame, encode
from hallq.devices.keypad.simulator import KeyReply, KeypadBusSimulator
from hallq.devices.led.sim_transport import PtyEndpoint, TcpEndpoint
from tests.helpers import until

ACK = KeyReply(True)
CALLER_1, CALLER_2, EVAL_5KEY, EVAL_3KEY = 1, 2, 21, 22   # bus addresses
WINDOW_A, WINDOW_B = 3, 7                                  # the windows they serve


class FakeWindows:
    """Two windows with their queues, standing in for the server behind `WindowActions`.

    Records every call and answers the way the server would: the window's new
    state, or `ActionRefused` when there is nobody to call.
    """

    def __init__(self) -> None:
        self.queues = {WINDOW_A: ["A001", "A002", "A003"], WINDOW_B: ["B001"]}
        self.serving: dict[int, str | None] = {WINDOW_A: None, WINDOW_B: None}
        self.paused: dict[int, str | None] = {WINDOW_A: None, WINDOW_B: None}
        self.calls: list[tuple[int, str, dict[str, Any]]] = []
        self.ratings: list[tuple[int, Any, int, list[str], str | None]] = []
        self.hold: dict[int, threading.Event] = {}     # window → released when the "server" may answer
        self.refuse_ratings = False
        self._lock = threading.Lock()

    def display(self, window: int) -> WindowDisplay:
        number, reason = self.serving[window], self.paused[window]
        text = f"暂停:{reason}" if reason else (f"请{number}号" if number else "空闲")
        return WindowDisplay(number=number, waiting=len(self.queues[window]),
                             status="paused" if reason else "open", text=text)

    def act(self, window: int, action: str, **params: Any) -> WindowDisplay:
        with self._lock:
            self.calls.append((window, action, params))
        if window in self.hold:
            self.hold[window].wait(10)
        with self._lock:
            if action == "call_next":
                if not self.queues[window]:
                    raise ActionRefused("暂无等候")
                self.serving[window] = self.queues[window].pop(0)
            elif action in ("skip", "finish", "transfer"):
                self.serving[window] = None
            elif action == "pause":
                self.paused[window] = params["reason"]
            elif action == "resume":
                self.paused[window] = None
            return self.display(window)

    def rate(self, window: int, ticket: Any, level: int, reasons: list[str], comment: str | None) -> None:
        with self._lock:
            self.ratings.append((window, ticket, level, reasons, comment))
        if self.refuse_ratings:
            raise ActionRefused("评价已过期")


@pytest.fixture
def sim(tmp_path):
    bus = KeypadBusSimulator(PtyEndpoint(str(tmp_path / "ttyUSB-keypads")))
    bus.add_caller(CALLER_1)
    bus.add_caller(CALLER_2)
    bus.add_evaluator(EVAL_5KEY, keys=5)
    bus.add_evaluator(EVAL_3KEY, keys=3)
    yield bus
    bus.close()


@pytest.fixture
def windows():
    return FakeWindows()


@pytest.fixture
def statuses():
    return []


@pytest.fixture
def adapter(sim, windows, statuses):
    config = KeypadBusConfig(
        port=sim.url, rating_timeout_s=30, transfer_items={"5": "SJ03"},
        keypad=[
            KeypadConfig(address=CALLER_1, window=WINDOW_A),
            KeypadConfig(address=CALLER_2, window=WINDOW_B),
            KeypadConfig(address=EVAL_5KEY, window=WINDOW_A, kind="evaluator", keys=5),
            KeypadConfig(address=EVAL_3KEY, window=WINDOW_B, kind="evaluator", keys=3),
        ])
    keypads = KeypadAdapter(config, windows, on_status=statuses.append, retry_min=0.05, retry_max=0.2)
    keypads.start()
    yield keypads
    for event in windows.hold.values():
        event.set()
    keypads.close()


# -- caller keypads -------------------------------------------------------------------------

@pytest.mark.parametrize("action, params, expected", [
    ("call_next", {}, {}),
    ("recall", {}, {}),
    ("skip", {}, {}),
    ("pause", {"reason": "lunch"}, {"reason": "lunch"}),
    ("pause", {"reason": "meeting"}, {"reason": "meeting"}),
    ("pause", {"reason": "fault"}, {"reason": "fault"}),
    ("resume", {}, {}),
    ("transfer", {"to_window": 12}, {"to_window": 12, "come_back": False}),
    ("transfer", {"to_window": 12, "come_back": True}, {"to_window": 12, "come_back": True}),
    ("transfer", {"service": "5"}, {"service": "SJ03", "come_back": False}),      # mapped item number
    ("transfer", {"service": "GA01", "come_back": True}, {"service": "GA01", "come_back": True}),
    ("finish", {}, {"outcome": "immediate"}),
    ("request_rating", {}, {}),
])
def test_each_caller_key_reaches_the_window_actions(sim, adapter, windows, action, params, expected):
    assert sim.press(CALLER_2, action, **params) == ACK
    assert until(lambda: windows.calls)
    assert windows.calls == [(WINDOW_B, action, expected)]
    # the answer of the action is what the keypad shows
    assert sim.wait_for(lambda: sim.keypad(CALLER_2).screen == windows.display(WINDOW_B))


def test_a_call_shows_on_the_keypad_of_that_window_only(sim, adapter, windows):
    assert sim.press(CALLER_1, "call_next") == ACK
    assert sim.wait_for(lambda: sim.keypad(CALLER_1).screen is not None)
    assert sim.keypad(CALLER_1).screen == WindowDisplay(number="A001", waiting=2, status="open", text="请A001号")
    assert sim.keypad(CALLER_2).screen is None
    assert windows.calls == [(WINDOW_A, "call_next", {})]


def test_server_updates_reach_the_right_keypad(sim, adapter):
    adapter.update(WINDOW_B, WindowDisplay(number="B017", waiting=4, status="open", text="请B017号\n到7号窗口"))
    adapter.update(WINDOW_A, WindowDisplay(number=None, waiting=0, status="paused", text="午休暂停"))
    assert sim.wait_for(lambda: sim.keypad(CALLER_1).screen is not None and sim.keypad(CALLER_2).screen is not None)
    assert sim.keypad(CALLER_2).screen == WindowDisplay("B017", 4, "open", "请B017号\n到7号窗口")
    assert sim.keypad(CALLER_1).screen == WindowDisplay(None, 0, "paused", "午休暂停")
    # nothing meant for a caller keypad reaches an evaluator
    assert not any(f.command == Cmd.DISPLAY and f.address in (EVAL_5KEY, EVAL_3KEY) for f in sim.host_frames)


def test_a_refusal_is_shown_over_the_windows_state(sim, adapter, windows):
    windows.queues[WINDOW_B] = []
    adapter.update(WINDOW_B, WindowDisplay(number="B009", waiting=0, text="请B009号"))
    assert sim.press(CALLER_2, "call_next") == ACK
    assert sim.wait_for(lambda: sim.keypad(CALLER_2).screen.text == "暂无等候")
    assert sim.keypad(CALLER_2).screen.number == "B009"


def test_a_failing_action_shows_a_fault_and_the_keypad_keeps_working(sim, adapter, windows, caplog):
    def broken(window, action, **params):
        raise ConnectionError("server unreachable")
    real_act, windows.act = windows.act, broken
    assert sim.press(CALLER_1, "call_next") == ACK
    assert sim.wait_for(lambda: sim.keypad(CALLER_1).screen is not None)
    assert sim.keypad(CALLER_1).screen.text == "系统故障\n请稍候再试"
    assert "server unreachable" in caplog.text
    windows.act = real_act
    assert sim.press(CALLER_1, "call_next") == ACK
    assert sim.wait_for(lambda: sim.keypad(CALLER_1).screen.number == "A001")


def test_a_slow_server_never_makes_the_bus_deaf_nor_runs_two_keys_of_one_keypad(sim, adapter, windows):
    windows.hold[WINDOW_A] = threading.Event()
    assert sim.press(CALLER_1, "call_next") == ACK            # the server sits on this one
    assert until(lambda: len(windows.calls) == 1)
    # the other keypad is heard and served meanwhile
    assert sim.press(CALLER_2, "call_next") == ACK
    assert sim.wait_for(lambda: sim.keypad(CALLER_2).screen is not None)
    assert sim.keypad(CALLER_2).screen.number == "B001"
    # the busy keypad's next key is refused, not queued behind the slow one
    assert sim.press(CALLER_1, "recall") == KeyReply(False, NakReason.BUSY)
    windows.hold.pop(WINDOW_A).set()
    assert sim.wait_for(lambda: sim.keypad(CALLER_1).screen is not None)
    assert sim.keypad(CALLER_1).screen.number == "A001"
    assert [c[:2] for c in windows.calls] == [(WINDOW_A, "call_next"), (WINDOW_B, "call_next")]
    assert sim.press(CALLER_1, "recall") == ACK


def test_a_key_frame_sent_again_is_answered_again_but_acted_on_once(sim, adapter, windows):
    raw = encode(Frame(CALLER_1, Cmd.CALL_NEXT, 42))
    sim.send_raw(raw)
    sim.send_raw(raw)     # the keypad did not hear our ACK and repeats itself
    acks = lambda: [f for f in sim.host_frames if f.command == Cmd.HOST_ACK and f.address == CALLER_1 and f.seq == 42]
    assert sim.wait_for(lambda: len(acks()) == 2)
    assert sim.wait_for(lambda: sim.keypad(CALLER_1).screen is not None)
    assert windows.calls == [(WINDOW_A, "call_next", {})]


def test_noise_and_a_bad_checksum_are_ignored_and_the_stream_resynchronises(sim, adapter, windows, caplog):
    caplog.set_level(logging.WARNING, logger="hallq.devices.keypad.adapter")
    damaged = bytearray(encode(Frame(CALLER_1, Cmd.SKIP, 200)))
    damaged[-2] ^= 0xFF
    sim.send_raw(b"\x00\x68\x68\xfe line noise \x16\x68\x02\x02")
    sim.send_raw(bytes(damaged))
    # a frame cut short: its length claims more than follows before the line goes quiet
    sim.send_raw(encode(Frame(CALLER_2, Cmd.DISPLAY, 7, bytes(60)))[:9])
    assert sim.press(CALLER_1, "call_next") == ACK
    assert sim.wait_for(lambda: sim.keypad(CALLER_1).screen is not None)
    assert windows.calls == [(WINDOW_A, "call_next", {})]      # the damaged skip did nothing
    assert "bad checksum" in caplog.text


def test_an_unknown_address_is_refused_and_logged(sim, adapter, windows, caplog):
    caplog.set_level(logging.WARNING, logger="hallq.devices.keypad.adapter")
    assert sim.press(9, "call_next") == KeyReply(False, NakReason.UNKNOWN_ADDRESS)
    assert "address 9 is not configured" in caplog.text
    assert windows.calls == []


def test_keys_a_keypad_does_not_have_are_refused(sim, adapter, windows):
    assert sim.press_rating(CALLER_1, 1) == KeyReply(False, NakReason.UNKNOWN_COMMAND)
    assert sim.press(EVAL_5KEY, "call_next") == KeyReply(False, NakReason.UNKNOWN_COMMAND)
    assert sim.send_key(CALLER_1, Cmd.PAUSE, b"\x09") == KeyReply(False, NakReason.BAD_DATA)
    assert windows.calls == []


def test_unplug_and_replug_recover_without_restarting_the_adapter(sim, adapter, windows, statuses):
    assert sim.press(CALLER_1, "call_next") == ACK
    assert sim.wait_for(lambda: sim.keypad(CALLER_1).screen is not None)
    before = sim.keypad(CALLER_1).screen

    sim.unplug()
    assert until(lambda: not adapter.status().up)
    assert any(not s.up for s in statuses)
    # the server keeps reporting while the bus is gone; the latest state must win
    adapter.update(WINDOW_B, WindowDisplay(number="B005", waiting=1, text="请B005号"))

    sim.plug(power_cycle=True)          # the keypads come back blank
    assert sim.keypad(CALLER_1).screen is None
    assert until(lambda: adapter.status().up)
    assert until(lambda: statuses[-1].up)
    # the adapter puts back what every screen should show
    assert sim.wait_for(lambda: sim.keypad(CALLER_1).screen == before)
    assert sim.wait_for(lambda: sim.keypad(CALLER_2).screen == WindowDisplay("B005", 1, "open", "请B005号"))
    # and keys work again
    assert sim.press(CALLER_1, "call_next") == ACK
    assert sim.wait_for(lambda: sim.keypad(CALLER_1).screen.number == "A002")
    assert [c[1] for c in windows.calls] == ["call_next", "call_next"]


def test_a_keypad_that_stops_answering_is_reported(sim, adapter, statuses):
    assert sim.press(CALLER_1, "call_next") == ACK
    assert until(lambda: _answering(adapter, CALLER_1) is True)
    sim.remove(CALLER_1)                # this keypad's cable is cut; the bus still works
    adapter.update(WINDOW_A, WindowDisplay(number="A009", waiting=0))
    assert until(lambda: _answering(adapter, CALLER_1) is False)
    assert any(_answering_in(s, CALLER_1) is False for s in statuses)
    sim.add_caller(CALLER_1)            # reconnected: its next key brings its screen back
    assert sim.press(CALLER_1, "recall") == ACK
    assert sim.wait_for(lambda: sim.keypad(CALLER_1).screen is not None)
    assert until(lambda: _answering(adapter, CALLER_1) is True)


def _answering_in(status: BusStatus, address: int) -> bool | None:
    return next(k.answering for k in status.keypads if k.address == address)


def _answering(adapter: KeypadAdapter, address: int) -> bool | None:
    return _answering_in(adapter.status(), address)


# -- evaluator keypads ----------------------------------------------------------------------

@pytest.mark.parametrize("address, window, key, level", [
    (EVAL_5KEY, WINDOW_A, 1, 5), (EVAL_5KEY, WINDOW_A, 2, 4), (EVAL_5KEY, WINDOW_A, 3, 3),
    (EVAL_5KEY, WINDOW_A, 4, 2), (EVAL_5KEY, WINDOW_A, 5, 1),
    (EVAL_3KEY, WINDOW_B, 1, 5), (EVAL_3KEY, WINDOW_B, 2, 3), (EVAL_3KEY, WINDOW_B, 3, 1),
])
def test_rating_keys_map_to_levels_by_model(sim, adapter, windows, address, window, key, level):
    assert adapter.request_rating(window, ticket=1000 + window, number="X001")
    assert sim.wait_for(lambda: sim.keypad(address).prompt is not None)
    assert sim.keypad(address).prompt.number == "X001"
    assert sim.press_rating(address, key) == ACK
    assert sim.wait_for(lambda: sim.keypad(address).rating_ends == [RATING_THANKS])
    assert sim.keypad(address).prompt is None
    bad = level <= 2
    assert windows.ratings == [(window, 1000 + window, level,
                                list(KEYPAD_REASONS) if bad else [], KEYPAD_COMMENT if bad else None)]


def test_a_rating_key_counts_only_while_a_rating_is_requested(sim, adapter, windows):
    not_now = KeyReply(False, NakReason.NOT_NOW)
    assert sim.press_rating(EVAL_5KEY, 1) == not_now                   # nothing asked yet
    adapter.request_rating(WINDOW_A, ticket=55, number="A001")
    assert sim.wait_for(lambda: sim.keypad(EVAL_5KEY).prompt is not None)
    assert sim.press_rating(EVAL_3KEY, 1) == not_now                   # the other window's keypad
    assert sim.press_rating(EVAL_5KEY, 2) == ACK                       # the first key wins
    assert sim.press_rating(EVAL_5KEY, 1) == not_now                   # a second one does not
    assert sim.wait_for(lambda: sim.keypad(EVAL_5KEY).rating_ends == [RATING_THANKS])
    assert windows.ratings == [(WINDOW_A, 55, 4, [], None)]


def test_a_rating_request_runs_out(sim, adapter, windows):
    adapter.request_rating(WINDOW_B, ticket=56, number="B001", timeout_s=0.5)
    assert sim.wait_for(lambda: sim.keypad(EVAL_3KEY).prompt is not None)
    assert sim.wait_for(lambda: sim.keypad(EVAL_3KEY).rating_ends == [RATING_CANCELLED])
    assert sim.keypad(EVAL_3KEY).prompt is None
    assert sim.press_rating(EVAL_3KEY, 1) == KeyReply(False, NakReason.NOT_NOW)
    assert windows.ratings == []


def test_a_withdrawn_or_refused_rating_goes_back_to_idle(sim, adapter, windows):
    adapter.request_rating(WINDOW_A, ticket=57, number="A002")
    assert sim.wait_for(lambda: sim.keypad(EVAL_5KEY).prompt is not None)
    adapter.cancel_rating(WINDOW_A)
    assert sim.wait_for(lambda: sim.keypad(EVAL_5KEY).rating_ends == [RATING_CANCELLED])
    assert sim.press_rating(EVAL_5KEY, 1) == KeyReply(False, NakReason.NOT_NOW)

    windows.refuse_ratings = True
    adapter.request_rating(WINDOW_A, ticket=58, number="A003")
    assert sim.wait_for(lambda: sim.keypad(EVAL_5KEY).prompt is not None)
    assert sim.press_rating(EVAL_5KEY, 5) == ACK
    assert sim.wait_for(lambda: sim.keypad(EVAL_5KEY).rating_ends == [RATING_CANCELLED, RATING_CANCELLED])
    assert windows.ratings == [(WINDOW_A, 58, 1, list(KEYPAD_REASONS), KEYPAD_COMMENT)]


def test_a_key_the_model_lacks_is_refused(sim, adapter, windows):
    adapter.request_rating(WINDOW_B, ticket=59, number="B002")
    assert sim.wait_for(lambda: sim.keypad(EVAL_3KEY).prompt is not None)
    assert sim.press_rating(EVAL_3KEY, 4) == KeyReply(False, NakReason.BAD_DATA)
    assert sim.press_rating(EVAL_3KEY, 3) == ACK
    assert until(lambda: windows.ratings)
    assert windows.ratings[0][2] == 1


def test_a_window_without_an_evaluator_keypad_is_told_so(adapter):
    assert adapter.request_rating(99, ticket=1, number="Z001") is False


def test_a_lit_evaluator_is_lit_again_after_replug(sim, adapter):
    adapter.request_rating(WINDOW_A, ticket=60, number="A004")
    assert sim.wait_for(lambda: sim.keypad(EVAL_5KEY).prompt is not None)
    sim.unplug()
    assert until(lambda: not adapter.status().up)
    sim.plug(power_cycle=True)
    assert sim.keypad(EVAL_5KEY).prompt is None
    assert sim.wait_for(lambda: sim.keypad(EVAL_5KEY).prompt is not None)
    assert sim.keypad(EVAL_5KEY).prompt.number == "A004"
    assert sim.keypad(EVAL_5KEY).prompt.timeout_s <= 30


# -- an RS-485-to-Ethernet converter instead of a USB adapter -------------------------------

def test_the_bus_works_through_a_tcp_converter_and_its_reconnection(windows):
    sim = KeypadBusSimulator(TcpEndpoint())
    sim.add_caller(CALLER_1)
    config = KeypadBusConfig(port=sim.url, keypad=[KeypadConfig(address=CALLER_1, window=WINDOW_A)])
    try:
        with KeypadAdapter(config, windows, retry_min=0.05, retry_max=0.2) as keypads:
            assert sim.url.startswith("socket://127.0.0.1:")
            assert sim.press(CALLER_1, "call_next") == ACK
            assert sim.wait_for(lambda: sim.keypad(CALLER_1).screen is not None)
            assert sim.keypad(CALLER_1).screen.number == "A001"
            sim.unplug()
            assert until(lambda: not keypads.status().up)
            sim.plug()
            assert sim.wait_for(lambda: sim.keypad(CALLER_1).screen is not None)   # state sent again
            assert sim.press(CALLER_1, "call_next") == ACK
            assert sim.wait_for(lambda: sim.keypad(CALLER_1).screen.number == "A002")
    finally:
        sim.close()
