"""The device agent's keypad bus: key presses in, window actions out, screens kept up to date.

One reader thread owns the bus. It answers every keypad frame at once (ACK,
or NAK with a reason) and hands accepted key presses to a worker pool, so a
slow server never makes the bus deaf. A keypad has at most one action running:
a key pressed meanwhile is refused as BUSY rather than queued, because a clerk
pressing "call next" again while the server is slow means "hurry", not "call
two". Host → keypad frames carry whole state (the screen, a lit rating
request), so only the latest one per keypad matters; it is sent again until
the keypad acknowledges it, and again to every keypad when the port comes back
after being unplugged (the keypads may have lost power with the adapter).

The port is a `SerialLink`, which reopens the same URL by itself.
"""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Callable

from hallq.devices.keypad import caller, evaluator
from hallq.devices.keypad.actions import ActionRefused, WindowActions
from hallq.devices.keypad.caller import KeyPress, WindowDisplay
from hallq.devices.keypad.commands import Cmd, NakReason
from hallq.devices.keypad.config import KeypadBusConfig, KeypadConfig
from hallq.devices.keypad.frame import BROADCAST, Frame, FrameDecoder, FrameError, encode
from hallq.devices.serial_link import PortDown, SerialLink
from hallq.protocol import is_bad

log = logging.getLogger(__name__)

FAULT_TEXT = "系统故障\n请稍候再试"
REPEAT_WINDOW_S = 5.0   # a frame with the seq of the previous one within this time is the keypad resending it


@dataclass(frozen=True)
class KeypadStatus:
    address: int
    window: int
    kind: str
    answering: bool | None      # None until the keypad has been heard or has failed to answer


@dataclass(frozen=True)
class BusStatus:
    port: str
    up: bool
    error: str | None
    keypads: tuple[KeypadStatus, ...]


@dataclass
class _Outgoing:
    raw: bytes
    seq: int
    tries: int
    due: float


@dataclass
class _Rating:
    ticket: Any
    number: str
    deadline: float


@dataclass
class _Keypad:
    config: KeypadConfig
    host_seq: int = 0
    outgoing: _Outgoing | None = None
    last_key: tuple[int, float, bytes] | None = None    # seq, when, the answer sent
    busy: bool = False
    answering: bool | None = None
    next_ping: float = 0.0

    @property
    def address(self) -> int:
        return self.config.address


