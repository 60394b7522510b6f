"""The device agent (`hallq agent`): a Socket.IO client hosting a hall's hardware.

It connects with an agent token, says which devices it hosts (`agent.hello`),
and from then on:
- prints the tickets the server sends (laid out here for this printer's paper
  and code page) and answers each job printed or failed with the reason;
- shows window states on LED screens, worded for each screen's size;
- speaks calls, when it hosts the hall's voice;
- turns caller keypad keys into window actions and evaluator keypad keys into
  ratings, and keeps the keypads' screens up to date;
- reports every device's state on change and every HEARTBEAT, so the server
  never believes a printer that has gone quiet.

It never touches the database: everything goes through hallq.protocol.
The Socket.IO client reconnects by itself; on every connect the agent says
hello again and re-reports its devices.

Which window each LED screen address shows is the server's word, not
AGENT.toml's: the hello's answer carries the map of the windows the agent
serves (protocol.WindowDevices), and when an admin saves a window the server
says `agent.windows`, so the agent says hello again and drives the new map
(declaring the LED screens it now drives) without a restart.
"""
from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
from typing import Any, Callable

import requests
import socketio

from hallq import protocol as m
from hallq.protocol import HEARTBEAT
from hallq.wording import agent_note
from hallq.devices.agent_config import AgentConfig, NamedPrinter
from hallq.devices.escpos.printer import PrintFailed, Printer, open_printer
from hallq.devices.escpos.render import render
from hallq.devices.escpos.status import PrinterStatus
from hallq.devices.keypad import ActionRefused, WindowDisplay
from hallq.devices.keypad.bus import keypad_bus
from hallq.devices.led.screens import LedScreens, WindowStatusChange
from hallq.devices.voice.announcer import Announcer, VoiceStatus, utc_now
from hallq.devices.voice.playback import MiniaudioPlayback, Playback
from hallq.devices.voice.settings import VoiceSettings
from hallq.devices.escpos.guide_layout import guide_blocks
from hallq.devices.escpos.ticket_layout import ticket_blocks
from hallq.devices.escpos.notice_layout import notice_blocks

log = logging.getLogger(__name__)


class PrinterHost:
    """One printer and the worker that prints its jobs in order.

    A job is printed once or not at all: one that failed is answered failed and
    dropped, never tried again (the server settles it, and the guide desk
    reprints it if need be); one that waited here past its start deadline
    (protocol.PrintJob) is answered failed without a byte sent.
    """

    def __init__(self, config: NamedPrinter, printer: Printer, answer: Callable[[m.JobResult], None],
                 report: Callable[[m.DeviceStatus], None], clock: Callable[[], dt.datetime] = utc_now):
        self.config, self.printer, self._answer, self._report = config, printer, answer, report
        self._clock = clock
        self._jobs: queue.Queue[tuple[m.PrintJob, dt.datetime | None] | None] = queue.Queue()
        self._last: m.DeviceStatus | None = None
        self._thread = threading.Thread(target=self._run, name=f"printer {config.name}", daemon=True)
        self._thread.start()

    def submit(self, job: m.PrintJob) -> None:
        self._jobs.put((job, start_deadline(job, self._clock())))

    def check(self, only_changes: bool = False) -> None:
        self._tell(self.printer.status(), only_changes)  # DLE EOT; silence comes back as "unknown"

    def _tell(self, status: PrinterStatus, only_changes: bool) -> None:
        report = m.DeviceStatus(kind="printer", name=self.config.name, state=status.state, detail=status.detail)
        if only_changes and report == self._last:
            return
        self._last = report
        self._report(report)

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(5)
        self.printer.close()

    def _run(self) -> None:
        while (queued := self._jobs.get()) is not None:
            job, deadline = queued
            after: PrinterStatus | None = None
            try:
                after = self.printer.print(self.document(job.document),
                                           still_wanted=lambda: deadline is None or self._clock() < deadline)
                self._answer(m.JobResult(id=job.id, ok=True))
            except PrintFailed as exc:
                reason = "not started in time" if exc.reason == "not_wanted" else exc.reason
                self._answer(m.JobResult(id=job.id, ok=False, reason=reason))
            except Exception as exc:  # a bad document must not stop the printer's queue
                log.exception("print job %s failed", job.id)
                self._answer(m.JobResult(id=job.id, ok=False, reason=f"agent error: {exc}"))
            # The job may have used up the paper: tell the kiosk at once, but only a change
            # (the heartbeat re-reports the rest). A printed job was followed by a status
            # query already, so only a failed one needs asking again.
            try:
                if after is not None:
                    self._tell(after, only_changes=True)
                else:
                    self.check(only_changes=True)
            except Exception:
                log.exception("printer %s: status after the job failed", self.config.name)

    def document(self, document: dict[str, Any]) -> bytes:
        # The layout follows the model: its width in dots, its font's encoding, QR or raster, cutter.
        model = self.config.resolved()
        kind, paper, encoding = document.get("kind"), model.paper, model.encoding
        if kind == "ticket":
            args = {k: v for k, v in document.items() if k != "kind"}
            blocks = ticket_blocks(**args, paper=paper, encoding=encoding, max_size=self.config.max_size)
        elif kind == "notice":
            blocks = notice_blocks(document, paper=paper, encoding=encoding)
        elif kind == "guide":
            blocks = guide_blocks(document, paper=paper, encoding=encoding)
        else:
            raise ValueError(f"unknown document kind {kind!r}")
        return render(blocks, encoding=encoding, native_qr=model.native_qr, cutter=model.cutter)


