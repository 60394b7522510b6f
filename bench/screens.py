"""A swarm of hall display screens on one thread: the benchmarks' load generator for the call event.

A hall TV is one Socket.IO v5 client over Engine.IO v4 over a WebSocket,
authenticated with a display token. The benchmarks need 200 of them, and
`socketio.Client` costs one reader thread each in pure Python: in one process
they used more CPU than the server, and each one's clock was read only when
its thread got the interpreter lock, so the figures measured the load
generator's backlog. Real displays are separate machines.

Here every screen is a raw TCP socket on loopback, all served by one
`selectors` loop in one thread, with the protocols taken from well-kept
sans-IO code: `wsproto` for the WebSocket upgrade and frames,
`engineio.packet.Packet` and `socketio.packet.Packet` for the packets.

Each socket has SO_TIMESTAMPNS on and is read with `recvmsg`, so each chunk
read carries the kernel's receive time (CLOCK_REALTIME, the clock of
`time.time_ns()`). For every event the swarm keeps two times:

- `kernel_ns`: when its bytes reached the screen's socket, which does not
  depend on how busy this process is (a screen's own rendering is not in it);
- `handled_ns`: when this swarm decoded it, which is what a slow client sees.

Use: `swarm = Swarm(200)`, `swarm.connect(base, token)`, then `settle`,
`have_issued`, `await_call`, `call_delays` from the benchmark's thread while
the swarm's thread reads, and `close()` at the end.
"""
from __future__ import annotations

import selectors
import socket
import struct
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple
from urllib.parse import urlsplit

from engineio import packet as eio
from socketio import packet as sio
from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (AcceptConnection, BytesMessage, CloseConnection, Ping, RejectConnection, Request,
                            TextMessage)
from wsproto.utilities import LocalProtocolError, RemoteProtocolError

ENGINEIO_PATH = "/socket.io/?EIO=4&transport=websocket"

# Python 3.11's socket module does not name it; 35 is SO_TIMESTAMPNS (alias
# SO_TIMESTAMPNS_OLD) in Linux's asm-generic/socket.h, used by x86 and ARM.
# Its control message (SCM_TIMESTAMPNS) has the same number.
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
TIMESPEC = struct.Struct("@ll")  # struct timespec on 64-bit Linux: tv_sec, tv_nsec
ANCILLARY_SPACE = socket.CMSG_SPACE(TIMESPEC.size)
CHUNK = 1 << 16
READ_EVERY = 16  # chunks decoded between two looks for more to read

# a screen's life: upgrading (HTTP upgrade sent) -> opening (websocket open, waiting for the Engine.IO
# open packet) -> joining (Socket.IO CONNECT sent) -> connected; it ends as closed or failed
HANDSHAKING = ("upgrading", "opening", "joining")


class Arrival(NamedTuple):
    kernel_ns: int   # the kernel's receive time of the chunk that carried the event (CLOCK_REALTIME)
    handled_ns: int  # time.time_ns() when this swarm decoded the event


class CallDelays(NamedTuple):
    """One call's delay at each screen that has it, in seconds after t0, in the order of the screens."""
    arrival: list[float]
    handled: list[float]


@dataclass(eq=False)
class Screen:
    """One display: its socket, its WebSocket state and what it received."""
    index: int
    state: str = "new"
    error: str | None = None
    sock: socket.socket | None = None
    ws: WSConnection | None = None
    token: str = ""
    outbox: bytearray = field(default_factory=bytearray)
    writing: bool = False  # registered for EVENT_WRITE: the outbox did not fit into the socket
    fragments: list[str] = field(default_factory=list)  # a text message not yet finished
    called: dict[str, Arrival] = field(default_factory=dict)
    issued: set[str] = field(default_factory=set)
    events: int = 0


