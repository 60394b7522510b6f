"""Hardware keypads on an RS-485 bus: caller keypads (呼叫器) and evaluator keypads (评价器).

The frame format is docs/keypad-protocol.md. The device agent builds a
`KeypadAdapter` from a `KeypadBusConfig` and a `WindowActions` of its own
(the boundary to the server); tests and the demo use `KeypadBusSimulator`.
"""
from hallq.devices.keypad.actions import ActionRefused, WindowActions
from hallq.devices.keypad.adapter import BusStatus, KeypadAdapter, KeypadStatus
from hallq.devices.keypad.caller import WindowDisplay
from hallq.devices.keypad.config import KeypadBusConfig, KeypadConfig

__all__ = [
    "ActionRefused", "BusStatus", "KeypadAdapter", "KeypadBusConfig", "KeypadConfig", "KeypadStatus",
    "WindowActions", "WindowDisplay",
]
