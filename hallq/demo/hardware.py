"""The demo hall's simulated hardware, and the page that shows it (/hardware).

`hallq demo` hosts, inside its own server process:
- a printer simulator (ESC/POS over TCP on 127.0.0.1, DLE EOT answered) for the
  demo kiosk, named like the kiosk's token, and one for each of a couple of
  windows (`window-{n}`: the clerk console prints its notices there);
- one bus of LED window screens (our line protocol), a screen per window, on a
  pty, or on TCP where ptys are not to be had;
- the hall's voice, played into a recorder (no sound card needed);
- a caller keypad and an evaluator keypad at one window, on one RS-485 bus
  (pty or TCP);
and one real device agent hosting all of them, connected to the demo server
over loopback like an agent in a hall. Nothing is short-circuited: a kiosk's
ticket goes server → agent → ESC/POS bytes → simulator, and the page draws the
paper from those bytes (escpos.picture); LED text is what the simulated screen
decoded from its frames; a keypad key is a real frame on the bus.

A device that cannot be simulated here (no ptys, no free port) is left out and
the page says so; the rest of the demo runs. Speech needs espeak-ng; without it
the announcer reports the voice as failed, and the page shows why.

    hardware = DemoHardware.for_setup(setup)          # simulators up
    app.register_blueprint(hardware.blueprint())      # /hardware and its JSON/PNG/WAV routes
    hardware.start(server_url)                        # the agent connects (and says hello)
    hardware.start(server_url, background=True)       # ... once the server answers (gunicorn)
    hardware.close()                                  # agent, then simulators; idempotent
    close_on_exit(hardware)                           # in a server process: on SIGTERM/SIGINT and at exit
"""
from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

import requests
from flask import Blueprint, Response, abort, jsonify, render_template, request

from hallq import protocol as m
from hallq.devices.agent import Agent
from hallq.devices.agent_config import AgentConfig
from hallq.devices.escpos.decode import decode
from hallq.devices.escpos.picture import printout_png
from hallq.devices.escpos.simulator import PrinterSimulator
from hallq.notify.simulator import Simulator
from hallq.privacy import mask_phone, normalize_phone
from hallq.devices.escpos.text import DEFAULT_ENCODING
from hallq.devices.keypad.commands import NakReason
from hallq.devices.keypad.simulator import KeypadBusSimulator
from hallq.devices.led import codec_for
from hallq.devices.led.sim_transport import PtyEndpoint, SimEndpoint, TcpEndpoint
from hallq.devices.led.simulator import ScreenBusSimulator
from hallq.queue.agent_scope import AgentScope
from hallq.devices.voice.recorder import RecordingPlayback
from hallq.devices.escpos.ticket_layout import paper_for

if TYPE_CHECKING:
    from hallq.demo.hall import DemoSetup

log = logging.getLogger(__name__)

PAPER_MM = 80
WINDOW_PRINTERS = (1, 2)          # windows with a notice printer
KEYPAD_WINDOW = 1                 # the window with a caller and an evaluator keypad
CALLER_ADDRESS, EVALUATOR_ADDRESS = 1, 21
EVALUATOR_KEYS = 5
LED_COLUMNS, LED_ROWS = 16, 2
PRINTER_MODES = ("ok", "near_end", "paper_out", "offline")   # what the page offers
CALLER_ACTIONS = ("call_next", "recall", "skip", "finish")
PRINTOUTS_SHOWN = 40
CLIPS_SHOWN = 20
SMS_SHOWN = 30


@dataclass(frozen=True)
class Note:
    """A device the demo could not simulate, in both languages."""
    device: str
    zh: str
    en: str


@dataclass(frozen=True)
class Spoken:
    """One announcement the voice finished: its words, and the recorder's clip if it played."""
    text: str
    outcome: str            # the announcer's outcome: played, stale, superseded, merged, failed, cancelled
    detail: str | None
    clip: int | None        # index into RecordingPlayback.played
    at: float


