"""One serial port that survives being unplugged: the project's only reconnecting serial link.

A `SerialLink` opens any pyserial URL with `serial.serial_for_url`: a device path
(`/dev/ttyUSB0`, or the udev symlink `/dev/serial/by-id/...` that stays put when the
adapter is replugged), `socket://host:port` for an RS-485-to-Ethernet converter, or
`loop://` for a loopback. When the port goes away (USB adapter pulled, pty closed,
socket dropped) the link reports itself down and reopens the same URL by itself with
exponential backoff, so the caller never rebuilds anything.

Interface::

    link = SerialLink(url, baudrate=9600, on_state=None, retry_min=0.2, retry_max=5.0,
                      background_retry=True, **serial_kwargs)
    link.write(data: bytes) -> None           # raises PortDown when the port is not usable
    link.read(size: int, timeout: float) -> bytes   # up to `size` bytes, b"" on timeout; PortDown
    link.read_until(terminator: bytes, size: int, timeout: float) -> bytes
    link.read_some(max_size: int, timeout: float) -> bytes  # what has arrived, waiting only for the first byte
    link.reset_input() -> None                # drop unread input (stale replies before a request)
    link.up -> bool                           # True while the port is open
    link.last_error -> str | None             # why the port is down (for device status)
    link.wait_up(timeout: float) -> bool      # block until the port is open again
    link.close() -> None                      # stop retrying and close for good
    with SerialLink(...) as link: ...

`on_state(up: bool, error: str | None)` is called on every change between up and down
(never while a port lock is held, so it may call back into the link), from whichever thread
saw the change: a writer, a reader, or the retry thread.

Reopening: with `background_retry=True` (the default) a daemon thread retries the open
after `retry_min` seconds, doubling up to `retry_max`, and `write`/`read` raise
`PortDown` at once meanwhile instead of blocking callers. With `background_retry=False`
nothing runs in the background: the next `write`/`read` after the backoff delay tries
the open inline.

Thread safety: writes are serialised by one lock and reads by another, so one thread
may sit in `read` (a keypad listener) while another writes. Open and close are guarded
by a third lock; a failure seen by one thread closes the port only if it is still the
same port object, so two threads failing at once reopen it once.
"""
from __future__ import annotations

import logging
import termios
import threading
import time
from typing import Any, Callable

import serial

log = logging.getLogger(__name__)

StateCallback = Callable[[bool, "str | None"], None]


class PortDown(Exception):
    """The port is not open now; the link keeps trying to reopen it."""


# What pyserial and the OS raise when a port vanishes under us: SerialException for
# EIO on a pty/tty or a dropped socket, OSError for a pulled USB adapter mid-call,
# ValueError/TypeError when another thread closed the file descriptor meanwhile.
# termios.error: pyserial's flush() on a pty whose far end vanished mid-write.
_PORT_ERRORS = (serial.SerialException, OSError, ValueError, TypeError, termios.error)


