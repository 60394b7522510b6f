"""The device side of a simulated serial adapter, which tests can unplug and plug back.

Two kinds, with the same small interface so a simulated device does not care which:

- `PtyEndpoint`: a pty pair; the driver opens the slave through a fixed symlink (the
  way udev names a USB adapter under /dev/serial/by-id), so after `unplug()` +
  `plug()` the new pty is reachable at the same path although the kernel gave it a
  new /dev/pts number.
- `TcpEndpoint`: a listening socket on 127.0.0.1 standing in for an RS-485-to-Ethernet
  converter; the driver opens `socket://127.0.0.1:PORT`. `unplug()` drops the
  connection and stops listening; `plug()` listens on the same port again.

Interface: `url`, `read(timeout) -> bytes` (b"" when nothing came or while unplugged),
`write(data)` (dropped while unplugged, like bytes sent to a pulled cable),
`unplug()`, `plug()`, `close()`, and `baudrate() -> int | None`: the rate the driver set
on a pty (both ends of a pty share one termios), None for a converter on TCP, whose
serial side has its own fixed rate.
"""
from __future__ import annotations

import errno
import os
import select
import socket
import termios
import threading
import time
import tty
from typing import Protocol


class SimEndpoint(Protocol):
    url: str

    def read(self, timeout: float) -> bytes: ...
    def write(self, data: bytes) -> None: ...
    def unplug(self) -> None: ...
    def plug(self) -> None: ...
    def close(self) -> None: ...
    def baudrate(self) -> int | None: ...


# termios speed constants -> bits per second, for the rates serial devices use
_SPEEDS = {getattr(termios, f"B{rate}"): rate for rate in (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)}


class PtyEndpoint:
    def __init__(self, link_path: str) -> None:
        self.url = link_path
        self._lock = threading.Lock()
        self._master: int | None = None
        self._slave: int | None = None
        self.plug()

    def plug(self) -> None:
        with self._lock:
            if self._master is not None:
                return
            master, slave = os.openpty()
            # Keep our own slave descriptor open and raw: with no slave open at all the
            # master reads EIO, and a cooked slave would echo the driver's frames back.
            tty.setraw(slave)
            os.set_blocking(master, False)
            target = os.ttyname(slave)
            tmp = f"{self.url}.{os.getpid()}.tmp"
            if os.path.lexists(tmp):
                os.unlink(tmp)
            os.symlink(target, tmp)
            os.replace(tmp, self.url)  # atomic, so the driver never sees a half-made link
            self._master, self._slave = master, slave

    def unplug(self) -> None:
        with self._lock:
            if self._master is None:
                return
            # Closing every descriptor we hold makes the kernel remove /dev/pts/N, and the
            # driver's next read or write fails with EIO: what a pulled USB adapter does.
            os.close(self._master)
            os.close(self._slave)
            self._master = self._slave = None
            try:
                os.unlink(self.url)
            except FileNotFoundError:
                pass

    def read(self, timeout: float) -> bytes:
        master = self._master
        if master is None:
            time.sleep(timeout)
            return b""
        try:
            ready, _, _ = select.select([master], [], [], timeout)
        except (OSError, ValueError):
            return b""  # unplugged by another thread meanwhile
        if not ready:
            return b""
        with self._lock:
            if self._master != master:
                return b""
            try:
                return os.read(master, 4096)
            except BlockingIOError:
                return b""
            except OSError as exc:
                if exc.errno == errno.EIO:
                    return b""
                raise

    def write(self, data: bytes) -> None:
        with self._lock:
            if self._master is None:
                return
            view = memoryview(data)
            while view:
                try:
                    view = view[os.write(self._master, view):]
                except BlockingIOError:
                    select.select([], [self._master], [], 0.1)

    def close(self) -> None:
        self.unplug()

    def baudrate(self) -> int | None:
        slave = self._slave
        if slave is None:
            return None
        try:
            return _SPEEDS.get(termios.tcgetattr(slave)[5])  # ospeed: what the driver sends at
        except termios.error:
            return None


class TcpEndpoint:
    def __init__(self, port: int = 0) -> None:
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._client: socket.socket | None = None
        self._port = port
        self.plug()
        self.url = f"socket://127.0.0.1:{self._port}"

    def plug(self) -> None:
        with self._lock:
            if self._listener is not None:
                return
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            # The same port must come back after unplug even with connections in TIME_WAIT.
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self._port))
            listener.listen(1)
            listener.setblocking(False)
            self._port = listener.getsockname()[1]
            self._listener = listener

    def unplug(self) -> None:
        with self._lock:
            for sock in (self._client, self._listener):
                if sock is not None:
                    _quiet_close(sock)
            self._client = self._listener = None

    def read(self, timeout: float) -> bytes:
        with self._lock:
            listener, client = self._listener, self._client
        if listener is None:
            time.sleep(timeout)
            return b""
        watch = [s for s in (listener, client) if s is not None]
        try:
            ready, _, _ = select.select(watch, [], [], timeout)
        except (OSError, ValueError):
            return b""
        with self._lock:
            if self._listener is not listener:
                return b""
            if listener in ready:
                try:
                    new, _ = listener.accept()
                except BlockingIOError:
                    new = None
                if new is not None:
                    # A converter serves one host; a reconnecting driver replaces the old one.
                    if self._client is not None:
                        _quiet_close(self._client)
                    new.setblocking(True)  # recv only runs after select said it is readable
                    new.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    self._client = client = new
            if client is None or client not in ready or self._client is not client:
                return b""
            try:
                data = client.recv(4096)
            except (BlockingIOError, InterruptedError):
                return b""
            except OSError:
                data = b""
            if not data:
                _quiet_close(client)
                self._client = None
            return data

    def write(self, data: bytes) -> None:
        with self._lock:
            if self._client is None:
                return
            try:
                self._client.sendall(data)
            except OSError:
                _quiet_close(self._client)
                self._client = None

    def close(self) -> None:
        self.unplug()

    def baudrate(self) -> int | None:
        return None


def _quiet_close(sock: socket.socket) -> None:
    try:
        sock.close()
    except OSError:
        pass