class KeypadAdapter:
    def __init__(self, config: KeypadBusConfig, actions: WindowActions, *,
                 on_status: Callable[[BusStatus], None] | None = None,
                 ack_timeout: float = 0.3, retries: int = 3, gap_s: float = 0.03,
                 **link_options: Any) -> None:
        """`link_options` go to `SerialLink` (e.g. retry_min, retry_max, parity)."""
        self.config = config
        self._actions = actions
        self._on_status = on_status
        self._ack_timeout = ack_timeout
        self._retries = retries
        self._gap_s = gap_s
        self._keypads = {k.address: _Keypad(k) for k in config.keypad}
        self._displays: dict[int, WindowDisplay] = {}
        self._ratings: dict[int, _Rating] = {}
        self._lock = threading.RLock()          # adapter state
        self._send_lock = threading.Lock()      # seq order = order on the wire
        self._decoder = FrameDecoder()
        self._closing = threading.Event()
        self._reopened = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=max(1, min(32, len(self._keypads))),
                                        thread_name_prefix="keypad-action")
        self._reader: threading.Thread | None = None
        self._port_up, self._port_error = False, None
        self._link = SerialLink(config.port, baudrate=config.baudrate, on_state=self._port_state, **link_options)

    # -- what the agent calls --------------------------------------------------------------

    def start(self) -> "KeypadAdapter":
        self._reader = threading.Thread(target=self._run, name=f"keypad-bus {self.config.port}", daemon=True)
        self._reader.start()
        return self

    def close(self) -> None:
        self._closing.set()
        if self._reader is not None:
            self._reader.join(2)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._link.close()

    def __enter__(self) -> "KeypadAdapter":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def update(self, window: int, display: WindowDisplay) -> None:
        """The server reports a change at `window`: show it on the window's caller keypads."""
        with self._lock:
            self._displays[window] = display
        for keypad in self._of_window(window, "caller"):
            self._send(keypad, Cmd.DISPLAY, caller.display_data(display))

    def request_rating(self, window: int, ticket: Any, number: str, timeout_s: float | None = None) -> bool:
        """Light the window's evaluator keypads for `ticket` (shown as `number`).

        False when the window has no evaluator keypad on this bus. `timeout_s`
        defaults to the configured rating time; after it the keys go dark.
        """
        keypads = self._of_window(window, "evaluator")
        if not keypads:
            return False
        timeout_s = timeout_s or self.config.rating_timeout_s
        with self._lock:
            self._ratings[window] = _Rating(ticket, number, time.monotonic() + timeout_s)
        for keypad in keypads:
            self._send(keypad, Cmd.RATING_REQUEST, evaluator.rating_request_data(number, timeout_s))
        return True

    def cancel_rating(self, window: int) -> None:
        """Withdraw a rating request (the server rated the ticket another way)."""
        with self._lock:
            rating = self._ratings.pop(window, None)
        if rating is not None:
            self._end_rating(window, evaluator.RATING_CANCELLED)

    def status(self) -> BusStatus:
        with self._lock:
            keypads = tuple(KeypadStatus(k.address, k.config.window, k.config.kind, k.answering)
                            for k in self._keypads.values())
            return BusStatus(self.config.port, self._port_up, self._port_error, keypads)

    # -- the reader thread -----------------------------------------------------------------

    def _run(self) -> None:
        with self._lock:
            for keypad in self._keypads.values():
                keypad.next_ping = time.monotonic()     # learn at once who is on the bus
        while not self._closing.is_set():
            try:
                self._step()
            except Exception:
                # The bus must outlive any surprise; the port is retried by the link.
                log.exception("keypad bus %s: reader error", self.config.port)
                self._decoder.reset()
                self._closing.wait(0.2)

    def _step(self) -> None:
        if self._reopened.is_set():
            self._reopened.clear()
            self._decoder.reset()   # bytes from before the port went away
            self._resend_state()
        try:
            data = self._link.read_some(256, self._gap_s)
        except PortDown:
            self._link.wait_up(0.5)
            self._housekeeping()
            return
        # Silence on the line ends any partial frame: its sender stopped mid-frame.
        for item in self._decoder.feed(data) if data else self._decoder.expire():
            self._handle(item)
        self._housekeeping()

    def _handle(self, item: Frame | FrameError) -> None:
        if isinstance(item, FrameError):
            log.warning("keypad bus %s: dropped a damaged frame (%s)", self.config.port, item)
            return
        frame = item
        if frame.from_host:
            return  # our own transmission, echoed by the RS-485 adapter
        if frame.address == BROADCAST:
            log.warning("keypad bus %s: a keypad sent from the broadcast address, ignored", self.config.port)
            return
        keypad = self._keypads.get(frame.address)
        if keypad is None:
            log.warning("keypad bus %s: address %d is not configured for any window; refused command 0x%02x",
                        self.config.port, frame.address, frame.command)
            self._answer(frame, NakReason.UNKNOWN_ADDRESS)
            return
        self._heard(keypad)
        if frame.command in (Cmd.ACK, Cmd.NAK):
            self._acknowledged(keypad, frame)
            return
        now = time.monotonic()
        with self._lock:
            last = keypad.last_key
        if last is not None and last[0] == frame.seq and now - last[1] < REPEAT_WINDOW_S:
            self._write(last[2])   # our answer was lost; answer again, do not act twice
            return
        job, refused = self._accept(keypad, frame)
        answer = self._answer(frame, refused)
        with self._lock:
            keypad.last_key = (frame.seq, now, answer)
        if job is not None:
            self._pool.submit(job)

    def _accept(self, keypad: _Keypad, frame: Frame) -> tuple[Callable[[], None] | None, NakReason | None]:
        """The work a key press asks for, or why it is refused."""
        if keypad.config.kind == "caller":
            if frame.command not in caller.CALLER_KEYS:
                return None, NakReason.UNKNOWN_COMMAND
            try:
                press = caller.key_press(frame.command, frame.data)
            except caller.BadKeyData as exc:
                log.warning("keypad %d: %s", keypad.address, exc)
                return None, NakReason.BAD_DATA
            if "service" in press.params:
                typed = press.params["service"]
                press = KeyPress(press.action, {**press.params, "service": self.config.transfer_items.get(typed, typed)})
            with self._lock:
                if keypad.busy:
                    return None, NakReason.BUSY
                keypad.busy = True
            return (lambda: self._act(keypad, press)), None
        if frame.command not in evaluator.EVALUATOR_KEYS:
            return None, NakReason.UNKNOWN_COMMAND
        try:
            level = evaluator.key_level(keypad.config.keys, evaluator.rating_key_data(frame.data))
        except evaluator.BadRatingKey as exc:
            log.warning("keypad %d: %s", keypad.address, exc)
            return None, NakReason.BAD_DATA
        window = keypad.config.window
        with self._lock:
            rating = self._ratings.get(window)
            if rating is None or rating.deadline <= time.monotonic():
                return None, NakReason.NOT_NOW
            if keypad.busy:
                return None, NakReason.BUSY
            # The first key wins: the request is used up before the server even answers.
            del self._ratings[window]
            keypad.busy = True
        return (lambda: self._rate(keypad, rating, level)), None

    # -- the workers -----------------------------------------------------------------------

    def _act(self, keypad: _Keypad, press: KeyPress) -> None:
        window = keypad.config.window
        refusal: str | None = None
        try:
            display = self._actions.act(window, press.action, **press.params)
        except ActionRefused as exc:
            log.info("keypad %d at window %d: %s refused: %s", keypad.address, window, press.action, exc.text)
            refusal = exc.text
        except Exception:
            log.exception("keypad %d at window %d: %s failed", keypad.address, window, press.action)
            refusal = FAULT_TEXT
        finally:
            # Free before the screen changes: a clerk who sees the answer may press at once.
            with self._lock:
                keypad.busy = False
        if refusal is None:
            self.update(window, display)
        else:
            self._show_only(keypad, refusal)

    def _show_only(self, keypad: _Keypad, text: str) -> None:
        """Show a refusal on the keypad that asked, over the window's last known state."""
        with self._lock:
            shown = replace(self._displays.get(keypad.config.window, WindowDisplay()), text=text)
        self._send(keypad, Cmd.DISPLAY, caller.display_data(shown))

    def _rate(self, keypad: _Keypad, rating: _Rating, level: int) -> None:
        window = keypad.config.window
        bad = is_bad(level)
        reasons = list(evaluator.KEYPAD_REASONS) if bad else []
        comment = evaluator.KEYPAD_COMMENT if bad else None
        result = evaluator.RATING_CANCELLED
        try:
            self._actions.rate(window, rating.ticket, level, reasons, comment)
            result = evaluator.RATING_THANKS
        except ActionRefused as exc:
            log.info("keypad %d at window %d: rating of %s refused: %s", keypad.address, window, rating.number, exc.text)
        except Exception:
            log.exception("keypad %d at window %d: rating of %s failed", keypad.address, window, rating.number)
        finally:
            with self._lock:
                keypad.busy = False
        self._end_rating(window, result)

    def _end_rating(self, window: int, result: int) -> None:
        for keypad in self._of_window(window, "evaluator"):
            self._send(keypad, Cmd.RATING_END, bytes((result,)))

    # -- sending ---------------------------------------------------------------------------

    def _of_window(self, window: int, kind: str) -> list[_Keypad]:
        return [k for k in self._keypads.values() if k.config.window == window and k.config.kind == kind]

    def _send(self, keypad: _Keypad, command: Cmd, data: bytes = b"") -> None:
        """Send state to a keypad; it is sent again until the keypad acknowledges it."""
        with self._send_lock:
            with self._lock:
                keypad.host_seq = (keypad.host_seq + 1) & 0xFF
                raw = encode(Frame(keypad.address, command, keypad.host_seq, data))
                keypad.outgoing = _Outgoing(raw, keypad.host_seq, 1, time.monotonic() + self._ack_timeout)
            self._write(raw)

    def _answer(self, frame: Frame, refused: NakReason | None) -> bytes:
        if refused is None:
            raw = encode(Frame(frame.address, Cmd.HOST_ACK, frame.seq))
        else:
            raw = encode(Frame(frame.address, Cmd.HOST_NAK, frame.seq, bytes((refused,))))
        with self._send_lock:
            self._write(raw)
        return raw

    def _write(self, raw: bytes) -> None:
        # A frame that cannot be written now is not lost: state is sent again
        # when the port is back (`_resend_state`), a keypad repeats its keys.
        try:
            self._link.write(raw)
        except PortDown:
            pass
        except Exception as exc:
            # pyserial's flush() raises termios.error (not an OSError) when a
            # tty vanishes mid-write; SerialLink notices on the next read.
            log.warning("keypad bus %s: write failed: %r", self.config.port, exc)

    def _state_of(self, keypad: _Keypad) -> tuple[Cmd, bytes] | None:
        """The frame that puts a keypad in the state it should be in now."""
        window = keypad.config.window
        with self._lock:
            if keypad.config.kind == "caller":
                display = self._displays.get(window)
                return (Cmd.DISPLAY, caller.display_data(display)) if display is not None else None
            rating = self._ratings.get(window)
            if rating is None:
                return None
            left = rating.deadline - time.monotonic()
        return (Cmd.RATING_REQUEST, evaluator.rating_request_data(rating.number, left)) if left > 0 else None

    def _resend_state(self) -> None:
        for keypad in self._keypads.values():
            state = self._state_of(keypad)
            if state is not None:
                self._send(keypad, *state)

    # -- answers from keypads, retries, timeouts -------------------------------------------

    def _heard(self, keypad: _Keypad) -> None:
        with self._lock:
            was = keypad.answering
            keypad.answering = True
            keypad.next_ping = time.monotonic() + self.config.ping_interval_s
        if was is False:
            log.info("keypad %d answers again", keypad.address)
            state = self._state_of(keypad)
            if state is not None:
                self._send(keypad, *state)
        if was is not True:
            self._report()

    def _acknowledged(self, keypad: _Keypad, frame: Frame) -> None:
        with self._lock:
            if keypad.outgoing is not None and keypad.outgoing.seq == frame.seq:
                keypad.outgoing = None
        if frame.command == Cmd.NAK:
            reason = frame.data[0] if frame.data else 0
            log.warning("keypad %d refused frame %d (reason %d)", keypad.address, frame.seq, reason)

    def _housekeeping(self) -> None:
        now = time.monotonic()
        with self._lock:
            expired = [w for w, r in self._ratings.items() if r.deadline <= now]
            for window in expired:
                del self._ratings[window]
        for window in expired:
            self._end_rating(window, evaluator.RATING_CANCELLED)
        if not self._link.up:
            return
        lost = False
        for keypad in self._keypads.values():
            with self._send_lock:
                with self._lock:
                    out = keypad.outgoing
                    if out is None or out.due > now:
                        ping = out is None and self.config.ping_interval_s > 0 and keypad.next_ping <= now
                        raw = None
                    elif out.tries > self._retries:
                        keypad.outgoing, raw, ping = None, None, False
                        if keypad.answering is not False:
                            keypad.answering, lost = False, True
                            log.warning("keypad %d (window %d) does not answer", keypad.address, keypad.config.window)
                    else:
                        out.tries, out.due, raw, ping = out.tries + 1, now + self._ack_timeout, out.raw, False
                if raw is not None:
                    self._write(raw)
            if ping:
                with self._lock:
                    keypad.next_ping = now + self.config.ping_interval_s
                self._send(keypad, Cmd.PING)
        if lost:
            self._report()

    def _port_state(self, up: bool, error: str | None) -> None:
        # Called by SerialLink, from its constructor on (before `self._link` exists).
        with self._lock:
            self._port_up, self._port_error = up, error
        if up:
            self._reopened.set()    # the reader puts every keypad back in its state
        self._report()

    def _report(self) -> None:
        if self._on_status is None:
            return
        try:
            self._on_status(self.status())
        except Exception:
            log.exception("keypad bus status callback failed")
