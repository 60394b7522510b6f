"""All the LED window screens of one device agent, addressed by window number.

Configuration (each bus as `BusConfig.from_dict` reads it; the agent builds them from AGENT.toml's
[[leds]] with no screens, and assigns the server's map of windows to addresses with `assign`):

    [[led]]
    port = "/dev/serial/by-id/usb-FTDI_FT232R-if00-port0"   # or "socket://10.0.8.20:4001"
    protocol = "onbon"            # or "line"
    baudrate = 9600               # or 57600, or "auto": ping an Onbon card at 57600, then 9600
    columns = 16                  # text columns per row (a Chinese character takes 2)
    rows = 2
    lang = "zh"                   # or "en"
    calling_seconds = 5.0         # "请A001到3号窗口" before "A001 正在办理"
    screens = { "1" = 1, "2" = 2, "3" = 5 }   # window number -> screen address on this bus (or assign later)
    onbon = { width = 128, height = 32 }        # codec options (AreaLayout fields)

    screens = LedScreens([BusConfig.from_dict(t) for t in config["led"]], on_status=report)
    screens.show_window(window)                     # a window dict as GET /windows or
                                                    # the window.status event gives it
    screens.show_call(window, "A001")               # calling text now, serving text later
    screens.status() -> {port: {"port": ..., "screens": {address: status}}}
    screens.windows_on_screens() -> {window number: (port, address)}
    screens.assign({window: (port, address)})       # the agent's map from the server, at any time:
                                                    # a moved window's state follows it to its new
                                                    # address, a screen left without a window is blanked
    screens.close()

Status changes arrive as `StatusChange` (port, address, status, detail) with `window`
added when the address belongs to a window, for the agent's `device.status`.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

import logging

from hallq.devices.led import LedBus, StatusChange, codec_for
from hallq.devices.led.baud import find_baudrate
from hallq.devices.led.onbon import BAUDRATES, OnbonCodec
from hallq.devices.led.text import CALLING_SECONDS, ScreenLayout, call_sequence, window_lines

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BusConfig:
    port: str
    protocol: str = "onbon"
    baudrate: int | str = 9600    # "auto": found by pinging an Onbon card at each of its rates
    screens: dict[int, int] = field(default_factory=dict)   # window number -> screen address
    addresses: tuple[int, ...] = ()   # the cards wired on the bus, when known ("auto" pings the first)
    layout: ScreenLayout = ScreenLayout()
    lang: str = "zh"
    calling_seconds: float = CALLING_SECONDS
    codec_options: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping) -> "BusConfig":
        protocol = data.get("protocol", "onbon")
        return cls(
            port=str(data["port"]), protocol=protocol, baudrate=_baudrate(data.get("baudrate", 9600)),
            screens={int(window): int(address) for window, address in dict(data.get("screens", {})).items()},
            layout=ScreenLayout(columns=int(data.get("columns", 16)), rows=int(data.get("rows", 1))),
            lang=data.get("lang", "zh"), calling_seconds=float(data.get("calling_seconds", CALLING_SECONDS)),
            codec_options=dict(data.get(protocol, {})),
        )


@dataclass(frozen=True)
class WindowStatusChange:
    change: StatusChange
    window: int | None


class LedScreens:
    def __init__(self, configs: Iterable[BusConfig], *, on_status: Callable[[WindowStatusChange], None] | None = None,
                 **bus_options) -> None:
        self._on_status = on_status
        self._targets: dict[int, tuple[LedBus, int, BusConfig]] = {}
        self._windows_by_address: dict[tuple[str, int], int] = {}
        self._buses: list[LedBus] = []
        self._timers: dict[int, threading.Timer] = {}
        self._lock = threading.Lock()
        self._shown: dict[int, Mapping] = {}   # window -> its last state shown, to follow it when it moves
        self._bus_at: dict[str, tuple[LedBus, BusConfig]] = {}
        for config in configs:
            for window, address in config.screens.items():
                self._windows_by_address[(config.port, address)] = window
            codec = codec_for(config.protocol, **config.codec_options)
            bus = LedBus(config.port, codec, baudrate=_settle_baudrate(config, codec),
                         on_status=self._forward, screens=config.screens.values(), **bus_options)
            self._buses.append(bus)
            self._bus_at[config.port] = (bus, config)
            for window, address in config.screens.items():
                if window in self._targets:
                    raise ValueError(f"window {window} has two LED screens configured")
                self._targets[window] = (bus, address, config)

    def show_window(self, window: Mapping) -> bool:
        """Show a window's steady state; cancels a pending "正在办理" from an earlier call."""
        target = self._targets.get(window["number"])
        if target is None:
            return False
        bus, address, config = target
        self._cancel(window["number"])
        self._shown[window["number"]] = window
        bus.show(address, window_lines(window, config.layout, config.lang))
        return True

    def show_call(self, window: Mapping, number: str) -> bool:
        """The calling text now, the serving text `calling_seconds` later unless something newer came."""
        target = self._targets.get(window["number"])
        if target is None:
            return False
        bus, address, config = target
        (_, calling), (delay, serving) = call_sequence(window, number, config.layout, config.lang,
                                                      config.calling_seconds)
        self._cancel(window["number"])
        self._shown[window["number"]] = window
        bus.show(address, calling)
        timer = threading.Timer(delay, self._follow_up, (window["number"], bus, address, serving))
        timer.daemon = True
        with self._lock:
            self._timers[window["number"]] = timer
        timer.start()
        return True

    def status(self) -> dict[str, dict]:
        return {bus.url: bus.status() for bus in self._buses}

    def windows_on_screens(self) -> dict[int, tuple[str, int]]:
        return {window: (bus.url, address) for window, (bus, address, _) in self._targets.items()}

    def assign(self, screens: Mapping[int, tuple[str, int]]) -> set[int]:
        """Drive these screens from now on: window -> (port, address). Returns the windows whose screen changed.

        A window that moved shows its last state at its new address at once (a call in progress shows
        as served there); an address no window has any more is blanked, so it never shows a stale call.
        """
        wanted = {window: target for window, target in screens.items() if target[0] in self._bus_at}
        with self._lock:
            before = {window: (bus.url, address) for window, (bus, address, _) in self._targets.items()}
            changed = {w for w in set(before) | set(wanted) if before.get(w) != wanted.get(w)}
            for window in changed:
                if window in before:
                    del self._targets[window]
                    self._windows_by_address.pop(before[window], None)
                if window in wanted:
                    port, address = wanted[window]
                    bus, config = self._bus_at[port]
                    self._targets[window] = (bus, address, config)
                    self._windows_by_address[(port, address)] = window
            moved = [(w, self._shown.get(w)) for w in changed if w in wanted]
            left = [before[w] for w in changed if w in before and before[w] not in self._windows_by_address]
        for window in changed:
            self._cancel(window)
        for port, address in left:
            bus, config = self._bus_at[port]
            bus.show(address, [""] * config.layout.rows)
        for window, state in moved:
            if state is not None:
                self.show_window(state)
        return changed

    def close(self) -> None:
        with self._lock:
            timers, self._timers = list(self._timers.values()), {}
        for timer in timers:
            timer.cancel()
        for bus in self._buses:
            bus.close()

    def _follow_up(self, window_number: int, bus: LedBus, address: int, lines: list[str]) -> None:
        with self._lock:
            if self._timers.get(window_number) is not threading.current_thread():
                return  # superseded meanwhile
            del self._timers[window_number]
        bus.show(address, lines)

    def _cancel(self, window_number: int) -> None:
        with self._lock:
            timer = self._timers.pop(window_number, None)
        if timer is not None:
            timer.cancel()

    def _forward(self, change: StatusChange) -> None:
        if self._on_status is None:
            return
        window = self._windows_by_address.get((change.port, change.address)) if change.address is not None else None
        self._on_status(WindowStatusChange(change, window))


def _baudrate(value) -> int | str:
    return value if value == "auto" else int(value)


def _settle_baudrate(config: BusConfig, codec) -> int:
    """The configured rate, or for "auto" the rate at which the bus's first screen answers a ping."""
    if config.baudrate != "auto":
        return int(config.baudrate)
    if not isinstance(codec, OnbonCodec):
        raise ValueError("baudrate \"auto\" needs the Onbon protocol, whose cards answer a ping")
    address = min([*config.screens.values(), *config.addresses], default=1)
    rate = find_baudrate(config.port, codec, address)
    if rate is None:
        log.warning("LED bus %s: screen %s answered a ping at none of %s baud; using %s",
                    config.port, address, "/".join(map(str, BAUDRATES)), BAUDRATES[-1])
        return BAUDRATES[-1]
    log.info("LED bus %s: the Onbon card answers at %s baud", config.port, rate)
    return rate


__all__ = ["BusConfig", "LedScreens", "WindowStatusChange"]
