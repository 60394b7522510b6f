"""A thermal printer on 127.0.0.1 that speaks the real protocol.

Like a port-9100 network printer it takes ESC/POS bytes over TCP, prints them
(records each job: the bytes up to and including a cut) and answers real-time
DLE EOT status queries with the status bytes of its current mode. Tests and
the demo switch it at run time:

    ok          prints, answers "online, paper present"
    near_end    prints, answers "paper near end"
    paper_out   answers "offline: paper end"; keeps what it receives and
                prints it when paper is back (as a real printer's buffer does),
                unless DLE DC4 fn 8 cleared its buffers first
    offline     answers "offline: cover open"; keeps what it receives
    drop        closes the connection after `after` bytes of print data
    silent      prints, never answers a status query

`set_mode("paper_out", after=n)` runs out of paper after n more bytes of
print data, so a job can fail half-way through.

`PrinterSimulator(speed_mm_s=...)` prints at that speed, as a real one does: data
waits in the buffer while the head works through it (the paper length of each
command as `hallq.devices.escpos.timing` counts it), DLE EOT is answered at once
with the state at the head, and a paper-out `after` n bytes happens when the head
reaches byte n. `cutter=False` is a printer without a blade: a job ends where it
is fed past the tear bar (ESC d with TEAR_FEED_LINES or more). With `completion=True` it answers Epson's process ID request
(GS ( H fn 48) with 37 22 d1 d2 d3 d4 00 once everything before it has printed.
"""
from __future__ import annotations

import os
import pty
import select
import socket
import threading
import tty
import time
from dataclasses import dataclass, field

from hallq.devices.escpos.commands import split
from hallq.devices.escpos.render import TEAR_FEED_LINES
from hallq.devices.escpos.timing import DOTS_PER_MM, length_dots
from hallq.devices.escpos.status import (
    CLEAR_BUFFERS, CLEARED, COVER_OPEN, FIXED_BITS, OFFLINE, PAPER_END, PAPER_NEAR_END, STOPPED_PAPER_END,
)

MODES = ("ok", "near_end", "paper_out", "offline", "drop", "silent")
_REAL_TIME = ("DLE EOT", "DLE DC4")  # done on arrival, ahead of the print data in the buffer
_HOLDING = ("paper_out", "offline")


def status_byte(mode: str, n: int) -> int:
    """The printer's answer to DLE EOT n in `mode`."""
    byte = FIXED_BITS
    if n == 1 and mode in _HOLDING:
        byte |= OFFLINE
    elif n == 2 and mode == "paper_out":
        byte |= STOPPED_PAPER_END
    elif n == 2 and mode == "offline":
        byte |= COVER_OPEN
    elif n == 4 and mode == "paper_out":
        byte |= PAPER_END | PAPER_NEAR_END
    elif n == 4 and mode == "near_end":
        byte |= PAPER_NEAR_END
    return byte


@dataclass
class Job:
    """What came out of the printer: `complete` when it ended with a cut."""
    data: bytes
    complete: bool
    connection: int
    finished_at: float = field(default_factory=time.time)


class _Drop(Exception):
    """The simulated link goes down."""