class SerialLink:
    def __init__(self, url: str, *, baudrate: int = 9600, on_state: StateCallback | None = None,
                 retry_min: float = 0.2, retry_max: float = 5.0, background_retry: bool = True,
                 **serial_kwargs: Any) -> None:
        self.url = url
        self._serial_kwargs = {"baudrate": baudrate, **serial_kwargs}
        self._on_state = on_state
        self._retry_min = retry_min
        self._retry_max = retry_max
        self._background = background_retry
        self._port: serial.SerialBase | None = None
        self._open_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._changed = threading.Condition(self._open_lock)
        self._closed = False
        self._delay = retry_min
        self._next_attempt = 0.0
        self._retry_thread: threading.Thread | None = None
        self.last_error: str | None = None
        self._reported_up: bool | None = None
        self._report_lock = threading.RLock()
        self._try_open()

    # -- state ---------------------------------------------------------------------------

    @property
    def up(self) -> bool:
        return self._port is not None

    def wait_up(self, timeout: float) -> bool:
        """Wait until the port is open (or the link is closed); True when it is open."""
        deadline = time.monotonic() + timeout
        while True:
            with self._changed:
                if self._port is not None or self._closed:
                    return self._port is not None
                now = time.monotonic()
                if now >= deadline:
                    return False
                if self._background or now < self._next_attempt:
                    # Without the retry thread nobody notifies us, so wake at the next attempt.
                    until = deadline if self._background else min(deadline, self._next_attempt)
                    self._changed.wait(until - now)
                    continue
            self._try_open()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            port, self._port = self._port, None
            self._changed.notify_all()
        if port is not None:
            _quiet_close(port)

    def __enter__(self) -> "SerialLink":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- I/O -----------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        port = self._usable_port()
        with self._write_lock:
            try:
                port.write(data)
                port.flush()
            except _PORT_ERRORS as exc:
                self._lost(port, exc)
                raise PortDown(self.last_error) from exc

    def read(self, size: int, timeout: float) -> bytes:
        port = self._usable_port()
        with self._read_lock:
            try:
                if port.timeout != timeout:
                    port.timeout = timeout  # a termios call on a tty, so only when it changes
                return bytes(port.read(size))
            except _PORT_ERRORS as exc:
                self._lost(port, exc)
                raise PortDown(self.last_error) from exc

    def read_some(self, max_size: int, timeout: float) -> bytes:
        """Wait up to `timeout` for the first byte, then return whatever else has arrived.

        For replies of unknown length (acks, keypad frames): `read` would sit out the whole
        timeout waiting for `size` bytes."""
        port = self._usable_port()
        with self._read_lock:
            try:
                if port.timeout != timeout:
                    port.timeout = timeout
                data = bytes(port.read(1))
                if data and max_size > 1:
                    waiting = port.in_waiting
                    if waiting:
                        data += bytes(port.read(min(waiting, max_size - 1)))
                return data
            except _PORT_ERRORS as exc:
                self._lost(port, exc)
                raise PortDown(self.last_error) from exc

    def read_until(self, terminator: bytes, size: int, timeout: float) -> bytes:
        """Read until `terminator` (included), `size` bytes or the timeout, whichever first."""
        port = self._usable_port()
        with self._read_lock:
            try:
                if port.timeout != timeout:
                    port.timeout = timeout  # a termios call on a tty, so only when it changes
                return bytes(port.read_until(terminator, size))
            except _PORT_ERRORS as exc:
                self._lost(port, exc)
                raise PortDown(self.last_error) from exc

    def reset_input(self) -> None:
        port = self._usable_port()
        with self._read_lock:
            try:
                port.reset_input_buffer()
            except _PORT_ERRORS as exc:
                self._lost(port, exc)
                raise PortDown(self.last_error) from exc

    # -- opening and losing the port -----------------------------------------------------

    def _usable_port(self) -> serial.SerialBase:
        port = self._port
        if port is not None:
            return port
        if self._closed:
            raise PortDown("closed")
        if not self._background and time.monotonic() >= self._next_attempt:
            self._try_open()
            port = self._port
            if port is not None:
                return port
        raise PortDown(self.last_error or "port down")

    def _try_open(self) -> None:
        with self._open_lock:
            if self._port is not None or self._closed:
                return
            try:
                # do_not_open + open() so a failed open leaves nothing half-made behind.
                port = serial.serial_for_url(self.url, do_not_open=True, **self._serial_kwargs)
                port.open()
            except _PORT_ERRORS as exc:
                self.last_error = _describe(exc)
                self._next_attempt = time.monotonic() + self._delay
                self._delay = min(self._delay * 2, self._retry_max)
                opened = False
            else:
                self._port = port
                self.last_error = None
                self._delay = self._retry_min
                self._changed.notify_all()
                opened = True
        if opened:
            log.info("serial port %s open", self.url)
            self._report()
        else:
            self._report()
            self._start_retry()

    def _lost(self, port: serial.SerialBase, exc: BaseException) -> None:
        with self._open_lock:
            if self._port is not port:
                return  # another thread saw it first, or the link is being closed
            self._port = None
            self.last_error = _describe(exc)
            self._next_attempt = time.monotonic() + self._delay
        try:
            port.cancel_read()  # wake a reader blocked in select() on the dead descriptor
        except Exception:
            pass
        _quiet_close(port)
        log.warning("serial port %s lost: %s", self.url, self.last_error)
        self._report()
        self._start_retry()

    def _start_retry(self) -> None:
        if not self._background or self._closed:
            return
        with self._open_lock:
            if self._retry_thread is not None and self._retry_thread.is_alive():
                return
            self._retry_thread = threading.Thread(target=self._retry_loop, name=f"serial-retry {self.url}",
                                                  daemon=True)
            self._retry_thread.start()

    def _retry_loop(self) -> None:
        while True:
            with self._changed:
                while not self._closed and self._port is None:
                    left = self._next_attempt - time.monotonic()
                    if left <= 0:
                        break
                    self._changed.wait(left)
                if self._closed or self._port is not None:
                    self._retry_thread = None
                    return
            self._try_open()

    def _report(self) -> None:
        # Report the state the port is in now rather than the one the caller saw, under a
        # lock of its own, so two threads changing it at once cannot leave the last report
        # wrong. Only changes reach the callback: a port that keeps failing to open does
        # not flood device status with the same "down" at every backoff step.
        with self._report_lock:
            up = self._port is not None
            if self._reported_up is up:
                return
            self._reported_up = up
            if self._on_state is not None:
                try:
                    self._on_state(up, None if up else self.last_error)
                except Exception:
                    log.exception("serial port state callback failed")


def _quiet_close(port: serial.SerialBase) -> None:
    try:
        port.close()
    except Exception:
        pass


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
