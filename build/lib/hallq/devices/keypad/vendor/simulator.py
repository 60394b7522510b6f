"""Simulated vendor keypads (呼叫器 and 四键评价器) on one bus, speaking the real bytes over a pty or TCP.

What the firmware does, as far as the sources show it (docs/keypad-protocol.md,
vendor codec): a key sends one frame and waits for the host to send it back
(an evaluator's value comes back with function 01); without that answer the
keypad beeps 通讯故障 (`faults` counts them; the simulator does not resend,
no source says the firmware does). A caller shows the six digit cells the
host sends and beeps on BEEP; an evaluator opens when it hears function 01
with key 评价 at its address, whoever sent it (the 评价 key's echo, or the
host's start frame), and closes after a value was acknowledged.

    sim = VendorKeypadSimulator(PtyEndpoint("/tmp/x/ttyKEYPAD"))
    sim.add_caller(1); sim.add_evaluator(1)      # one window's pair, sharing address 1
    sim.press(1, "呼叫")                          # -> True: the host echoed it
    sim.caller(1).shown                          # -> ("   ", "001")
    sim.rate(1, 3)                               # value 3: 非常满意
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Callable

from hallq.devices.keypad.frame import FrameError
from hallq.devices.keypad.vendor import keys
from hallq.devices.keypad.vendor.frame import (
    BEEP, DISPLAY, KEY, RATING, VendorFrame, acknowledgement, decoder, encode,
)
from hallq.devices.led.sim_transport import SimEndpoint

log = logging.getLogger(__name__)


@dataclass
class SimCaller:
    address: int
    shown: tuple[str, str] | None = None     # (waiting group, ticket group), dark cells as spaces
    beeps: int = 0
    faults: int = 0                          # keys the host never echoed: 通讯故障


@dataclass
class SimEvaluator:
    address: int
    open: bool = False                       # lit, waiting for the citizen's key
    opened: int = 0
    faults: int = 0


@dataclass
class _Pending:
    expected: bytes
    answered: threading.Event = field(default_factory=threading.Event)


class VendorKeypadSimulator:
    def __init__(self, endpoint: SimEndpoint, *, answer_timeout: float = 0.5, echo_host: bool = False) -> None:
        """`echo_host`: the bus also plays back every host frame, as some RS-485 adapters do."""
        self.endpoint = endpoint
        self.answer_timeout = answer_timeout
        self.echo_host = echo_host
        self.host_frames: list[bytes] = []       # every valid frame the host sent, as bytes
        self.bad_frames: list[FrameError] = []
        self._callers: dict[int, SimCaller] = {}
        self._evaluators: dict[int, SimEvaluator] = {}
        self._pending: list[_Pending] = []
        self._decoder = decoder()
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vendor-keypad-sim", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return self.endpoint.url

    def add_caller(self, address: int) -> SimCaller:
        with self._changed:
            return self._callers.setdefault(address, SimCaller(address))

    def add_evaluator(self, address: int) -> SimEvaluator:
        with self._changed:
            return self._evaluators.setdefault(address, SimEvaluator(address))

    def caller(self, address: int) -> SimCaller:
        return self._callers[address]

    def evaluator(self, address: int) -> SimEvaluator:
        return self._evaluators[address]

    # -- what a person does --------------------------------------------------------------------

    def press(self, address: int, key: str) -> bool:
        """Press a caller key by its label (呼叫, 重呼, 评价, 等候, 转移, 弃号 = 6+确认, …); True if echoed."""
        ok = self.send(VendorFrame(address, KEY, keys.key_data(key)))
        if not ok:
            with self._changed:
                self.add_caller(address).faults += 1
        return ok

    def rate(self, address: int, value: int) -> bool:
        """Press the evaluator key of `value` (0 不满意 … 3 非常满意); True if acknowledged."""
        ok = self.send(VendorFrame(address, RATING, bytes((value,))))
        with self._changed:
            evaluator = self.add_evaluator(address)
            if ok:
                evaluator.open = False
            else:
                evaluator.faults += 1
        return ok

    def send(self, frame: VendorFrame) -> bool:
        """Send a keypad frame and wait for the host's acknowledgement of it."""
        pending = _Pending(encode(acknowledgement(frame)))
        with self._changed:
            self._pending.append(pending)
        self.endpoint.write(encode(frame))
        answered = pending.answered.wait(self.answer_timeout)
        with self._changed:
            if pending in self._pending:
                self._pending.remove(pending)
        return answered

    def send_raw(self, data: bytes) -> None:
        self.endpoint.write(data)

    def unplug(self) -> None:
        self.endpoint.unplug()

    def plug(self, power_cycle: bool = True) -> None:
        if power_cycle:
            with self._changed:
                for caller in self._callers.values():
                    caller.shown = None
                for evaluator in self._evaluators.values():
                    evaluator.open = False
        self.endpoint.plug()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 3.0) -> bool:
        with self._changed:
            return self._changed.wait_for(predicate, timeout)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.endpoint.close()

    # -- the keypads' firmware -------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            data = self.endpoint.read(0.03)
            for item in self._decoder.feed(data) if data else self._decoder.expire():
                if isinstance(item, FrameError):
                    with self._changed:
                        self.bad_frames.append(item)
                        self._changed.notify_all()
                else:
                    self._from_host(item)

    def _from_host(self, frame: VendorFrame) -> None:
        raw = encode(frame)
        if self.echo_host:
            self.endpoint.write(raw)
        with self._changed:
            self.host_frames.append(raw)
            for pending in list(self._pending):
                if pending.expected == raw:
                    self._pending.remove(pending)
                    pending.answered.set()
                    break
            caller = self._callers.get(frame.address)
            evaluator = self._evaluators.get(frame.address)
            if caller is not None and frame.function == DISPLAY:
                try:
                    caller.shown = keys.shown(frame.data)
                except ValueError as exc:
                    log.warning("simulated keypad %d cannot show %s: %s", frame.address, raw.hex(" "), exc)
            elif caller is not None and frame.function == BEEP:
                caller.beeps += 1
            if evaluator is not None and frame.function == KEY and frame.data == bytes((keys.EVALUATE,)):
                evaluator.open = True
                evaluator.opened += 1
            self._changed.notify_all()