class PrinterSimulator:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, speed_mm_s: float | None = None,
                 completion: bool = False, cutter: bool = True):
        self._bind = (host, port)
        self._cutter = cutter   # False: a job ends where it is fed past the tear bar
        self._speed = speed_mm_s
        self._completion = completion
        self._buffer: list[tuple[float, str, bytes, bytes, int, object]] = []  # due, name, params, raw, conn, send
        self._head_free_at = 0.0
        self._lock = threading.Condition()
        self._mode = "ok"
        self._after: int | None = None  # bytes of print data until a pending paper_out/drop happens
        self._pending_mode = "ok"
        self._jobs: list[Job] = []
        self._current = bytearray()
        self._current_connection = 0
        self._held = bytearray()
        self._received = bytearray()
        self._queries = 0
        self._server: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._connections: dict[int, socket.socket] = {}
        self._next_connection = 1
        self._stopping = False

    # --- running ------------------------------------------------------------

    def start(self) -> PrinterSimulator:
        server = socket.create_server(self._bind)
        server.settimeout(0.2)
        self._server = server
        self._stopping = False
        thread = threading.Thread(target=self._accept, name="printer-sim", daemon=True)
        thread.start()
        self._threads.append(thread)
        if self._speed:
            head = threading.Thread(target=self._run_head, name="printer-sim-head", daemon=True)
            head.start()
            self._threads.append(head)
        return self

    def stop(self) -> None:
        self._stopping = True
        if self._server:
            self._server.close()
        with self._lock:
            connections = list(self._connections.values())
        for conn in connections:
            _close(conn)
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads.clear()
        self._server = None

    def __enter__(self) -> PrinterSimulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def address(self) -> tuple[str, int]:
        if not self._server:
            raise RuntimeError("the printer simulator is not running")
        return self._server.getsockname()[:2]

    @property
    def url(self) -> str:
        host, port = self.address
        return f"tcp://{host}:{port}"

    # --- control and inspection -----------------------------------------------

    def set_mode(self, mode: str, *, after: int | None = None) -> None:
        """Switch mode now, or (paper_out, drop) once `after` more bytes of print data arrived."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        with self._lock:
            if after:
                if mode not in ("paper_out", "drop"):
                    raise ValueError("only paper_out and drop can wait for bytes")
                self._pending_mode, self._after = mode, after
                return
            self._mode, self._after = mode, None
            if mode not in _HOLDING and mode != "drop" and self._held:
                held, self._held = bytes(self._held), bytearray()
                commands, _ = split(held)
                for command in commands:
                    self._print(command.name, command.raw, self._current_connection)
            self._lock.notify_all()

    @property
    def mode(self) -> str:
        with self._lock:
            return self._mode

    @property
    def jobs(self) -> list[Job]:
        with self._lock:
            return list(self._jobs)

    @property
    def held(self) -> bytes:
        """Print data waiting in the buffer for paper or for the cover to close."""
        with self._lock:
            return bytes(self._held)

    @property
    def received(self) -> bytes:
        """Every byte that arrived, status queries included."""
        with self._lock:
            return bytes(self._received)

    @property
    def status_queries(self) -> int:
        with self._lock:
            return self._queries

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> list[Job]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self._jobs) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self._jobs)} of {count} jobs printed")
                self._lock.wait(left)
            return list(self._jobs)

    def clear(self) -> None:
        with self._lock:
            self._jobs.clear()
            self._held.clear()
            self._received.clear()
            self._queries = 0

    # --- the printer ------------------------------------------------------------

    def _accept(self) -> None:
        assert self._server
        while not self._stopping:
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                number = self._next_connection
                self._next_connection += 1
                self._connections[number] = conn
            thread = threading.Thread(target=self._serve, args=(conn, number), name=f"printer-sim-{number}",
                                      daemon=True)
            thread.start()
            self._threads.append(thread)

    def open_pty(self) -> str:
        """Also be a serial printer: the path of a pty to open as its port."""
        master, slave = pty.openpty()
        tty.setraw(slave)  # bytes pass untouched: no echo, no newline translation
        with self._lock:
            number = self._next_connection
            self._next_connection += 1
        thread = threading.Thread(target=self._serve_pty, args=(master, slave, number), name=f"printer-sim-pty-{number}",
                                  daemon=True)
        thread.start()
        self._threads.append(thread)
        return os.ttyname(slave)

    def _serve_pty(self, master: int, slave: int, number: int) -> None:
        def receive() -> bytes:
            # Wake up now and then to notice stop(); EIO means nobody has the port open.
            while not self._stopping:
                try:
                    ready, _, _ = select.select([master], [], [], 0.2)
                    if ready:
                        return os.read(master, 65536)
                except OSError:
                    time.sleep(0.05)
            return b""

        try:
            self._serve_stream(receive, lambda data: os.write(master, data), number)
        finally:
            os.close(master)
            os.close(slave)

    def _serve(self, conn: socket.socket, number: int) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            self._serve_stream(lambda: conn.recv(65536), conn.sendall, number)
        finally:
            _close(conn)

    def _serve_stream(self, receive, send, number: int) -> None:
        buffer = b""
        try:
            while True:
                chunk = receive()
                if not chunk:
                    return
                with self._lock:
                    self._received += chunk
                commands, used = split(buffer + chunk)
                buffer = (buffer + chunk)[used:]
                answers = b""
                try:
                    for command in commands:
                        if self._speed and command.name not in _REAL_TIME:
                            self._enqueue(command.name, command.params, command.raw, number, send)
                            continue
                        answers += self._handle(command.name, command.params, command.raw, number)
                finally:
                    if answers:
                        send(answers)
        except _Drop:
            pass
        except OSError:
            pass
        finally:
            with self._lock:
                self._connections.pop(number, None)
                if self._current and self._current_connection == number:
                    self._finish_job(complete=False)

    def _enqueue(self, name: str, params: bytes, raw: bytes, connection: int, send) -> None:
        """Into the print buffer: printed when the head gets there."""
        with self._lock:
            start = max(time.monotonic(), self._head_free_at)
            self._head_free_at = start + length_dots(raw) / DOTS_PER_MM / self._speed
            self._buffer.append((self._head_free_at, name, params, raw, connection, send))
            self._lock.notify_all()

    def _run_head(self) -> None:
        while not self._stopping:
            with self._lock:
                now = time.monotonic()
                due = [entry for entry in self._buffer if entry[0] <= now]
                self._buffer = [entry for entry in self._buffer if entry[0] > now]
            for _, name, params, raw, connection, send in due:
                try:
                    answer = self._handle(name, params, raw, connection)
                    if answer:
                        send(answer)
                except (_Drop, OSError):
                    pass
            time.sleep(0.005)

    def _handle(self, name: str, params: bytes, raw: bytes, connection: int) -> bytes:
        with self._lock:
            if name == "DLE EOT":
                self._queries += 1
                return b"" if self._mode == "silent" else bytes((status_byte(self._mode, params[0]),))
            if raw == CLEAR_BUFFERS:
                return self._clear_buffers()
            if name in ("DLE ENQ", "DLE DC4"):
                return b""
            if self._mode in _HOLDING:
                self._held += raw
                return b""
            if name == "GS ( H" and self._completion and params[2:4] == b"\x30\x30":
                # Everything before it has printed: send the process ID back (Epson GS ( H fn 48).
                return b"\x37\x22" + params[4:8] + b"\x00"
            if self._after is not None:
                if len(raw) >= self._after:
                    now, rest = raw[:self._after], raw[self._after:]
                    self._after = None
                    # Only part of this command made it onto the paper: never a whole cut.
                    self._print("PART" if rest else name, now, connection)
                    if self._pending_mode == "drop":
                        self._mode = "drop"
                        raise _Drop()
                    self._mode = self._pending_mode
                    self._held += rest
                    return b""
                self._after -= len(raw)
            elif self._mode == "drop":
                raise _Drop()
            self._print(name, raw, connection)
            return b""

    def _clear_buffers(self) -> bytes:
        """DLE DC4 fn 8: what waits for paper or for the head is dropped; a job the head had
        begun stays on the paper as it is, uncut (called under the lock)."""
        self._held.clear()
        self._buffer.clear()
        self._head_free_at = 0.0
        if self._current:
            self._finish_job(complete=False)
        return b"" if self._mode == "silent" else CLEARED

    def _print(self, name: str, raw: bytes, connection: int) -> None:
        """One command of print data; a cut ends the job (called under the lock)."""
        if not self._current:
            self._current_connection = connection
        self._current += raw
        if name == "GS V" or (not self._cutter and name == "ESC d" and raw[2] >= TEAR_FEED_LINES):
            self._finish_job(complete=True)

    def _finish_job(self, complete: bool) -> None:
        self._jobs.append(Job(bytes(self._current), complete, self._current_connection))
        self._current = bytearray()
        self._lock.notify_all()


def _close(conn: socket.socket) -> None:
    try:
        conn.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    conn.close()
