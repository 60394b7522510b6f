"""One bus of addressed LED screens behind one serial port (RS-485 line or converter).

    bus = LedBus(url, codec, on_status=callback, baudrate=9600, ack_timeout=0.3,
                 attempts=3, recheck_s=10.0, screens=(1, 2, 3))
    bus.show(address, lines)      # returns at once; raises FrameError for text the
                                  # protocol cannot carry
    bus.status() -> {"port": "ok" | "port_down", "screens": {address: status}}
    bus.wait_idle(timeout) -> bool
    bus.close()

A bus is half duplex and the screens answer only when asked, so one worker thread owns
the port: it sends one frame, waits for that screen's ack, retries up to `attempts`
times, then moves on. Frames wait in a queue keyed by screen address, so a newer frame
for a screen replaces its older unsent one in place: after an outage each screen gets
the latest text once, never a replay of stale calls.

Status reaches `on_status(StatusChange)` on every change, from the worker thread or the
serial link's retry thread: the port ("ok" / "port_down", `address` None) and each
screen ("ok", "not_answering" after every attempt timed out, "rejected" when it kept
NAKing, "port_down" while the port is gone). A screen that stopped answering is tried
again with its current text every `recheck_s` seconds, one attempt at a time, so it
comes back to "ok" by itself when it answers. When the port comes back every screen is
sent its current text again: the converter or the screens may have restarted.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from hallq.devices.led.codec import LedCodec, Reply
from hallq.devices.serial_link import PortDown, SerialLink

log = logging.getLogger(__name__)

OK, NOT_ANSWERING, REJECTED, PORT_DOWN = "ok", "not_answering", "rejected", "port_down"
IDLE_PROBE_S = 0.25   # an idle bus looks at its port this often, so a pulled adapter shows at once


@dataclass(frozen=True)
class StatusChange:
    port: str                 # the port URL
    address: int | None       # None: the port itself
    status: str
    detail: str | None = None


StatusCallback = Callable[[StatusChange], None]


class LedBus:
    def __init__(self, url: str, codec: LedCodec, *, on_status: StatusCallback | None = None,
                 baudrate: int = 9600, ack_timeout: float = 0.3, attempts: int = 3, recheck_s: float = 10.0,
                 screens: Iterable[int] = (), retry_min: float = 0.2, retry_max: float = 5.0) -> None:
        self.url = url
        self.codec = codec
        self._on_status = on_status
        self._ack_timeout = ack_timeout
        self._attempts = max(1, attempts)
        self._recheck_s = recheck_s
        self._cond = threading.Condition()
        self._pending: OrderedDict[int, bytes] = OrderedDict()  # address -> newest unsent frame
        self._wanted: dict[int, bytes] = {}                     # address -> what it should show
        self._owed: dict[int, float] = {}                       # silent screen -> next recheck time
        self._busy = False
        self._closed = False
        self._status_lock = threading.Lock()
        self._port_status: str | None = None
        self._screen_status: dict[int, str] = {address: "unknown" for address in screens}
        self._rx = bytearray()
        self._link = SerialLink(url, baudrate=baudrate, on_state=self._port_changed,
                                retry_min=retry_min, retry_max=retry_max)
        self._worker = threading.Thread(target=self._run, name=f"led-bus {url}", daemon=True)
        self._worker.start()

    # -- public --------------------------------------------------------------------------

    def show(self, address: int, lines: Sequence[str]) -> None:
        frame = self.codec.show_frame(address, list(lines))  # bad text fails here, in the caller
        with self._cond:
            self._wanted[address] = frame
            self._pending[address] = frame  # replaces an unsent older frame, keeping its place
            self._owed.pop(address, None)
            self._cond.notify_all()
        with self._status_lock:
            self._screen_status.setdefault(address, "unknown")

    def status(self) -> dict:
        with self._status_lock:
            return {"port": self._port_status or PORT_DOWN, "screens": dict(self._screen_status)}

    def wait_idle(self, timeout: float) -> bool:
        """True once nothing is queued or in flight (a silent screen's later recheck aside)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._link.close()
        self._worker.join(timeout=5)

    def __enter__(self) -> "LedBus":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- worker --------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._cond:
                job = self._next_job()
                if job is None and not self._closed:
                    self._cond.wait(min(self._wait_time(), IDLE_PROBE_S))
                    job = self._next_job()
                if self._closed:
                    return
                if job is None:
                    probe = True
                else:
                    probe = False
                    address, frame, attempts = job
                    self._busy = True
            if probe:
                self._probe()
                continue
            try:
                self._deliver(address, frame, attempts)
            except Exception:
                log.exception("LED bus %s: delivering to screen %s failed", self.url, address)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _next_job(self) -> tuple[int, bytes, int] | None:
        if not self._link.up:
            return None  # frames wait for the port; the link's retry thread reopens it
        if self._pending:
            address, frame = self._pending.popitem(last=False)
            return address, frame, self._attempts
        now = time.monotonic()
        for address, due in self._owed.items():
            if due <= now and address in self._wanted:
                self._owed[address] = now + self._recheck_s
                return address, self._wanted[address], 1
        return None

    def _wait_time(self) -> float:
        if not self._link.up:
            return 0.2
        if self._owed:
            return max(0.01, min(self._owed.values()) - time.monotonic())
        return 1.0

    def _deliver(self, address: int, frame: bytes, attempts: int) -> None:
        refused: str | None = None
        for _ in range(attempts):
            with self._cond:
                if address in self._pending or self._closed:
                    return  # a newer frame for this screen is queued: this one is stale
            try:
                # A late ack to an earlier frame must not pass for this frame's ack.
                self._rx.clear()
                self._link.reset_input()
                self._link.write(frame)
                reply = self._await_reply(address)
            except PortDown:
                self._rx.clear()  # half a reply from before the loss would only confuse
                with self._cond:
                    self._pending.setdefault(address, self._wanted.get(address, frame))
                    self._pending.move_to_end(address, last=False)
                return
            if reply is None:
                continue
            if reply.ok:
                with self._cond:
                    self._owed.pop(address, None)
                self._set_screen(address, OK, None)
                return
            refused = reply.detail or "refused"
        with self._cond:
            if address not in self._pending:
                self._owed[address] = time.monotonic() + self._recheck_s
        if refused is not None:
            self._set_screen(address, REJECTED, refused)
        else:
            self._set_screen(address, NOT_ANSWERING, f"no answer after {attempts} attempt(s)")

    def _probe(self) -> None:
        """Look at an idle port: reading is how a vanished pty, USB adapter or socket shows."""
        if not self._link.up:
            return
        try:
            self._link.read_some(512, 0)  # stray bytes between requests mean nothing
        except PortDown:
            pass  # the link has reported it through _port_changed

    def _await_reply(self, address: int) -> Reply | None:
        deadline = time.monotonic() + self._ack_timeout
        while True:
            reply = self.codec.take_reply(self._rx)
            while reply is not None:
                if reply.address == address:
                    return reply
                reply = self.codec.take_reply(self._rx)  # a late answer from another screen
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self._rx += self._link.read_some(512, left)

    # -- status --------------------------------------------------------------------------

    def _port_changed(self, up: bool, error: str | None) -> None:
        changes = []
        with self._status_lock:
            status = OK if up else PORT_DOWN
            if self._port_status != status:
                self._port_status = status
                changes.append(StatusChange(self.url, None, status, error))
                if not up:
                    for address, old in self._screen_status.items():
                        if old != PORT_DOWN:
                            self._screen_status[address] = PORT_DOWN
                            changes.append(StatusChange(self.url, address, PORT_DOWN, error))
        if up:
            with self._cond:
                # Resend everyone's current text: whatever was on the wire when the port
                # went away may never have arrived.
                for address, frame in self._wanted.items():
                    self._pending.setdefault(address, frame)
                self._owed.clear()
                self._cond.notify_all()
        for change in changes:
            self._emit(change)

    def _set_screen(self, address: int, status: str, detail: str | None) -> None:
        with self._status_lock:
            if self._screen_status.get(address) == status:
                return
            self._screen_status[address] = status
        self._emit(StatusChange(self.url, address, status, detail))

    def _emit(self, change: StatusChange) -> None:
        if change.status != OK:
            log.warning("LED bus %s screen %s: %s (%s)", change.port, change.address, change.status, change.detail)
        if self._on_status is not None:
            try:
                self._on_status(change)
            except Exception:
                log.exception("LED status callback failed")