def start_deadline(job: m.PrintJob, arrived: dt.datetime) -> dt.datetime | None:
    """The moment after which `job` must not start: `start_within_s` after it was made, and after it arrived."""
    if job.start_within_s is None:
        return None
    within = dt.timedelta(seconds=job.start_within_s)
    made = dt.datetime.fromisoformat(job.at.replace("Z", "+00:00")) if job.at else arrived
    return min(made, arrived) + within


def led_name(window: int) -> str:
    return f"window-{window}-led"


class ServerActions:
    """What keypads ask of the server, over the agent's own connection (keypad.WindowActions)."""

    def __init__(self, agent: "Agent"):
        self.agent = agent

    def act(self, window: int, action: str, **params: Any) -> WindowDisplay:
        try:
            answer = self.agent.sio.call(m.KEYPAD_ACTION, {"window": window, "action": action, "params": params},
                                         timeout=10)
        except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
            raise ActionRefused("网络中断 请稍候再试") from None  # no answer: the screen update will tell what happened
        if "error" in answer:
            raise ActionRefused(keypad_text(answer))
        show = m.KeypadShow.model_validate(answer)
        return WindowDisplay(number=show.number, waiting=show.waiting, status=show.status)

    def rate(self, window: int, ticket: Any, level: int, reasons: list[str], comment: str | None) -> None:
        r = requests.post(f"{self.agent.server}/api/v1/ratings", timeout=10,
                          headers={"Authorization": f"Bearer {self.agent.token}"},
                          json={"ticket": ticket, "level": level, "reasons": reasons, "comment": comment,
                                "channel": "keypad", "window": window})
        if r.status_code >= 400:
            raise ActionRefused(keypad_text(r.json()))


KEYPAD_TEXTS = {  # two lines of at most 8 hanzi on the keypad's screen
    "window_not_signed_in": "窗口未签到", "not_your_window": "窗口未签到", "nobody_waiting": "暂无等候",
    "no_current_ticket": "当前无号", "already_rated": "已评价", "rating_expired": "评价已超时",
    "forbidden": "无权操作", "outside_scope": "无权操作", "window_paused": "窗口已暂停",
    # A keypad cannot ask "are you sure?": the hall's minimum of calls or minutes is its guard, and the
    # clerk learns when the key will work (the refusal's wait_s).
    "skip_too_soon": "{wait_s}秒后可过号",
}


def keypad_text(answer: dict) -> str:
    """A refusal's words on the keypad's screen, from the server's answer (its code and parameters)."""
    text = KEYPAD_TEXTS.get(answer.get("error"), "操作未成功")
    try:
        return text.format(**answer)
    except (KeyError, IndexError, ValueError):  # an answer without the parameter: the words without it
        return "操作未成功"