class DemoAgent(Agent):
    """The real agent, also remembering which words each recorded clip carried.

    The recorder keeps sound only; the announcer's outcome callback knows the
    words. One worker plays clips one after another and reports each outcome
    right after its clip is recorded, so the newest clip is the one just played.
    """

    def __init__(self, *args, recorder: RecordingPlayback, **kwargs):
        self.recorder = recorder
        self.spoken: list[Spoken] = []
        self._spoken_lock = threading.Lock()
        super().__init__(*args, playback=recorder, **kwargs)

    def _voice_done(self, announcement, outcome: str, detail: str | None) -> None:
        clip = len(self.recorder.played) - 1 if outcome == "played" else None
        with self._spoken_lock:
            self.spoken.append(Spoken(announcement.text or announcement.number or "", outcome, detail, clip,
                                      self.clock().timestamp()))
        super()._voice_done(announcement, outcome, detail)

    def spoken_so_far(self) -> list[Spoken]:
        with self._spoken_lock:
            return list(self.spoken)


def serial_endpoint(path: Path) -> tuple[SimEndpoint, str]:
    """A simulated serial adapter: a pty behind `path`, else a TCP converter; and which one."""
    try:
        return PtyEndpoint(str(path)), "pty"
    except OSError as exc:
        log.warning("no pty for %s (%s): simulating an RS-485-to-Ethernet converter instead", path.name, exc)
        return TcpEndpoint(), "tcp"


def loopback_url(host: str, port: int) -> str:
    """Where a process on this machine reaches a server bound to host:port."""
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


class _Printouts:
    """Decoded text and PNGs of printed jobs, made once each: a job's bytes never change."""

    def __init__(self, dots: int, encoding: str):
        self.dots, self.encoding = dots, encoding
        self._lock = threading.Lock()
        self._text: dict[tuple[str, int], str] = {}
        self._png: dict[tuple[str, int], bytes] = {}

    def text(self, printer: str, index: int, data: bytes) -> str:
        key = (printer, index)
        with self._lock:
            if key not in self._text:
                self._text[key] = decode(data, self.encoding).text
            return self._text[key]

    def png(self, printer: str, index: int, data: bytes) -> bytes:
        key = (printer, index)
        with self._lock:
            found = self._png.get(key)
        if found is None:
            found = printout_png(data, self.dots, self.encoding)
            with self._lock:
                self._png[key] = found
        return found


def printer_names(kiosks: list[str], windows: Iterable[int], window_printers: tuple[int, ...]) -> list[str]:
    """The demo's printers: one per kiosk (named like its token), one per window with a notice printer."""
    windows = set(windows)
    return [*kiosks, *(f"window-{n}" for n in window_printers if n in windows)]


def agent_scope(kiosks: list[str], windows: Iterable[int],
                window_printers: tuple[int, ...] = WINDOW_PRINTERS) -> AgentScope:
    """What the demo's agent token must allow: everything DemoHardware(kiosks, windows) hosts.

    Its LED screens cover every window, its keypads one of them; the voice is the hall's.
    """
    windows = frozenset(windows)
    return AgentScope(windows=windows, printers=frozenset(printer_names(kiosks, windows, window_printers)), voice=True)


