"""Simulated keypads on one RS-485 bus, speaking the real frames over a pty or TCP.

The bus is the device side of a `SimEndpoint` (a pty pair behind a stable
symlink, or a TCP listener standing in for an RS-485-to-Ethernet converter);
the adapter opens the endpoint's `url` like a real port. Each simulated keypad
behaves like the firmware docs/keypad-protocol.md describes: it answers host
frames addressed to it with ACK, keeps what its screen shows, lights its
rating keys while a rating is requested, and sends a key press again (same
seq) until the host answers it. Collisions are not modelled (a pty loses
nothing), so keypads resend after a fixed delay, without the random backoff.

    sim = KeypadBusSimulator(PtyEndpoint("/tmp/x/ttyKEYPAD"))
    sim.add_caller(1); sim.add_evaluator(21, keys=3)
    sim.press(1, "call_next")            # -> KeyReply(acked=True, reason=None)
    sim.keypad(1).screen                 # -> WindowDisplay(number="A001", ...)
    sim.unplug(); sim.plug()             # the adapter's port vanishes and comes back
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from hallq.devices.keypad.caller import WindowDisplay, key_frame_data, parse_display
from hallq.devices.keypad.commands import Cmd, NakReason
from hallq.devices.keypad.evaluator import level_key, parse_rating_request
from hallq.devices.keypad.frame import BROADCAST, Frame, FrameDecoder, FrameError, encode
from hallq.devices.led.sim_transport import SimEndpoint

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeyReply:
    """The host's answer to a key press: ACK, or NAK with its reason."""

    acked: bool
    reason: NakReason | None = None


@dataclass
class RatingPrompt:
    number: str
    timeout_s: int


@dataclass
class SimKeypad:
    address: int
    kind: str                                   # "caller" or "evaluator"
    keys: int = 5                               # evaluator model
    screen: WindowDisplay | None = None         # caller: what the screen shows now
    screens: list[WindowDisplay] = field(default_factory=list)   # every display received
    prompt: RatingPrompt | None = None          # evaluator: lit with this request
    rating_ends: list[int] = field(default_factory=list)         # RATING_END results received
    pings: int = 0
    seq: int = 0

    def power_cycle(self) -> None:
        """What a keypad forgets when it loses power."""
        self.screen, self.prompt = None, None