VOICE = "voice"  # the one announcer an agent may host speaks for the whole hall


def _answered(result: m.JobResult, answer: Any) -> None:
    """The server's word on a job's answer: a refusal is logged for the hall's technician."""
    if isinstance(answer, dict) and "error" in answer:
        level = logging.ERROR if answer["error"] == "settled_as_failed" else logging.WARNING
        # settled_as_failed: a slip came out for a job the kiosk already showed as not printed.
        log.log(level, "the server refused the answer to job %s (%s): %s", result.id, answer["error"],
                answer.get("detail", ""))


class Agent:
    def __init__(self, server: str, token: str, config: AgentConfig, *,
                 open_printer: Callable[[NamedPrinter], Printer] = open_printer,
                 playback: Playback | None = None, heartbeat_s: float = HEARTBEAT.total_seconds(),
                 clock: Callable[[], dt.datetime] = utc_now):
        # `clock` is the hall's time as this agent sees it: a call older than the voice's
        # stale limit by it is not spoken. Tests give the server's and the agent's the same one.
        self.server, self.token, self.config, self.clock = server.rstrip("/"), token, config, clock
        self.heartbeat_s = heartbeat_s
        # websocket-client checks each text frame's UTF-8 in pure Python, byte by byte (wsaccel
        # is its C path); decoding the frame checks it again at C speed, so the first pass goes.
        self.sio = socketio.Client(reconnection=True, reconnection_delay_max=5,
                                   websocket_extra_options={"skip_utf8_validation": True})
        self.hello_answer: dict | None = None  # before the devices below: they report as they start
        self.windows: dict[int, m.WindowDevices] = {}  # the server's map of the windows this agent serves
        self._hello_lock = threading.Lock()  # one hello at a time: a connect and a push may meet
        self.printers = {p.name: PrinterHost(p, open_printer(p), self._answer, self._report, clock)
                         for p in config.printers}
        for bus in config.leds:
            if bus.screens:  # an AGENT.toml from before the server held the addresses: the server's win
                log.warning(agent_note("legacy_screens", port=bus.port))
        self.leds = LedScreens([bus.bus_config() for bus in config.leds], on_status=self._led_status)
        self.voice: Announcer | None = None
        if config.voice and config.voice.enabled:
            self.voice = Announcer(playback or MiniaudioPlayback(), VoiceSettings(**config.voice.options),
                                   on_status=self._voice_status, on_done=self._voice_done, clock=clock)
            self.voice.start()
        self.keypads = [keypad_bus(bus, ServerActions(self), on_status=self._keypad_status).start()
                        for bus in config.keypads]
        self._stop = threading.Event()
        self.sio.on("connect", self._connected)
        self.sio.on(m.WINDOWS_CHANGED, self._windows_changed)
        self.sio.on(m.PRINT, self._print)
        self.sio.on(m.LED_SHOW, self._led_show)
        self.sio.on(m.ANNOUNCE, self._announce)
        self.sio.on(m.KEYPAD_SHOW, self._keypad_show)
        self.sio.on(m.RATING_ASK, self._rating_ask)

    # --- lifetime -------------------------------------------------------------------
    def start(self) -> "Agent":
        self.sio.connect(self.server, auth={"token": self.token}, transports=["websocket"], wait_timeout=10,
                         retry=True)
        threading.Thread(target=self._heartbeat, name="agent heartbeat", daemon=True).start()
        return self

    def wait(self) -> None:
        self._stop.wait()

    def close(self) -> None:
        self._stop.set()
        self.sio.disconnect()
        for host in [*self.printers.values(), self.leds, *self.keypads, *([self.voice] if self.voice else [])]:
            host.close()

    def devices(self) -> list[m.DeviceInfo]:
        found = [m.DeviceInfo(kind="printer", name=name) for name in self.printers]
        found += [m.DeviceInfo(kind="voice", name=VOICE)] if self.voice else []
        found += [m.DeviceInfo(kind="led", name=led_name(w), windows=[w]) for w in sorted(self.leds.windows_on_screens())]
        for bus in self.config.keypads:
            for keypad in bus.keypad:
                kind = "keypad" if keypad.kind == "caller" else "evaluator_keypad"
                found.append(m.DeviceInfo(kind=kind, name=f"window-{keypad.window}-{keypad.kind}",
                                          windows=[keypad.window]))
        return found

    # --- server -> agent ------------------------------------------------------------
    def _connected(self) -> None:
        self.hello_answer = None  # this connection's hello is yet to be accepted (see _report)
        # Handlers must not block the client's reader, so hello waits in a thread of its own.
        threading.Thread(target=self._hello, name="agent hello", daemon=True).start()

    @property
    def accepted(self) -> bool:
        """The server accepted this connection's hello: the agent hosts its devices."""
        return bool(self.hello_answer and self.hello_answer.get("ok") is True)

    def _windows_changed(self, data=None) -> None:
        threading.Thread(target=self._hello, name="agent hello", daemon=True).start()

    def _hello(self) -> None:
        """Say which devices this agent hosts; drive the windows' map the answer brings.

        When the map changes which LED screens it drives, it says hello again with them (at most a few
        rounds: the map settles unless an admin keeps saving), so the server sends their jobs here."""
        with self._hello_lock:
            for _ in range(3):
                try:
                    answer = self.sio.call(m.HELLO, m.Hello(devices=self.devices(), windows=True).model_dump(), timeout=15)
                except (socketio.exceptions.TimeoutError, socketio.exceptions.BadNamespaceError):
                    log.warning("hello not answered; said again on the next connect")
                    return
                self.hello_answer = answer if isinstance(answer, dict) else {"error": "bad_answer"}
                if not self.accepted:
                    log.error("the server refused this agent's devices: %s", self.hello_answer)
                    return
                if not self._drive(m.HelloAnswer.model_validate(answer).windows):
                    break
        self._report_all()

    def _drive(self, windows: list[m.WindowDevices]) -> bool:
        """Take the server's map; True when the LED screens driven changed (the server must hear of it)."""
        first = not self.windows and windows
        changed_map = {w.number: w for w in windows} != self.windows
        self.windows = {w.number: w for w in windows}
        screens: dict[int, tuple[str, int]] = {}
        for w in windows:
            if w.led is None or not self.config.leds:
                continue
            port = self.config.led_port(w.led)
            if port is None:
                log.error(agent_note("led_no_bus", window=w.number, led=w.led))
            else:
                screens[w.number] = (port, w.led)
        if changed_map:
            for w in windows:
                note = "window_map_here" if w.printer in self.printers else "window_map"
                log.info(agent_note(note, window=w.number, led="-" if w.led is None else w.led, printer=w.printer))
            if first:
                self._tell_legacy(screens)
        return bool(self.leds.assign(screens))

    def _tell_legacy(self, screens: dict[int, tuple[str, int]]) -> None:
        """Where an old AGENT.toml's screens differ from the server's map: which one is used, and what to do."""
        for window, (_, address) in sorted(self.config.legacy_screens().items()):
            if window in screens and screens[window][1] != address:
                log.warning(agent_note("legacy_differs", window=window, file=address, server=screens[window][1]))
            elif window not in screens:
                log.warning(agent_note("legacy_missing", window=window, file=address))

    def _print(self, data) -> None:
        job = m.PrintJob.model_validate(data)
        host = self.printers.get(job.printer)
        if host is None:
            self._answer(m.JobResult(id=job.id, ok=False, reason=f"no printer named {job.printer} here"))
        else:
            host.submit(job)

    def _led_show(self, data) -> None:
        job = m.LedShow.model_validate(data)
        try:
            if job.calling:
                self.leds.show_call(job.state, job.calling)
            else:
                self.leds.show_window(job.state)
        except Exception:  # text a protocol cannot carry, say: log it, keep the bus going
            log.exception("LED screen of window %s: could not show %s", job.window, job)

    def _announce(self, data) -> None:
        job = m.Announce.model_validate(data)
        if self.voice is None:
            self._answer(m.JobResult(id=job.id, ok=False, reason="no voice on this agent"))
            return
        self.voice.announce(text=job.text, lang=job.lang, key=job.key, job_id=job.id,
                            called_at=dt.datetime.fromisoformat(job.at.replace("Z", "+00:00")))

    def _keypad_show(self, data) -> None:
        show = m.KeypadShow.model_validate(data)
        for adapter in self.keypads:
            adapter.update(show.window, WindowDisplay(number=show.number, waiting=show.waiting, status=show.status))

    def _rating_ask(self, data) -> None:
        ask = m.RatingAsk.model_validate(data)
        for adapter in self.keypads:
            if ask.ticket is None:
                adapter.cancel_rating(ask.window)
            else:
                adapter.request_rating(ask.window, ask.ticket, ask.number or "", ask.seconds)

    # --- agent -> server ------------------------------------------------------------
    def _answer(self, result: m.JobResult) -> None:
        self._emit(m.JOB_RESULT, result.model_dump(), callback=lambda answer=None: _answered(result, answer))

    def _report(self, status: m.DeviceStatus) -> None:
        # Until the server has accepted this connection's hello it hosts nothing here and would refuse
        # the report (the voice, say, tells its state as it starts); once accepted, every state is sent.
        if self.accepted:
            self._emit(m.DEVICE_STATUS, status.model_dump())

    def _voice_status(self, status: VoiceStatus) -> None:
        state = "ok" if status.state == "ok" else "failed"
        self._report(m.DeviceStatus(kind="voice", name=VOICE, state=state, detail=status.reason))

    def _voice_done(self, announcement, outcome: str, detail: str | None) -> None:
        # A stale call skipped after an outage, one replaced by its recall, or a recall merged into the
        # same call (being spoken, or heard twice in a row already) is the voice doing its job;
        # only "failed" and "cancelled" are faults.
        if announcement.job_id:
            self._answer(m.JobResult(id=announcement.job_id, ok=outcome in ("played", "stale", "superseded", "merged"),
                                     reason=None if outcome == "played" else f"{outcome}: {detail or ''}".strip()))

    def _led_status(self, change: WindowStatusChange) -> None:
        if change.window is not None:
            self._report_led(change.window, change.change.status, change.change.detail)
        elif change.change.address is None and hasattr(self, "leds"):  # the port: its screens share its fate
            for window, (port, _) in self.leds.windows_on_screens().items():
                if port == change.change.port:
                    self._report_led(window, change.change.status, change.change.detail)
        # else: a screen no window has any more (blanked after a move): nobody to tell

    def _report_led(self, window: int, status: str, detail: str | None) -> None:
        state = status if status in ("ok", "not_answering", "port_down", "unknown") else "failed"
        self._report(m.DeviceStatus(kind="led", name=led_name(window), state=state, detail=detail))

    def _keypad_status(self, status) -> None:
        for keypad in status.keypads:
            if not status.up:
                state = "port_down"
            else:
                state = {True: "ok", False: "not_answering", None: "unknown"}[keypad.answering]
            self._report(m.DeviceStatus(kind="keypad" if keypad.kind == "caller" else "evaluator_keypad",
                                        name=f"window-{keypad.window}-{keypad.kind}", state=state,
                                        detail=status.error))

    def _emit(self, event: str, data: dict, callback: Callable | None = None) -> None:
        if self.sio.connected:
            self.sio.emit(event, data, callback=callback)
        # Offline: nothing is lost that matters. A job's answer is settled as failed by the
        # server's timeout, and states are re-reported on the next connect.

    def _report_all(self) -> None:
        for host in self.printers.values():
            try:
                host.check()
            except Exception:
                log.exception("printer %s: status check failed", host.config.name)
        if self.voice:
            self._voice_status(self.voice.status)
        buses = self.leds.status()
        for window, (port, address) in self.leds.windows_on_screens().items():
            self._report_led(window, buses[port]["screens"].get(address, "unknown"), None)
        for adapter in self.keypads:
            self._keypad_status(adapter.status())

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            if self.sio.connected:
                self._report_all()