class DemoHardware:
    def __init__(self, agent_token: str, kiosks: list[str], windows: dict[int, str], *,
                 window_printers: tuple[int, ...] = WINDOW_PRINTERS, keypad_window: int | None = KEYPAD_WINDOW,
                 workdir: Path | None = None, heartbeat_s: float | None = None, hall_name: str = "",
                 clock: Callable[[], dt.datetime] | None = None):
        self.agent_token = agent_token
        self.clock = clock  # the agent's; None: the real one
        self.hall_name = hall_name
        self.windows = dict(sorted(windows.items()))
        self.run = uuid.uuid4().hex[:8]  # in image and sound URLs: a new run never shows the last run's cache
        self.notes: list[Note] = []
        self.heartbeat_s = heartbeat_s
        self.agent: DemoAgent | None = None
        self._stop = threading.Event()
        self._closed = False
        self._close_lock = threading.Lock()
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="hallq-demo-hardware-"))
        paper = paper_for(PAPER_MM)
        self._printouts = _Printouts(paper.dots, DEFAULT_ENCODING)

        self.printers: dict[str, PrinterSimulator] = {}
        for name in printer_names(kiosks, self.windows, window_printers):
            try:
                self.printers[name] = PrinterSimulator().start()
            except OSError as exc:
                self.notes.append(Note(f"printer {name}", f"打印机 {name} 无法模拟：{exc}",
                                       f"printer {name} cannot be simulated: {exc}"))

        self.screens: ScreenBusSimulator | None = None
        self.screen_link = ""
        # A card at each window's number: the demo hall file binds window n to address n (its led).
        self.screen_address = {number: number for number in self.windows}
        try:
            endpoint, self.screen_link = serial_endpoint(self.workdir / "ttyLED0")
            self.screens = ScreenBusSimulator(codec_for("line"), addresses=self.screen_address.values(),
                                              endpoint=endpoint)
        except OSError as exc:
            self.notes.append(Note("led", f"LED 窗口屏无法模拟（没有伪终端，也没有可用端口）：{exc}",
                                   f"LED window screens cannot be simulated (no pty, no free port): {exc}"))

        self.keypad_window = keypad_window if keypad_window in self.windows else None
        self.keypads: KeypadBusSimulator | None = None
        self.keypad_link = ""
        if self.keypad_window is not None:
            try:
                endpoint, self.keypad_link = serial_endpoint(self.workdir / "ttyKEYPAD0")
                self.keypads = KeypadBusSimulator(endpoint)
                self.keypads.add_caller(CALLER_ADDRESS)
                self.keypads.add_evaluator(EVALUATOR_ADDRESS, keys=EVALUATOR_KEYS)
            except OSError as exc:
                self.notes.append(Note("keypad", f"呼叫器和评价按键无法模拟：{exc}",
                                       f"the keypads cannot be simulated: {exc}"))
        # Real time: a clip takes as long as the hall's speaker takes to play it, so a recall pressed
        # while a call is being spoken meets it, as it would in the hall (and /hardware shows that).
        self.recorder = RecordingPlayback(speed=1.0)
        # The hall's text messages: the demo hall's notify.channel is "simulator", and its server sends through this.
        self.sms = Simulator()

    @classmethod
    def for_setup(cls, setup: "DemoSetup", **kwargs) -> "DemoHardware":
        """The hardware of the demo hall: its kiosk's printer, and its windows as the hall file names them."""
        from hallq.demo.hall import demo_hall_file
        windows = {w.number: w.name for w in demo_hall_file().windows}
        return cls(setup.agent_token, [setup.kiosk_name], windows, hall_name=setup.hall_name, **kwargs)

    def config(self) -> AgentConfig:
        """What the agent hosts: the AGENT.toml a hall with this hardware would have."""
        spec: dict[str, Any] = {
            "printers": [{"name": name, "url": sim.url, "paper": PAPER_MM} for name, sim in self.printers.items()],
            "voice": {"enabled": True},  # the hall's own wording, chime and repeats
        }
        if self.screens is not None:  # which window each address shows is the hall file's (led = n)
            spec["leds"] = [{"port": self.screens.url, "protocol": "line", "columns": LED_COLUMNS, "rows": LED_ROWS}]
        if self.keypads is not None:
            spec["keypads"] = [{"port": self.keypads.url, "keypad": [
                {"address": CALLER_ADDRESS, "window": self.keypad_window, "kind": "caller"},
                {"address": EVALUATOR_ADDRESS, "window": self.keypad_window, "kind": "evaluator",
                 "keys": EVALUATOR_KEYS}]}]
        return AgentConfig.model_validate(spec)

    # --- lifetime -------------------------------------------------------------------
    def start(self, server_url: str, *, background: bool = False) -> "DemoHardware":
        """Start the agent against the server. In the background it first waits for the
        server to answer: under gunicorn the app is built before the worker serves."""
        kwargs: dict[str, Any] = {"heartbeat_s": self.heartbeat_s} if self.heartbeat_s else {}
        if self.clock is not None:
            kwargs["clock"] = self.clock
        self.agent = DemoAgent(server_url, self.agent_token, self.config(), recorder=self.recorder, **kwargs)
        if background:
            threading.Thread(target=self._connect_when_up, args=(server_url,), name="demo agent connect",
                             daemon=True).start()
        else:
            self.agent.start()
        return self

    def _connect_when_up(self, server_url: str) -> None:
        while not self._stop.is_set():
            try:
                requests.get(server_url + "/api/v1/openapi.json", timeout=5)
                break
            except requests.RequestException:
                self._stop.wait(0.3)
        if self._stop.is_set() or self.agent is None:
            return
        try:
            self.agent.start()  # the Socket.IO client reconnects by itself from here on
        except Exception as exc:  # the page says the agent is not connected; the demo goes on
            log.error("demo hardware: the agent could not connect to %s: %s", server_url, exc)

    def close(self) -> None:
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        self._stop.set()
        if self.agent is not None:
            try:
                self.agent.close()
            except Exception:
                log.exception("demo hardware: closing the agent")
        for sim in self.printers.values():
            sim.stop()
        for sim in (self.screens, self.keypads):
            if sim is not None:
                sim.close()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # --- what the page shows ----------------------------------------------------------
    def state(self) -> dict[str, Any]:
        agent = self.agent
        return {
            "run": self.run,
            "agent": {"connected": bool(agent and agent.sio.connected),
                      "accepted": bool(agent and agent.accepted),
                      "refused": agent.hello_answer if agent and agent.hello_answer is not None and not agent.accepted
                      else None},
            "notes": [{"device": n.device, "zh": n.zh, "en": n.en} for n in self.notes],
            "printers": [{"name": name, "mode": sim.mode, "jobs": len(sim.jobs),
                          "held": len(sim.held) > 0} for name, sim in self.printers.items()],
            "printouts": self._printout_list(),
            "screens": self._screen_list(),
            "voice": self._voice(),
            "keypads": self._keypad_state(),
            "sms": self._sms_list(),
        }

    def _sms_list(self) -> list[dict[str, Any]]:
        """The texts the citizens' phones would have had, newest first: the number masked, as on every screen."""
        return [{"id": m.id, "to": mask_phone(m.address) if normalize_phone(m.address) else "***", "kind": m.kind,
                 "text": m.text} for m in reversed(self.sms.recorded()[-SMS_SHOWN:])]

    def _printout_list(self) -> list[dict[str, Any]]:
        found = [(job.finished_at, name, index, job) for name, sim in self.printers.items()
                 for index, job in enumerate(sim.jobs)]
        found.sort(key=lambda f: (f[0], f[2]), reverse=True)
        return [{"printer": name, "index": index, "complete": job.complete, "at": at, "bytes": len(job.data),
                 "kind": "notice" if name.startswith("window-") else "ticket",
                 "text": self._printouts.text(name, index, job.data),
                 "png": f"/hardware/printouts/{name}/{index}.png?run={self.run}"}
                for at, name, index, job in found[:PRINTOUTS_SHOWN]]

    def _screen_list(self) -> list[dict[str, Any]]:
        if self.screens is None:
            return []
        shown = self.screens.displays()
        # Which card shows a window is the server's map (the admin's Windows page), as the agent drives it.
        driven = self.agent.leds.windows_on_screens() if self.agent is not None else {}
        return [{"window": window, "name": name,
                 "lines": shown.get(driven[window][1], []) if window in driven else []}
                for window, name in self.windows.items()]

    def _voice(self) -> dict[str, Any]:
        agent = self.agent
        status = agent.voice.status if agent and agent.voice else None
        spoken = agent.spoken_so_far() if agent else []
        clips = self.recorder.played
        return {
            "state": status.state if status else "unknown", "source": status.source if status else None,
            "reason": status.reason if status else None,
            "spoken": [{"text": s.text, "outcome": s.outcome, "detail": s.detail, "at": s.at,
                        "duration_s": round(clips[s.clip].clip.duration_s, 2) if s.clip is not None else None,
                        "wav": f"/hardware/voice/{s.clip}.wav?run={self.run}" if s.clip is not None else None}
                       for s in reversed(spoken[-CLIPS_SHOWN:])],
        }

    def _keypad_state(self) -> dict[str, Any] | None:
        if self.keypads is None:
            return None
        caller, evaluator = self.keypads.keypad(CALLER_ADDRESS), self.keypads.keypad(EVALUATOR_ADDRESS)
        screen = caller.screen
        return {
            "window": self.keypad_window, "link": self.keypad_link,
            "caller": {"screen": None if screen is None else {
                "number": screen.number, "waiting": screen.waiting, "status": screen.status, "text": screen.text}},
            "evaluator": {"keys": evaluator.keys, "prompt": None if evaluator.prompt is None else {
                "number": evaluator.prompt.number, "timeout_s": evaluator.prompt.timeout_s}},
        }

    def printout_png(self, printer: str, index: int) -> bytes | None:
        sim = self.printers.get(printer)
        jobs = sim.jobs if sim else []
        if not 0 <= index < len(jobs):
            return None
        return self._printouts.png(printer, index, jobs[index].data)

    def clip_wav(self, index: int) -> bytes | None:
        clips = self.recorder.played
        return clips[index].wav if 0 <= index < len(clips) else None

    # --- what the page does -------------------------------------------------------------
    def set_printer_mode(self, printer: str, mode: str) -> str:
        """Switch a simulated printer, then report its state to the server at once and wait
        for the server to have it (the heartbeat would take up to ten seconds)."""
        if mode not in PRINTER_MODES:
            raise ValueError(mode)
        self.printers[printer].set_mode(mode)
        agent = self.agent
        if agent is None or printer not in agent.printers:
            return mode
        status = agent.printers[printer].printer.status()  # DLE EOT, as the agent always asks
        if agent.sio.connected:
            agent.sio.call(m.DEVICE_STATUS, m.DeviceStatus(kind="printer", name=printer, state=status.state,
                                                           detail=status.detail).model_dump(), timeout=10)
        return status.state

    def press_caller(self, action: str) -> dict[str, Any]:
        """Press a caller key the way a clerk does: again while the keypad answers busy."""
        assert self.keypads is not None
        reply = None
        for _ in range(20):
            reply = self.keypads.press(CALLER_ADDRESS, action)
            if reply is None or reply.reason != NakReason.BUSY:
                break
            time.sleep(0.1)
        return _reply(reply)

    def press_rating(self, level: int) -> dict[str, Any]:
        assert self.keypads is not None
        return _reply(self.keypads.rate(EVALUATOR_ADDRESS, level))

    def blueprint(self) -> Blueprint:
        return hardware_blueprint(self)


