"""Reaching a printer through python-escpos's device classes.

A printer is named by a URL:

    tcp://192.168.1.50:9100            network printer (port 9100 by default)
    serial:///dev/ttyUSB0?baudrate=19200&dsrdtr=0
    usb://0x0416:0x5011?in_ep=0x81&out_ep=0x03
    file:///dev/usb/lp0                 a printer device file

python-escpos opens the device and sends bytes (`_raw`); reading status
answers is done here, because its `_read` waits differently on every
transport (a serial `read(16)` blocks for the whole timeout) and its
`paper_status()` takes silence for "paper OK".
"""
from __future__ import annotations

import os
import select
import socket
import stat
import time
from urllib.parse import parse_qsl, unquote, urlsplit

from escpos.escpos import Escpos
from escpos.printer import File, Network, Serial, Usb

SCHEMES = ("tcp", "serial", "usb", "file")
_SERIAL_INT = ("baudrate", "bytesize", "stopbits")
_SERIAL_BOOL = ("xonxoff", "dsrdtr")


def _flag(value: str) -> bool:
    return value.lower() in ("1", "true", "yes", "on")


def _number(value: str) -> int:
    return int(value, 0)  # 0x0416 or 1046


def device_from_url(url: str, timeout: float = 5.0) -> Escpos:
    """An unopened python-escpos device for `url`; `timeout` bounds writes and connects."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if parts.scheme == "tcp":
        if not parts.hostname:
            raise ValueError(f"printer URL {url!r} has no host")
        return Network(host=parts.hostname, port=parts.port or 9100, timeout=timeout)
    if parts.scheme == "serial":
        path = unquote(parts.path)
        if not path:
            raise ValueError(f"printer URL {url!r} has no device path")
        options: dict = {"timeout": timeout}
        for key, value in query.items():
            if key in _SERIAL_INT:
                options[key] = int(value)
            elif key in _SERIAL_BOOL:
                options[key] = _flag(value)
            elif key == "parity":
                options[key] = value.upper()
            else:
                raise ValueError(f"unknown serial option {key!r} in {url!r}")
        return Serial(devfile=path, **options)
    if parts.scheme == "usb":
        vendor, _, product = parts.netloc.partition(":")
        if not vendor or not product:
            raise ValueError(f"printer URL {url!r} needs usb://VENDOR:PRODUCT")
        options = {key: _number(value) for key, value in query.items() if key in ("in_ep", "out_ep")}
        return Usb(idVendor=_number(vendor), idProduct=_number(product), timeout=int(timeout * 1000), **options)
    if parts.scheme == "file":
        path = unquote(parts.path)
        if not path:
            raise ValueError(f"printer URL {url!r} has no file path")
        return File(devfile=path)
    raise ValueError(f"printer URL scheme must be one of {SCHEMES}, not {parts.scheme!r}")


class LinkClosed(Exception):
    """The printer hung up (TCP) or went away."""


class Link:
    """An open device: send bytes, read answers within a time limit."""

    def __init__(self, device: Escpos):
        self.device = device
        self._read_fd: int | None = None
        self._open = False

    def open(self) -> None:
        if not self._open:
            self.device.open()  # raises escpos.exceptions.DeviceNotFoundError
            self._open = True
            if isinstance(self.device, Network):
                # A status query right after a job must not wait for Nagle's ACK (40 ms).
                self.device.device.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        if self._read_fd is not None:
            os.close(self._read_fd)
            self._read_fd = None
        if self._open:
            self._open = False
            try:
                self.device.close()
            except Exception:  # a dead link may fail to close; it is gone either way
                pass

    def send(self, data: bytes) -> None:
        self.device._raw(data)

    def drain(self) -> None:
        """Drop late answers to an earlier query, so they are not read as this one's."""
        while self._receive_some(16, 0.0):
            pass

    def receive(self, count: int, timeout: float) -> bytes:
        """Up to `count` bytes, waiting at most `timeout` seconds in all."""
        got = b""
        deadline = time.monotonic() + timeout
        while len(got) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            chunk = self._receive_some(count - len(got), left)
            if not chunk:
                continue
            got += chunk
        return got

    def _receive_some(self, count: int, timeout: float) -> bytes:
        dev = self.device
        if isinstance(dev, Network):
            sock: socket.socket = dev.device
            ready, _, _ = select.select([sock], [], [], timeout)
            if not ready:
                return b""
            data = sock.recv(count)
            if not data:
                raise LinkClosed("the printer closed the connection")
            return data
        if isinstance(dev, Serial):
            port = dev.device
            port.timeout = timeout
            return port.read(count)
        if isinstance(dev, Usb):
            import usb.core  # only there when a USB printer is configured
            try:
                return bytes(dev.device.read(dev.in_ep, 64, max(1, int(timeout * 1000))))[:count]
            except usb.core.USBTimeoutError:
                return b""
        if isinstance(dev, File):
            # Printer class devices (usblp) answer through the same node; a plain
            # file would only give back what was written to it.
            if self._read_fd is None:
                if not stat.S_ISCHR(os.stat(dev.devfile).st_mode):
                    time.sleep(timeout)
                    return b""
                self._read_fd = os.open(dev.devfile, os.O_RDONLY | os.O_NONBLOCK)
            ready, _, _ = select.select([self._read_fd], [], [], timeout)
            if not ready:
                return b""
            try:
                data = os.read(self._read_fd, count)
            except BlockingIOError:
                data = b""
            if not data:
                time.sleep(min(timeout, 0.05))  # at end of file select never blocks
            return data
        return b""  # a device python-escpos cannot read from stays silent
