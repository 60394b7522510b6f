"""A simulated bus of addressed LED screens, speaking either protocol byte for byte.

    sim = ScreenBusSimulator(codec, addresses=(1, 2, 3), path="/run/hallq/ttyLED0")
    sim = ScreenBusSimulator(codec, addresses=(1, 2), endpoint=TcpEndpoint())  # socket://
    sim.url                       # what the driver opens
    sim.displays() -> {address: [lines]}   # what each screen shows now (hardware page)
    sim.silence(address, True)    # that screen goes dark: shows nothing new, answers nothing
    sim.unplug(); sim.plug()      # the adapter pulled and plugged back, same path
    sim.received(address) -> int  # frames a screen accepted
    sim.on_frame = callback(address, lines, monotonic_time)   # for latency measurements
    sim.requests                  # every well-formed request heard, for byte-level checks
    sim.close()

`baudrate=57600` makes the screens listen at that rate only, as a card set with LedshowZK
does: on a pty, bytes the driver sent at another rate are noise to them (a real UART
sees framing errors and garbage) and go unanswered. A ping is answered like any frame.

Each screen does what a real one does: it decodes the frames addressed to it, checks
the CRC or checksum, shows the text and acks it, or NAKs a frame that fails the check.
The default endpoint is a pty whose slave is reachable at `path` (a symlink, as udev
names a USB adapter), so unplugging and plugging back keeps the driver's URL.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable, Iterable

from hallq.devices.led.codec import LedCodec
from hallq.devices.led.sim_transport import PtyEndpoint, SimEndpoint

FrameCallback = Callable[[int, list[str], float], None]


class ScreenBusSimulator:
    def __init__(self, codec: LedCodec, addresses: Iterable[int], *, path: str | None = None,
                 endpoint: SimEndpoint | None = None, reply_delay: float = 0.0,
                 baudrate: int | None = None) -> None:
        if endpoint is None:
            if path is None:
                raise ValueError("give a path for the pty symlink, or an endpoint")
            endpoint = PtyEndpoint(path)
        self.codec = codec
        self.endpoint = endpoint
        self.reply_delay = reply_delay
        self.baudrate = baudrate
        self.requests: deque = deque(maxlen=200)  # the latest requests heard, for tests
        self.on_frame: FrameCallback | None = None
        self._lock = threading.Lock()
        self._shown: dict[int, list[str]] = {address: [] for address in addresses}
        self._silent: set[int] = set()
        self._received: dict[int, int] = {address: 0 for address in self._shown}
        self._rejected: dict[int, int] = {address: 0 for address in self._shown}
        self._stop = threading.Event()
        self._buffer = bytearray()
        self._thread = threading.Thread(target=self._run, name="led-simulator", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return self.endpoint.url

    def displays(self) -> dict[int, list[str]]:
        with self._lock:
            return {address: list(lines) for address, lines in self._shown.items()}

    def silence(self, address: int, silent: bool = True) -> None:
        with self._lock:
            (self._silent.add if silent else self._silent.discard)(address)

    def received(self, address: int) -> int:
        with self._lock:
            return self._received[address]

    def rejected(self, address: int) -> int:
        with self._lock:
            return self._rejected[address]

    def unplug(self) -> None:
        self.endpoint.unplug()
        self._buffer.clear()

    def plug(self) -> None:
        self.endpoint.plug()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.endpoint.close()

    def __enter__(self) -> "ScreenBusSimulator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            data = self.endpoint.read(0.05)
            if not data:
                continue
            sent_at = self.endpoint.baudrate()
            if self.baudrate is not None and sent_at is not None and sent_at != self.baudrate:
                continue  # heard at the wrong rate: noise that never makes a frame
            self._buffer += data
            while (request := self.codec.take_request(self._buffer)) is not None:
                self._handle(request)

    def _handle(self, request) -> None:
        now = time.monotonic()
        with self._lock:
            if request.address not in self._shown or request.address in self._silent:
                # Not one of ours (a real bus has other screens, which stay quiet), or a
                # screen that is switched off or broken: it neither shows nor answers.
                return
            self.requests.append(request)
            if request.extra.get("ping"):
                pass  # answered, shows nothing
            elif request.valid:
                self._shown[request.address] = list(request.lines)
                self._received[request.address] += 1
            else:
                self._rejected[request.address] += 1
        if request.valid and not request.extra.get("ping") and self.on_frame is not None:
            self.on_frame(request.address, list(request.lines), now)
        if self.reply_delay:
            time.sleep(self.reply_delay)
        self.endpoint.write(self.codec.reply_frame(request.address, request.valid, request.detail))
