"""Finding the baud rate an Onbon card was set to, by pinging it at each rate.

An Onbon K card listens at 9600 or 57600 baud, set in advance with LedshowZK; a frame
sent at the other rate arrives as noise and is never answered. The agent sends the
published ping frame (`OnbonCodec.ping_frame`) to a screen on the bus at each rate and
keeps the first rate that gets an answer. The same function serves `hallq agent --probe`.

    rate = find_baudrate(url, codec, address)        # 57600, 9600, or None
    answers = ping_each_rate(url, codec, address)    # {57600: Reply | None, 9600: ...}

A `socket://` converter has its own fixed serial rate: the rate we ask for does not
matter there, and the first rate answers.
"""
from __future__ import annotations

import time

from hallq.devices.led.codec import Reply
from hallq.devices.led.onbon import BAUDRATES, OnbonCodec
from hallq.devices.serial_link import PortDown, SerialLink

PING_TIMEOUT_S = 0.5   # the SDK waits seconds; a card answers a ping within a few ms


def ping(url: str, codec: OnbonCodec, address: int, baudrate: int,
         timeout: float = PING_TIMEOUT_S) -> Reply | None:
    """The screen's answer to one ping at `baudrate`, or None (silence, noise, no port)."""
    try:
        with SerialLink(url, baudrate=baudrate, background_retry=False) as link:
            link.reset_input()
            link.write(codec.ping_frame(address))
            received = bytearray()
            deadline = time.monotonic() + timeout
            while (left := deadline - time.monotonic()) > 0:
                received += link.read_some(512, left)
                reply = codec.take_reply(received)
                if reply is not None and reply.address == address:
                    return reply
    except PortDown:
        return None
    return None


def ping_each_rate(url: str, codec: OnbonCodec, address: int, rates: tuple[int, ...] = BAUDRATES,
                   timeout: float = PING_TIMEOUT_S) -> dict[int, Reply | None]:
    return {rate: ping(url, codec, address, rate, timeout) for rate in rates}


def find_baudrate(url: str, codec: OnbonCodec, address: int, rates: tuple[int, ...] = BAUDRATES,
                  timeout: float = PING_TIMEOUT_S) -> int | None:
    for rate in rates:
        if ping(url, codec, address, rate, timeout) is not None:
            return rate
    return None
