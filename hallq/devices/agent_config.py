"""The device agent's configuration file (AGENT.toml): which devices it hosts.

    [[printers]]
    name = "kiosk-1"                  # the kiosk token's name whose tickets it prints
    url = "tcp://192.168.1.50:9100"   # tcp://, serial://, usb://, file:// (hallq.devices.escpos.transport)
    profile = "TM-T88V"               # the model (docs/printers.md): width, encoding, QR, cutter, status
    paper = 80                        # mm: 58 or 80, for a printer without a profile
    # encoding = "gbk"; status = false (one-way link); speed_mm_s = 150   overrides of the profile

    [[leds]]
    port = "/dev/serial/by-id/usb-FTDI-if00-port0"   # any pyserial URL; socket://host:port for converters
    protocol = "onbon"                # or "line" (docs/led-line-protocol.md)
    baudrate = "auto"                 # Onbon cards: 9600 or 57600 as set with LedshowZK; "auto" pings both
    options = { width = 128, height = 32, display_mode = 1, encoding = "gbk" }   # Onbon area and text
    columns = 16                      # half-width columns per row (a Chinese character takes 2)
    rows = 1
    # addresses = [1, 2, 3]           # the cards wired on this bus: what the probe asks; needed with 2+ buses

    [voice]                           # speaks the hall's calls (hallq.devices.voice)
    enabled = true

    [[keypads]]                       # one RS-485 bus of caller/evaluator keypads (hallq.devices.keypad)
    port = "/dev/ttyUSB1"
    protocol = "hallq"                # or "vendor": the 呼叫器/评价器 sold for halls (docs/keypad-protocol.md)
    keypad = [{ address = 1, window = 3, kind = "caller" }]

Every section is optional; an agent may host one printer only (a kiosk PC) or
all the buses of a hall (the server room).

The file holds what is physical to the machine: ports, speeds, protocols, device
kinds, printer names. Which window a screen address shows, and which printer a
window's notices print on, is the server's (the admin's Windows page, the hall
file): the hello's answer carries that map for the windows the agent's token
serves, and a change on the page reaches the agent at once. A bus's `screens`
list (window and address) from before is still read, only to say at start that
the server's addresses are used instead, and where they differ. (Keypads still
name their window here: the Windows page binds no keypad yet.)
"""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hallq.devices.escpos.printer import PrinterConfig
from hallq.devices.keypad.config import KeypadBusConfig
from hallq.devices.led.screens import BusConfig
from hallq.devices.led.text import CALLING_SECONDS, ScreenLayout


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NamedPrinter(PrinterConfig):
    name: str = Field(min_length=1, max_length=120)


class Screen(_Strict):
    address: int = Field(ge=0, le=65535)
    window: int = Field(ge=1)


class LedBusConfig(_Strict):
    port: str
    protocol: Literal["onbon", "line"] = "onbon"
    baudrate: Literal[1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, "auto"] = 9600
    columns: int = Field(16, ge=2)
    rows: int = Field(1, ge=1)
    lang: Literal["zh", "en"] = "zh"
    calling_seconds: float = Field(CALLING_SECONDS, ge=0)  # "请A001到3号窗口" before "A001 正在办理"
    options: dict[str, Any] = {}  # codec options (Onbon area layout: width, height, ...)
    # The card addresses wired on this bus (physical): which bus a window's address is on, when an agent
    # has more than one; what the probe asks. Empty: any address (the one bus of the agent).
    addresses: list[int] = []
    # From before the server held the addresses: read only to tell the clerk the server's are used (agent.py).
    screens: list[Screen] = []

    def bus_config(self) -> BusConfig:
        # An Onbon card gets one dynamic area per row of text. No screens yet: the server's map assigns them.
        options = {"rows": self.rows, **self.options} if self.protocol == "onbon" else self.options
        return BusConfig(port=self.port, protocol=self.protocol, baudrate=self.baudrate, screens={},
                         addresses=tuple(self.wired()),
                         layout=ScreenLayout(columns=self.columns, rows=self.rows), lang=self.lang,
                         calling_seconds=self.calling_seconds, codec_options=options)

    def wired(self) -> list[int]:
        """The addresses on this bus as the file says them (an old file's screens say them too)."""
        return self.addresses or [s.address for s in self.screens]

    @model_validator(mode="after")
    def _unique(self):
        if self.baudrate == "auto" and self.protocol != "onbon":
            raise ValueError('baudrate "auto" needs protocol "onbon", whose cards answer a ping')
        for listed in ([s.address for s in self.screens], self.addresses):
            if len(listed) != len(set(listed)):
                raise ValueError("a screen address is listed twice on one bus")
        if any(not 0 <= a <= 65535 for a in self.addresses):
            raise ValueError("a screen address runs from 0 to 65535")
        return self


class VoiceConfig(_Strict):
    enabled: bool = True
    options: dict[str, Any] = {}  # announcer options (chime, repeat, volume schedule)


class AgentConfig(_Strict):
    printers: list[NamedPrinter] = []
    leds: list[LedBusConfig] = []
    voice: VoiceConfig | None = None
    keypads: list[KeypadBusConfig] = []

    @model_validator(mode="after")
    def _unique(self):
        names = [p.name for p in self.printers]
        if len(names) != len(set(names)):
            raise ValueError("two printers have the same name")
        if len(self.leds) > 1 and not all(bus.wired() for bus in self.leds):
            # The server gives each window an address; with several buses only the wiring says which bus.
            raise ValueError("with more than one LED bus, each lists the card addresses wired on it (addresses = [...])")
        addresses = [a for bus in self.leds for a in bus.wired()]
        if len(addresses) != len(set(addresses)):
            raise ValueError("an LED address is on two buses: the hall gives each address one window")
        return self

    def led_port(self, address: int) -> str | None:
        """The port of the LED bus a screen address is on: the one bus, or the bus that lists it."""
        if len(self.leds) == 1 and not self.leds[0].addresses:
            return self.leds[0].port  # an old file's screens do not limit the one bus: the server decides
        return next((bus.port for bus in self.leds if address in bus.wired()), None)

    def legacy_screens(self) -> dict[int, tuple[str, int]]:
        """Window -> (port, address) as an AGENT.toml from before still lists them (ignored but for the log)."""
        return {s.window: (bus.port, s.address) for bus in self.leds for s in bus.screens}


class AgentConfigError(ValueError):
    pass


def read(path: str | Path) -> AgentConfig:
    try:
        return AgentConfig.model_validate(tomllib.loads(Path(path).read_text(encoding="utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise AgentConfigError(f"{path}: {exc}") from exc
    except ValidationError as exc:
        lines = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise AgentConfigError(f"{path}:\n" + "\n".join(lines)) from exc