def close_on_exit(hardware: DemoHardware) -> None:
    """Stop the hardware when this process is told to end (call from the main thread), and at exit.

    A gunicorn worker ends once its open requests have; the agent's own websocket
    into this very worker never ends by itself, so the master would kill the worker
    at the end of its grace period, before any cleanup (the ptys' links, the temp
    directory). So on SIGTERM, SIGINT and SIGQUIT the agent lets go first, in a
    thread of its own (a signal handler must return at once; the interpreter waits
    for that thread before exiting), and then the worker's own handler runs.
    """
    atexit.register(hardware.close)
    for number in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
        previous = signal.getsignal(number)

        def handler(signum, frame, previous=previous):
            threading.Thread(target=hardware.close, name="demo hardware close").start()
            if callable(previous):
                previous(signum, frame)
            elif previous == signal.SIG_DFL:
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)

        signal.signal(number, handler)


def _reply(reply) -> dict[str, Any]:
    if reply is None:
        return {"acked": False, "reason": "no_answer"}
    return {"acked": reply.acked, "reason": reply.reason.name.lower() if reply.reason is not None else None}


def _error(status: int, code: str, detail: str = "") -> Response:
    response = jsonify({"error": code, "detail": detail})
    response.status_code = status
    return response


def hardware_blueprint(hardware: DemoHardware) -> Blueprint:
    bp = Blueprint("demo_hardware", __name__)

    @bp.app_context_processor
    def _link():
        return {"demo_hardware": True}  # the landing page links /hardware only when it exists

    @bp.get("/hardware")
    def page():
        return render_template("hardware.html", hardware=hardware)

    @bp.get("/hardware/state")
    def state():
        response = jsonify(hardware.state())
        response.headers["Cache-Control"] = "no-store"
        return response

    @bp.get("/hardware/printouts/<printer>/<int:index>.png")
    def printout(printer: str, index: int):
        png = hardware.printout_png(printer, index)
        if png is None:
            abort(404)
        response = Response(png, mimetype="image/png")
        response.headers["Cache-Control"] = "public, max-age=86400, immutable"  # printed paper never changes
        return response

    @bp.get("/hardware/voice/<int:index>.wav")
    def clip(index: int):
        wav = hardware.clip_wav(index)
        if wav is None:
            abort(404)
        response = Response(wav, mimetype="audio/wav")
        response.headers["Cache-Control"] = "public, max-age=86400, immutable"
        return response

    @bp.post("/hardware/printers/<printer>/mode")
    def printer_mode(printer: str):
        mode = (request.get_json(silent=True) or {}).get("mode")
        if printer not in hardware.printers:
            return _error(404, "printer_unknown", printer)
        if mode not in PRINTER_MODES:
            return _error(400, "invalid_input", f"mode must be one of {', '.join(PRINTER_MODES)}")
        try:
            state = hardware.set_printer_mode(printer, mode)
        except Exception as exc:  # the server did not take the report in time: the heartbeat will
            log.warning("demo hardware: reporting printer %s: %s", printer, exc)
            state = None
        return jsonify({"printer": printer, "mode": mode, "reported": state})

    @bp.post("/hardware/keypads/caller")
    def caller_key():
        action = (request.get_json(silent=True) or {}).get("action")
        if hardware.keypads is None:
            return _error(404, "no_keypads")
        if action not in CALLER_ACTIONS:
            return _error(400, "invalid_input", f"action must be one of {', '.join(CALLER_ACTIONS)}")
        return jsonify(hardware.press_caller(action))

    @bp.post("/hardware/keypads/evaluator")
    def evaluator_key():
        level = (request.get_json(silent=True) or {}).get("level")
        if hardware.keypads is None:
            return _error(404, "no_keypads")
        if level not in (1, 2, 3, 4, 5):
            return _error(400, "invalid_input", "level must be 1 to 5")
        if hardware.keypads.keypad(EVALUATOR_ADDRESS).prompt is None:
            return _error(409, "not_lit", "the evaluator keypad is dark: nothing to rate now")
        return jsonify(hardware.press_rating(level))

    return bp


__all__ = ["DemoHardware", "DemoAgent", "Note", "Spoken", "close_on_exit", "hardware_blueprint", "loopback_url",
           "serial_endpoint",
           "PRINTER_MODES", "CALLER_ACTIONS"]
