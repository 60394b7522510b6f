"""The device agent's side of a bus of vendor keypads: keys in (echoed), digits and beeps out.

Same duties and public methods as `hallq.devices.keypad.KeypadAdapter`, over
the vendor protocol's rules (docs/keypad-protocol.md, vendor codec):

- every keypad frame is acknowledged by sending it back (evaluator values as
  function 01), at once and before any work, as the source's host does; a
  frame from an address no window has is *not* echoed, so that keypad beeps
  通讯故障 and its wrong address gets noticed at the desk;
- frames carry no sequence number and no direction bit: a frame the host
  itself wrote moments ago, heard again, is the RS-485 adapter's echo and is
  dropped (a keypad repeating the same key within that time is the same press);
- host frames are never answered, so they are sent once; the keypads' state
  is sent again whenever the port comes back;
- one action per keypad at a time: a key pressed meanwhile is echoed (the
  keypad must not report a fault), then refused with a beep, as hallq's codec
  refuses it busy;
- a refusal cannot be shown on three digits: the keypad beeps.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

from hallq.devices.keypad.actions import ActionRefused, WindowActions
from hallq.devices.keypad.adapter import BusStatus, KeypadStatus
from hallq.devices.keypad.caller import WindowDisplay
from hallq.devices.keypad.config import KeypadBusConfig, KeypadConfig
from hallq.devices.keypad.evaluator import KEYPAD_COMMENT, KEYPAD_REASONS
from hallq.devices.keypad.frame import FrameError
from hallq.devices.keypad.vendor import keys
from hallq.devices.keypad.vendor.frame import (
    BEEP, DISPLAY, KEY, MAX_KEYPAD_L, RATING, VendorFrame, acknowledgement, decoder, encode,
)
from hallq.devices.serial_link import PortDown, SerialLink
from hallq.protocol import is_bad

log = logging.getLogger(__name__)

# A frame equal to one we wrote this recently is our own, played back by the RS-485 adapter
# (it comes back within a frame time plus USB latency, a few ms); a clerk pressing the same
# key again takes longer than this, and that press must be echoed and acted on.
OWN_ECHO_S = 0.1


@dataclass
class _Rating:
    ticket: Any
    number: str
    deadline: float


@dataclass
class _Keypad:
    config: KeypadConfig
    busy: bool = False
    heard: bool = False


class VendorKeypadAdapter:
    def __init__(self, config: KeypadBusConfig, actions: WindowActions, *,
                 on_status: Callable[[BusStatus], None] | None = None, gap_s: float = 0.03,
                 monotonic: Callable[[], float] = time.monotonic, **link_options: Any) -> None:
        """`link_options` go to `SerialLink`; `monotonic` is the clock of rating deadlines."""
        self.config = config
        self._actions = actions
        self._on_status = on_status
        self._gap_s = gap_s
        self._now = monotonic
        # A caller and the four-key evaluator of one window may share an address (the
        # source keys both by it); their functions tell them apart.
        self._keypads = {(k.address, k.kind): _Keypad(k) for k in config.keypad}
        self._displays: dict[int, WindowDisplay] = {}
        self._ratings: dict[int, _Rating] = {}
        self._written: deque[tuple[bytes, float]] = deque(maxlen=16)
        self._lock = threading.RLock()
        self._send_lock = threading.Lock()
        self._decoder = decoder()
        self._closing = threading.Event()
        self._reopened = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=max(1, min(32, len(self._keypads))),
                                        thread_name_prefix="vendor-keypad-action")
        self._reader: threading.Thread | None = None
        self._port_up, self._port_error = False, None
        self._link = SerialLink(config.port, baudrate=config.baudrate, on_state=self._port_state, **link_options)

    # -- what the agent calls (as KeypadAdapter) -----------------------------------------

    def start(self) -> "VendorKeypadAdapter":
        self._reader = threading.Thread(target=self._run, name=f"vendor-keypads {self.config.port}", daemon=True)
        self._reader.start()
        return self

    def close(self) -> None:
        self._closing.set()
        if self._reader is not None:
            self._reader.join(2)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._link.close()

    def __enter__(self) -> "VendorKeypadAdapter":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, window: int, display: WindowDisplay) -> None:
        with self._lock:
            self._displays[window] = display
        for keypad in self._of_window(window, "caller"):
            self._send(VendorFrame(keypad.config.address, DISPLAY, keys.display_data(display)))

    def request_rating(self, window: int, ticket: Any, number: str, timeout_s: float | None = None) -> bool:
        """Open the window's evaluators: function 01 with key 评价, the source's SendStartE.

        (The evaluator also opens by itself when it hears the 评价 key's echo at its address.)
        """
        evaluators = self._of_window(window, "evaluator")
        if not evaluators:
            return False
        with self._lock:
            self._ratings[window] = _Rating(ticket, number, self._now() + (timeout_s or self.config.rating_timeout_s))
        for keypad in evaluators:
            self._send(VendorFrame(keypad.config.address, KEY, bytes((keys.EVALUATE,))))
        return True

    def cancel_rating(self, window: int) -> None:
        # The protocol has no frame that darkens an evaluator: later keys are simply not counted.
        with self._lock:
            self._ratings.pop(window, None)

    def status(self) -> BusStatus:
        with self._lock:
            # A vendor keypad cannot be asked whether it is there: known only once it has been heard.
            found = tuple(KeypadStatus(k.config.address, k.config.window, k.config.kind, True if k.heard else None)
                          for k in self._keypads.values())
            return BusStatus(self.config.port, self._port_up, self._port_error, found)

    # -- the reader thread -------------------------------------------------------------------

    def _run(self) -> None:
        while not self._closing.is_set():
            try:
                self._step()
            except Exception:
                log.exception("vendor keypad bus %s: reader error", self.config.port)
                self._decoder.reset()
                self._closing.wait(0.2)

    def _step(self) -> None:
        if self._reopened.is_set():
            self._reopened.clear()
            self._decoder.reset()
            for window, display in list(self._displays.items()):
                self.update(window, display)     # keypads powered from the adapter lost their digits
        try:
            data = self._link.read_some(256, self._gap_s)
        except PortDown:
            self._link.wait_up(0.5)
            return
        for item in self._decoder.feed(data) if data else self._decoder.expire():
            self._handle(item)
        self._expire_ratings()

    def _handle(self, item: VendorFrame | FrameError) -> None:
        if isinstance(item, FrameError):
            log.warning("vendor keypad bus %s: dropped a damaged frame (%s)", self.config.port, item)
            return
        frame = item
        if self._own_echo(encode(frame)):
            return
        if 2 + len(frame.data) > MAX_KEYPAD_L:
            log.warning("vendor keypad bus %s: frame too long for a keypad, dropped: %s",
                        self.config.port, encode(frame).hex(" "))
            return
        kind = "evaluator" if frame.function == RATING else "caller"
        keypad = self._keypads.get((frame.address, kind))
        if keypad is None:
            log.warning("vendor keypad bus %s: no %s keypad configured at address %d; not acknowledged (%s)",
                        self.config.port, kind, frame.address, encode(frame).hex(" "))
            return
        self._heard(keypad)
        if kind == "caller":
            self._write(encode(acknowledgement(frame)))
            self._key(keypad, frame.data)
        else:
            # Judged against the request open now, then acknowledged: once the keypad holds its answer, a
            # request made after it (the next ticket's) can never take the key.
            self._rating_key(keypad, frame.data)
            self._write(encode(acknowledgement(frame)))

    def _key(self, keypad: _Keypad, data: bytes) -> None:
        window = keypad.config.window
        with self._lock:
            paused = self._displays.get(window, WindowDisplay()).status == "paused"
        try:
            pressed = keys.key(data, paused=paused)
        except keys.NotAnAction as exc:
            log.info("vendor keypad %d: %s, nothing done", keypad.config.address, exc)
            return
        if not pressed.presses:
            return      # 等候 on a window already paused
        with self._lock:
            busy = keypad.busy
            keypad.busy = True
        if busy:
            # No NAK exists: the beep is the keypad's "not taken, press again".
            log.info("vendor keypad %d: %s while the previous key runs, refused", keypad.config.address, pressed.name)
            self._send(VendorFrame(keypad.config.address, BEEP))
            return
        self._pool.submit(self._act, keypad, pressed)

    def _rating_key(self, keypad: _Keypad, data: bytes) -> None:
        try:
            level = keys.rating_level(data)
        except keys.NotAnAction as exc:
            log.warning("vendor evaluator %d: %s", keypad.config.address, exc)
            return
        window = keypad.config.window
        with self._lock:
            rating = self._ratings.get(window)
            if rating is None or rating.deadline <= self._now() or keypad.busy:
                log.info("vendor evaluator %d: a rating key while no rating is asked, not counted",
                         keypad.config.address)
                return
            del self._ratings[window]    # the first key wins
            keypad.busy = True
        self._pool.submit(self._rate, keypad, rating, level)

    # -- the workers ---------------------------------------------------------------------------

    def _act(self, keypad: _Keypad, pressed: keys.VendorKey) -> None:
        window = keypad.config.window
        display: WindowDisplay | None = None
        try:
            for i, press in enumerate(pressed.presses):
                try:
                    display = self._actions.act(window, press.action, **press.params)
                except ActionRefused as exc:
                    log.info("vendor keypad %d at window %d: %s (%s) refused: %s",
                             keypad.config.address, window, pressed.name, press.action, exc.text)
                    if i == len(pressed.presses) - 1:
                        raise
                    # A resume before the key: the window was not paused after all; go on.
        except Exception as exc:
            if not isinstance(exc, ActionRefused):
                log.exception("vendor keypad %d at window %d: %s failed", keypad.config.address, window, pressed.name)
            display = None
        finally:
            with self._lock:
                keypad.busy = False
        if display is not None:
            self.update(window, display)
        else:
            self._send(VendorFrame(keypad.config.address, BEEP))

    def _rate(self, keypad: _Keypad, rating: _Rating, level: int) -> None:
        window = keypad.config.window
        bad = is_bad(level)
        try:
            self._actions.rate(window, rating.ticket, level, list(KEYPAD_REASONS) if bad else [],
                               KEYPAD_COMMENT if bad else None)
        except ActionRefused as exc:
            log.info("vendor evaluator %d at window %d: rating of %s refused: %s",
                     keypad.config.address, window, rating.number, exc.text)
        except Exception:
            log.exception("vendor evaluator %d at window %d: rating of %s failed",
                          keypad.config.address, window, rating.number)
        finally:
            with self._lock:
                keypad.busy = False

    def _expire_ratings(self) -> None:
        now = self._now()
        with self._lock:
            for window in [w for w, r in self._ratings.items() if r.deadline <= now]:
                del self._ratings[window]

    # -- sending ---------------------------------------------------------------------------------

    def _of_window(self, window: int, kind: str) -> list[_Keypad]:
        return [k for k in self._keypads.values() if k.config.window == window and k.config.kind == kind]

    def _send(self, frame: VendorFrame) -> None:
        self._write(encode(frame))

    def _write(self, raw: bytes) -> None:
        with self._send_lock:
            with self._lock:
                self._written.append((raw, self._now()))
            try:
                self._link.write(raw)
            except PortDown:
                pass    # the keypads get their state again when the port is back
            except Exception as exc:
                log.warning("vendor keypad bus %s: write failed: %r", self.config.port, exc)

    def _own_echo(self, raw: bytes) -> bool:
        now = self._now()
        with self._lock:
            for i, (written, at) in enumerate(self._written):
                if written == raw and now - at < OWN_ECHO_S:
                    del self._written[i]
                    return True
        return False

    def _heard(self, keypad: _Keypad) -> None:
        with self._lock:
            was, keypad.heard = keypad.heard, True
        if not was:
            self._report()

    def _port_state(self, up: bool, error: str | None) -> None:
        with self._lock:
            self._port_up, self._port_error = up, error
        if up:
            self._reopened.set()
        self._report()

    def _report(self) -> None:
        if self._on_status is None:
            return
        try:
            self._on_status(self.status())
        except Exception:
            log.exception("vendor keypad bus status callback failed")