class KeypadBusSimulator:
    def __init__(self, endpoint: SimEndpoint, *, retry_after: float = 0.3, retries: int = 3) -> None:
        self.endpoint = endpoint
        self.retry_after = retry_after
        self.retries = retries
        self.host_frames: list[Frame] = []          # every valid frame the host sent
        self.bad_frames: list[FrameError] = []      # damaged frames heard on the bus
        self._keypads: dict[int, SimKeypad] = {}
        self._decoder = FrameDecoder()
        self._changed = threading.Condition()
        self._replies: dict[tuple[int, int], KeyReply] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="keypad-sim", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return self.endpoint.url

    # -- keypads on the bus ----------------------------------------------------------------

    def add_caller(self, address: int) -> SimKeypad:
        return self._add(SimKeypad(address, "caller"))

    def add_evaluator(self, address: int, keys: int = 5) -> SimKeypad:
        return self._add(SimKeypad(address, "evaluator", keys=keys))

    def _add(self, keypad: SimKeypad) -> SimKeypad:
        with self._changed:
            self._keypads[keypad.address] = keypad
        return keypad

    def remove(self, address: int) -> SimKeypad:
        """Disconnect one keypad from the bus (its stub cable cut); the others stay."""
        with self._changed:
            return self._keypads.pop(address)

    def keypad(self, address: int) -> SimKeypad:
        return self._keypads[address]

    # -- what a person does ----------------------------------------------------------------

    def press(self, address: int, action: str, **params: Any) -> KeyReply | None:
        """Press a caller key; the host's answer, or None if it never answered."""
        command, data = key_frame_data(action, **params)
        return self.send_key(address, command, data)

    def press_rating(self, address: int, key: int) -> KeyReply | None:
        """Press rating key `key` (1 = leftmost) of an evaluator keypad."""
        return self.send_key(address, Cmd.RATING_KEY, bytes((key,)))

    def rate(self, address: int, level: int) -> KeyReply | None:
        """Press the key of an evaluator keypad that means `level`."""
        return self.press_rating(address, level_key(self._keypads[address].keys, level))

    def send_key(self, address: int, command: int, data: bytes = b"") -> KeyReply | None:
        """Send a keypad frame and resend it (same seq) until the host answers, like firmware."""
        keypad = self._keypads.get(address)
        with self._changed:
            if keypad is None:
                # An address nobody simulates (a keypad set to the wrong address) still talks.
                keypad = self._keypads.setdefault(address, SimKeypad(address, "caller"))
            keypad.seq = (keypad.seq + 1) & 0xFF
            seq = keypad.seq
            self._replies.pop((address, seq), None)
        raw = encode(Frame(address, command, seq, data))
        for _ in range(1 + self.retries):
            self.endpoint.write(raw)
            with self._changed:
                if self._changed.wait_for(lambda: (address, seq) in self._replies, self.retry_after):
                    return self._replies.pop((address, seq))
        return None

    def send_raw(self, data: bytes) -> None:
        """Put bytes on the bus as they are: noise, or frames made by hand."""
        self.endpoint.write(data)

    # -- the cable -------------------------------------------------------------------------

    def unplug(self) -> None:
        self.endpoint.unplug()

    def plug(self, power_cycle: bool = True) -> None:
        """Plug the adapter back; with `power_cycle` the keypads come back blank."""
        if power_cycle:
            with self._changed:
                for keypad in self._keypads.values():
                    keypad.power_cycle()
        self.endpoint.plug()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 3.0) -> bool:
        """Wait until `predicate()` holds; it is checked whenever the bus changed something."""
        with self._changed:
            return self._changed.wait_for(predicate, timeout)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.endpoint.close()

    # -- the keypads' firmware -------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            data = self.endpoint.read(0.03)
            items = self._decoder.feed(data) if data else self._decoder.expire()
            for item in items:
                if isinstance(item, FrameError):
                    with self._changed:
                        self.bad_frames.append(item)
                        self._changed.notify_all()
                elif item.from_host:
                    self._from_host(item)
                # A keypad frame on the bus is another keypad (or our own echo): not ours to answer.

    def _from_host(self, frame: Frame) -> None:
        answers: list[bytes] = []
        with self._changed:
            self.host_frames.append(frame)
            if frame.command in (Cmd.HOST_ACK, Cmd.HOST_NAK):
                reason = NakReason(frame.data[0]) if frame.command == Cmd.HOST_NAK and frame.data else None
                self._replies[(frame.address, frame.seq)] = KeyReply(frame.command == Cmd.HOST_ACK, reason)
            else:
                targets = (list(self._keypads.values()) if frame.address == BROADCAST
                           else [k for k in (self._keypads.get(frame.address),) if k is not None])
                for keypad in targets:
                    refused = self._apply(keypad, frame)
                    if frame.address == BROADCAST:
                        continue
                    answers.append(encode(Frame(keypad.address, Cmd.ACK, frame.seq)) if refused is None
                                   else encode(Frame(keypad.address, Cmd.NAK, frame.seq, bytes((refused,)))))
            self._changed.notify_all()
        for raw in answers:
            self.endpoint.write(raw)

    def _apply(self, keypad: SimKeypad, frame: Frame) -> NakReason | None:
        """Act on a host frame; None when the keypad took it (ACK), else why not (NAK)."""
        try:
            if frame.command == Cmd.DISPLAY and keypad.kind == "caller":
                keypad.screen = parse_display(frame.data)
                keypad.screens.append(keypad.screen)
            elif frame.command == Cmd.RATING_REQUEST and keypad.kind == "evaluator":
                number, timeout_s = parse_rating_request(frame.data)
                keypad.prompt = RatingPrompt(number, timeout_s)
            elif frame.command == Cmd.RATING_END and keypad.kind == "evaluator":
                keypad.prompt = None
                keypad.rating_ends.append(frame.data[0] if frame.data else 0)
            elif frame.command == Cmd.PING:
                keypad.pings += 1
            else:
                return NakReason.UNKNOWN_COMMAND
        except (ValueError, IndexError) as exc:
            log.warning("simulated keypad %d cannot read %s: %s", keypad.address, frame, exc)
            return NakReason.BAD_DATA
        return None

