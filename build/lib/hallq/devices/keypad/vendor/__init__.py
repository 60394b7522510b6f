"""The vendor keypads sold for Chinese halls (呼叫器 / 四键评价器), beside hallq's own codec.

Same outer frame as hallq's (`FF 68 L L 68 … CS 16`), different inside: no
sequence byte, the vendors' key codes, acknowledgement by echoing the frame,
a display of digits instead of text. Every detail and its source:
docs/keypad-protocol.md, "The vendor codec". Chosen per bus with
`protocol = "vendor"` in agent.toml.
"""
from hallq.devices.keypad.vendor.adapter import VendorKeypadAdapter

__all__ = ["VendorKeypadAdapter"]
