"""What the device agent's configuration says about a keypad bus.

`protocol = "vendor"` speaks the vendor keypads' protocol instead of hallq's
(docs/keypad-protocol.md, "The vendor codec"); their four-key evaluator
(`keys = 4`) may share its window's caller address.

In the agent's TOML file::

    [keypads]
    protocol = "hallq"           # or "vendor": the 呼叫器/评价器 sold for halls
    port = "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A10K-if00-port0"  # any pyserial URL
    baudrate = 9600
    rating_timeout_s = 60        # how long an evaluator keypad stays lit
    transfer_items = { "1" = "GA01", "2" = "SJ03" }   # number typed on a keypad → item code

    [[keypads.keypad]]
    address = 1                  # set on the keypad (DIP switches or its menu)
    window = 3
    kind = "caller"

    [[keypads.keypad]]
    address = 101
    window = 3
    kind = "evaluator"
    keys = 5                     # 3, 4 or 5 rating keys
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from hallq.devices.keypad.frame import MAX_ADDRESS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KeypadConfig(_Strict):
    address: int = Field(ge=1, le=MAX_ADDRESS)
    window: int = Field(ge=1)
    kind: Literal["caller", "evaluator"] = "caller"
    keys: Literal[3, 4, 5] = 5    # evaluator keypads only


class KeypadBusConfig(_Strict):
    port: str
    protocol: Literal["hallq", "vendor"] = "hallq"     # the keypads' protocol: ours, or the vendors' (呼叫器/评价器)
    baudrate: int = 9600
    rating_timeout_s: float = Field(default=60, gt=0, le=255)
    transfer_items: dict[str, str] = {}
    ping_interval_s: float = Field(default=30, ge=0)   # 0: never ask a quiet keypad whether it is there
    keypad: list[KeypadConfig] = []

    @model_validator(mode="after")
    def _addresses_unique(self) -> "KeypadBusConfig":
        if self.protocol == "vendor":
            return self._vendor_rules()
        seen: set[int] = set()
        for keypad in self.keypad:
            if keypad.address in seen:
                raise ValueError(f"keypad address {keypad.address} configured twice")
            seen.add(keypad.address)
        return self

    def _vendor_rules(self) -> "KeypadBusConfig":
        # A vendor caller and evaluator are told apart by their frames' function code, so one
        # address may carry one of each, of the same window (the source keys both by it).
        windows: dict[int, int] = {}
        kinds: set[tuple[int, str]] = set()
        for keypad in self.keypad:
            if (keypad.address, keypad.kind) in kinds:
                raise ValueError(f"{keypad.kind} keypad address {keypad.address} configured twice")
            if windows.setdefault(keypad.address, keypad.window) != keypad.window:
                raise ValueError(f"keypad address {keypad.address} configured for two windows")
            if keypad.kind == "evaluator" and keypad.keys != 4:
                raise ValueError(f"vendor evaluator at address {keypad.address}: the vendor model has 4 keys "
                                 "(set keys = 4)")
            kinds.add((keypad.address, keypad.kind))
        return self
