"""LED window screens: protocols (codecs), the bus manager per serial port, a simulator.

    from hallq.devices.led import LedBus, codec_for, StatusChange
    bus = LedBus("/dev/serial/by-id/usb-...", codec_for("onbon", width=128, height=32),
                 on_status=report)
    bus.show(3, ["请A001到3号窗口"])

Text composition (what a window's screen says) lives in hallq.devices.led.text.
"""
from __future__ import annotations

from hallq.devices.led.bus import LedBus, StatusChange
from hallq.devices.led.codec import FrameError, LedCodec, Reply, Request
from hallq.devices.led.line_protocol import LineCodec
from hallq.devices.led.onbon import AreaLayout, OnbonCodec

PROTOCOLS = ("onbon", "line")


def codec_for(protocol: str, **options) -> LedCodec:
    """The codec named in configuration: "onbon" (options: AreaLayout fields, device_type,
    display_mode, encoding) or "line" (no options)."""
    if protocol == "onbon":
        layout_fields = set(AreaLayout.__dataclass_fields__)
        layout = AreaLayout(**{k: v for k, v in options.items() if k in layout_fields})
        rest = {k: v for k, v in options.items() if k not in layout_fields}
        return OnbonCodec(layout, **rest)
    if protocol == "line":
        if options:
            raise ValueError(f"the line protocol takes no options, got {sorted(options)}")
        return LineCodec()
    raise ValueError(f"unknown LED protocol {protocol!r}; known: {', '.join(PROTOCOLS)}")


__all__ = ["LedBus", "StatusChange", "FrameError", "LedCodec", "Reply", "Request", "LineCodec",
           "OnbonCodec", "AreaLayout", "codec_for", "PROTOCOLS"]