class Swarm:
    """`count` display screens read by one thread."""

    def __init__(self, count: int, at_once: int = 50):
        if not sys.platform.startswith("linux"):
            raise RuntimeError("the screen swarm reads kernel receive times (SO_TIMESTAMPNS): Linux only")
        self.screens = [Screen(i) for i in range(count)]
        self.at_once = at_once  # handshakes in flight while connecting
        self.stats = {"chunks": 0, "chunks_with_several_events": 0, "called_before_another_event": 0,
                      "untimed_chunks": 0, "events": 0, "pongs": 0}
        self.lost: list[str] = []  # screens that lost their connection after connecting, and why
        self.live = 0  # screens connected now
        self.last_event_at = time.monotonic()
        self._called_by: dict[str, int] = {}  # number -> screens that have its ticket.called
        self._issued_by: dict[str, int] = {}
        self._selector = selectors.DefaultSelector()
        # The loop holds the lock while it handles what one select() returned, then notifies: the
        # benchmark's thread waits on it instead of polling.
        self._cond = threading.Condition()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._called_in_chunk = False  # the chunk being decoded carried a ticket.called
        self._pending: deque[tuple[Screen, bytes | None, Any]] = deque()  # read, not yet decoded

    def __len__(self) -> int:
        return len(self.screens)

    # --- connecting and closing -------------------------------------------------------

    def connect(self, base: str, token: str, timeout_s: float = 60.0) -> tuple[float, list[str]]:
        """Connects every screen (at most `at_once` handshakes at a time), then starts the reading thread.

        Returns the seconds it took and an error per screen that did not connect (refused, rejected,
        a CONNECT_ERROR, or no answer within timeout_s).
        """
        if self._thread is not None:
            raise RuntimeError("the swarm is already connected")
        url = urlsplit(base)
        host, port = url.hostname or "127.0.0.1", url.port or 80
        started, deadline = time.perf_counter(), time.monotonic() + timeout_s
        waiting = list(self.screens)
        with self._cond:
            while time.monotonic() < deadline:
                in_flight = sum(1 for s in self.screens if s.state in HANDSHAKING)
                while waiting and in_flight < self.at_once:
                    self._open(waiting.pop(0), host, port, token)
                    in_flight += 1
                if not waiting and in_flight == 0:
                    break
                self._pump(min(0.5, max(0.0, deadline - time.monotonic())))
        for screen in self.screens:
            if screen.state in ("new",) + HANDSHAKING:
                self._fail(screen, f"not connected within {timeout_s:.0f} s (state {screen.state})")
        self._thread = threading.Thread(target=self._serve, name="screen-swarm", daemon=True)
        self._thread.start()
        errors = [f"screen {s.index}: {s.error}" for s in self.screens if s.state == "failed"]
        return time.perf_counter() - started, errors

    def close(self) -> None:
        """Stops the reading thread, says goodbye (Engine.IO close, WebSocket close) and closes the sockets."""
        if self._stopping:
            return
        self._stopping = True
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass
        if self._thread is not None:
            self._thread.join(timeout=10)
        for screen in self.screens:
            if screen.sock is None:
                continue
            if screen.ws is not None and screen.ws.state == ConnectionState.OPEN:
                try:
                    screen.sock.setblocking(True)
                    screen.sock.settimeout(1.0)
                    screen.sock.sendall(bytes(screen.outbox)
                                        + screen.ws.send(TextMessage(eio.Packet(eio.CLOSE).encode()))
                                        + screen.ws.send(CloseConnection(code=1000)))
                except (OSError, LocalProtocolError):
                    pass
            self._drop(screen)
            if screen.state == "connected":
                screen.state = "closed"
        self.live = 0
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()

    def _open(self, screen: Screen, host: str, port: int, token: str) -> None:
        screen.token = token
        try:
            sock = socket.create_connection((host, port), timeout=10)
            # on before the first byte can arrive, so every chunk carries its receive time
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setblocking(False)
        except OSError as exc:
            self._fail(screen, f"TCP connect failed: {exc!r}")
            return
        screen.sock, screen.ws, screen.state = sock, WSConnection(ConnectionType.CLIENT), "upgrading"
        self._selector.register(sock, selectors.EVENT_READ, screen)
        self._send(screen, screen.ws.send(Request(host=f"{host}:{port}", target=ENGINEIO_PATH)))

    def _unregister(self, screen: Screen) -> None:
        if screen.sock is None:
            return
        try:
            self._selector.unregister(screen.sock)
        except (KeyError, ValueError, RuntimeError):
            pass  # never registered, already unregistered, or the selector is closed

    def _drop(self, screen: Screen) -> None:
        if screen.sock is None:
            return
        self._unregister(screen)
        screen.sock.close()
        screen.sock = None

    def _fail(self, screen: Screen, why: str) -> None:
        if screen.state == "connected":
            self.live -= 1
            self.lost.append(f"screen {screen.index}: {why}")
            screen.state = "closed"
        elif screen.state not in ("closed", "failed"):
            screen.state = "failed"
        screen.error = screen.error or why
        self._drop(screen)

    # --- the loop -----------------------------------------------------------------------

    def _serve(self) -> None:
        while not self._stopping:
            try:
                ready = self._selector.select(1.0)
            except (OSError, ValueError):
                return  # closed under us
            with self._cond:
                self._handle(ready)

    def _pump(self, timeout: float) -> None:
        """One select() and what it returned, in the caller's thread (while connecting)."""
        self._handle(self._selector.select(timeout))

    def _handle(self, ready: list) -> None:
        """Reads every ready socket, then decodes what was read, reading again every few chunks.

        Decoding costs far more than reading. Reading first keeps each socket drained, so the events
        of one call that come in separate segments are rarely read together (several events of one
        read share its receive time, see `_read`)."""
        self._take(ready)
        decoded = 0
        while self._pending:
            self._decode(*self._pending.popleft())
            decoded += 1
            if decoded % READ_EVERY == 0:
                self._take(self._selector.select(0))
        self._cond.notify_all()

    def _take(self, ready: list) -> None:
        for key, mask in ready:
            screen = key.data
            if screen is None:
                try:
                    self._wake_r.recv(64)
                except BlockingIOError:
                    pass
                continue
            if mask & selectors.EVENT_WRITE:
                self._flush(screen)
            if mask & selectors.EVENT_READ and screen.sock is not None:
                self._read(screen)

    def _send(self, screen: Screen, data: bytes) -> None:
        screen.outbox += data
        self._flush(screen)

    def _flush(self, screen: Screen) -> None:
        if screen.sock is None:
            return
        try:
            while screen.outbox:
                sent = screen.sock.send(screen.outbox)
                del screen.outbox[:sent]
        except BlockingIOError:
            pass
        except OSError as exc:
            self._fail(screen, f"send failed: {exc!r}")
            return
        if bool(screen.outbox) != screen.writing:
            screen.writing = bool(screen.outbox)
            mask = selectors.EVENT_READ | (selectors.EVENT_WRITE if screen.writing else 0)
            try:
                self._selector.modify(screen.sock, mask, screen)
            except KeyError:
                pass  # its end was read: no longer selected, the chunks before it are being decoded

    def _read(self, screen: Screen) -> None:
        """One recvmsg: the chunk and its kernel receive time, queued for decoding in order."""
        assert screen.sock is not None
        try:
            data, ancillary, _flags, _addr = screen.sock.recvmsg(CHUNK, ANCILLARY_SPACE)
        except BlockingIOError:
            return
        except OSError as exc:
            self._pending.append((screen, None, f"receive failed: {exc!r}"))
            self._unregister(screen)
            return
        if not data:
            self._pending.append((screen, None, "the server closed the connection"))
            self._unregister(screen)
            return
        # Every event in this chunk gets its time. TCP reports the receive time of the last segment
        # the read took, so an event that came in an earlier segment of the same chunk is dated a
        # little late: conservative for the arrival figure.
        self._pending.append((screen, data, self._receive_time(ancillary)))

    def _decode(self, screen: Screen, data: bytes | None, stamp) -> None:
        """A chunk read from `screen` (or, with no data, why its connection ended)."""
        if data is None:
            self._fail(screen, stamp)
            return
        if screen.ws is None or screen.state in ("closed", "failed"):
            return
        self.stats["chunks"] += 1
        before = screen.events
        self._called_in_chunk = False
        try:
            screen.ws.receive_data(data)
            for event in screen.ws.events():
                self._websocket_event(screen, event, stamp)
                if screen.state in ("closed", "failed"):
                    return
        except (RemoteProtocolError, LocalProtocolError, ValueError) as exc:
            self._fail(screen, f"protocol error: {exc!r}")
            return
        if screen.events - before > 1:
            self.stats["chunks_with_several_events"] += 1

    def _receive_time(self, ancillary: list) -> int:
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(data) >= TIMESPEC.size:
                seconds, nanoseconds = TIMESPEC.unpack_from(data)
                return seconds * 1_000_000_000 + nanoseconds
        # no kernel time: the time of the read, later than the arrival; counted so the report says so
        self.stats["untimed_chunks"] += 1
        return time.time_ns()

    # --- the protocols ---------------------------------------------------------------

    def _websocket_event(self, screen: Screen, event, kernel_ns: int) -> None:
        assert screen.ws is not None
        if isinstance(event, TextMessage):
            screen.fragments.append(event.data)
            if event.message_finished:
                text = "".join(screen.fragments)
                screen.fragments.clear()
                self._engineio(screen, text, kernel_ns)
        elif isinstance(event, Ping):
            self._send(screen, screen.ws.send(event.response()))
        elif isinstance(event, AcceptConnection):
            screen.state = "opening"
        elif isinstance(event, RejectConnection):
            self._fail(screen, f"websocket upgrade refused: HTTP {event.status_code}")
        elif isinstance(event, CloseConnection):
            if screen.ws.state == ConnectionState.REMOTE_CLOSING:
                self._send(screen, screen.ws.send(event.response()))
            self._fail(screen, f"the server closed the websocket ({event.code} {event.reason})")
        elif isinstance(event, BytesMessage):
            pass  # binary attachments: hallq sends none, and the events timed here are text

    def _send_engineio(self, screen: Screen, packet: eio.Packet) -> None:
        assert screen.ws is not None
        self._send(screen, screen.ws.send(TextMessage(packet.encode())))

    def _engineio(self, screen: Screen, text: str, kernel_ns: int) -> None:
        packet = eio.Packet(encoded_packet=text)
        kind = packet.packet_type
        if kind == eio.MESSAGE:
            self._socketio(screen, packet.data, kernel_ns)
        elif kind == eio.PING:
            # Engine.IO 4: the server pings and drops a client that does not answer in time
            self._send_engineio(screen, eio.Packet(eio.PONG, packet.data))
            self.stats["pongs"] += 1
        elif kind == eio.OPEN and screen.state == "opening":
            connect = sio.Packet(sio.CONNECT, data={"token": screen.token})
            self._send_engineio(screen, eio.Packet(eio.MESSAGE, connect.encode()))
            screen.state = "joining"
        elif kind == eio.CLOSE:
            self._fail(screen, "the server closed the Engine.IO session")

    def _socketio(self, screen: Screen, text, kernel_ns: int) -> None:
        if not isinstance(text, str):
            return  # a binary Engine.IO message: not a Socket.IO packet of ours
        packet = sio.Packet(encoded_packet=text)
        if packet.namespace not in (None, "/"):
            return
        kind = packet.packet_type
        if kind == sio.EVENT and isinstance(packet.data, list) and packet.data:
            name, payload = packet.data[0], packet.data[1] if len(packet.data) > 1 else None
            self._event(screen, name, payload, kernel_ns)
        elif kind == sio.CONNECT and screen.state == "joining":
            screen.state = "connected"
            self.live += 1
        elif kind == sio.CONNECT_ERROR:
            message = packet.data.get("message") if isinstance(packet.data, dict) else packet.data
            self._fail(screen, f"Socket.IO CONNECT_ERROR: {message}")
        elif kind == sio.DISCONNECT:
            self._fail(screen, "the server disconnected the screen")

    def _event(self, screen: Screen, name: str, payload, kernel_ns: int) -> None:
        handled_ns = time.time_ns()
        if self._called_in_chunk:
            # a ticket.called dated by this later event's segment, if it came in a later one
            self.stats["called_before_another_event"] += 1
            self._called_in_chunk = False
        screen.events += 1
        self.stats["events"] += 1
        self.last_event_at = time.monotonic()
        number = payload.get("number") if isinstance(payload, dict) else None
        if number is None:
            return
        number = str(number)
        if name == "ticket.called" and number not in screen.called:
            screen.called[number] = Arrival(kernel_ns, handled_ns)
            self._called_by[number] = self._called_by.get(number, 0) + 1
            self._called_in_chunk = True
        elif name == "ticket.issued" and number not in screen.issued:
            screen.issued.add(number)
            self._issued_by[number] = self._issued_by.get(number, 0) + 1

    # --- what the benchmarks wait for and read -------------------------------------------

    @property
    def connected(self) -> list[Screen]:
        return [s for s in self.screens if s.state == "connected"]

    def event_count(self) -> int:
        """Socket.IO events received by all screens so far."""
        with self._cond:
            return self.stats["events"]

    def have_issued(self, number: str) -> bool:
        """Every connected screen has `number`'s ticket.issued."""
        with self._cond:
            return self._issued_by.get(number, 0) >= self.live

    def settle(self, until: Callable[[], bool] | None = None, quiet_s: float = 0.05, limit_s: float = 5.0) -> bool:
        """Waits (at most limit_s) until `until()` holds and no screen got an event for quiet_s; whether it did."""
        end = time.monotonic() + limit_s
        with self._cond:
            while True:
                now = time.monotonic()
                quiet_for = now - self.last_event_at
                if quiet_for >= quiet_s and (until is None or until()):
                    return True
                if now >= end:
                    return False
                if quiet_for < quiet_s:
                    self._cond.wait(min(end - now, quiet_s - quiet_for))
                else:  # quiet but `until` does not hold yet: an event will notify
                    self._cond.wait(min(end - now, 0.05))

    def await_call(self, number: str, wait_s: float) -> bool:
        """Waits (at most wait_s) until `number`'s ticket.called has reached every connected screen."""
        with self._cond:
            return self._cond.wait_for(lambda: self._called_by.get(number, 0) >= self.live, wait_s)

    def call_delays(self, number: str, t0_ns: int) -> CallDelays:
        """`number`'s ticket.called at each screen that has it, minus t0 (time.time_ns()), in seconds."""
        with self._cond:
            arrivals = [s.called[number] for s in self.screens if number in s.called]
        return CallDelays([(a.kernel_ns - t0_ns) / 1e9 for a in arrivals],
                          [(a.handled_ns - t0_ns) / 1e9 for a in arrivals])
