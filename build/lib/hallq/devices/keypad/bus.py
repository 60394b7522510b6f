"""The one place that picks a keypad bus's adapter by its configured protocol."""
from __future__ import annotations

from typing import Any

from hallq.devices.keypad.actions import WindowActions
from hallq.devices.keypad.adapter import KeypadAdapter
from hallq.devices.keypad.config import KeypadBusConfig
from hallq.devices.keypad.vendor.adapter import VendorKeypadAdapter


def keypad_bus(config: KeypadBusConfig, actions: WindowActions, **options: Any) -> KeypadAdapter | VendorKeypadAdapter:
    """An adapter (not started) speaking the bus's protocol: hallq's own, or the vendor keypads'."""
    if config.protocol == "vendor":
        return VendorKeypadAdapter(config, actions, **options)
    return KeypadAdapter(config, actions, **options)
