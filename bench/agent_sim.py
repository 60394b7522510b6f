#!/usr/bin/env python
"""A device agent with simulated hardware, in a process of its own, for the end-to-end benchmarks.

    python bench/agent_sim.py --server URL --token T --printer kiosk-1 --job-data-every 10
    python bench/agent_sim.py --server URL --token T --led PATH --card 11 --card 12 --voice

It runs the real `hallq.devices.agent.Agent` (what `hallq agent` runs) against
simulators living in this process: a `PrinterSimulator` on 127.0.0.1 per
`--printer`, a `ScreenBusSimulator` on a pty whose slave is linked at `--led`
(line protocol) with a card at each `--card` address (which window each shows
is the server's map: the hall file's `led`), and a `RecordingPlayback` as the sound output when `--voice`.
The hardware a real agent drives is outside its process too; here it shares
the agent's process so that the benchmark's own load (200 Socket.IO clients,
kiosk threads) does not compete with it for one interpreter lock.

What the hardware received is reported on stdout, one JSON object a line:

    {"event": "ready", "pid": ..., "printers": {name: url}, "led": path}
    {"event": "print", "printer": name, "job": i, "at": wall_s, "complete": true, "bytes": n, "data": b64?}
    {"event": "led", "address": a, "lines": [...], "at": monotonic_s}
    {"event": "audio", "at": monotonic_s, "duration_s": d}
    {"event": "error", "detail": "..."}

Times: `print.at` is the simulator's `Job.finished_at`, `time.time()` when the
job's cut (its last command) arrived; `led.at` and `audio.at` are
`time.monotonic()`. Both clocks are system-wide on Linux, so the benchmark
compares them with its own readings of the same clock. `data` (base64 of the
job's bytes) comes with every `--job-data-every`-th job of a printer and with
every incomplete job, for the benchmark to decode.

It stops when its stdin closes (the benchmark going away, however it ends) or
on SIGTERM/SIGINT. The benchmarks' side of it is `AgentProcess` (below):
start and wait for "ready", events to a callback, CPU time, stop.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from harness import BenchError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hallq.devices.agent import Agent  # noqa: E402
from hallq.devices.agent_config import AgentConfig  # noqa: E402
from hallq.devices.escpos.simulator import PrinterSimulator  # noqa: E402
from hallq.devices.led import codec_for  # noqa: E402
from hallq.devices.led.simulator import ScreenBusSimulator  # noqa: E402
from hallq.devices.voice.recorder import RecordingPlayback  # noqa: E402


class Reporter:
    """JSON lines on stdout, one writer at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __call__(self, **fields) -> None:
        line = json.dumps(fields, ensure_ascii=False) + "\n"
        with self._lock:
            try:
                sys.stdout.write(line)
                sys.stdout.flush()
            except (BrokenPipeError, ValueError):  # the benchmark has gone: nothing to tell
                pass


def watch_printer(name: str, sim: PrinterSimulator, report: Reporter, data_every: int, stop: threading.Event) -> None:
    """Report each job as the printer finishes it (the simulator's condition wakes us)."""
    seen = 0
    while not stop.is_set():
        try:
            jobs = sim.wait_for_jobs(seen + 1, timeout=0.5)
        except TimeoutError:
            continue
        for i in range(seen, len(jobs)):
            job = jobs[i]
            fields = {"event": "print", "printer": name, "job": i, "at": job.finished_at,
                      "complete": job.complete, "bytes": len(job.data)}
            if not job.complete or (data_every and i % data_every == 0):
                fields["data"] = base64.b64encode(job.data).decode("ascii")
            report(**fields)
        seen = len(jobs)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--server", required=True)
    ap.add_argument("--token", required=True, help="an agent token")
    ap.add_argument("--printer", action="append", default=[], help="a printer's name (its kiosk token's name)")
    ap.add_argument("--paper", type=int, default=80, choices=(58, 80))
    ap.add_argument("--job-data-every", type=int, default=0, help="send the bytes of every Nth job (0: none)")
    ap.add_argument("--led", help="path of the LED bus's pty link (line protocol)")
    ap.add_argument("--card", action="append", type=int, default=[],
                    help="the ADDRESS of an LED card on the bus (the hall file binds windows to addresses)")
    ap.add_argument("--columns", type=int, default=16)
    ap.add_argument("--voice", action="store_true", help="host the hall's voice (recording sound output)")
    args = ap.parse_args()

    report = Reporter()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    printers = {name: PrinterSimulator().start() for name in args.printer}
    bus = None
    if args.led:
        bus = ScreenBusSimulator(codec_for("line"), addresses=args.card, path=args.led)
        bus.on_frame = lambda address, lines, at: report(event="led", address=address, lines=lines, at=at)
    recorder = None
    if args.voice:
        recorder = RecordingPlayback(
            on_start=lambda clip: report(event="audio", at=time.monotonic(), duration_s=clip.duration_s))

    config = AgentConfig.model_validate({
        "printers": [{"name": name, "url": sim.url, "paper": args.paper} for name, sim in printers.items()],
        "leds": [{"port": bus.url, "protocol": "line", "columns": args.columns, "rows": 1}] if bus else [],
        "voice": {"enabled": True} if recorder else None,
    })
    agent = None
    watchers = [threading.Thread(target=watch_printer, args=(name, sim, report, args.job_data_every, stop),
                                 name=f"watch {name}", daemon=True) for name, sim in printers.items()]
    try:
        agent = Agent(args.server, args.token, config, playback=recorder).start()
        deadline = time.monotonic() + 30
        while agent.hello_answer is None and time.monotonic() < deadline and not stop.is_set():
            time.sleep(0.05)
        if not agent.accepted:
            report(event="error", detail=f"hello not answered ok: {agent.hello_answer}")
            return 1
        while bus and not agent.leds.windows_on_screens() and time.monotonic() < deadline and not stop.is_set():
            time.sleep(0.05)  # the map from the hello's answer: the screens it names are driven
        for watcher in watchers:
            watcher.start()
        report(event="ready", pid=os.getpid(),
               printers={name: sim.url for name, sim in printers.items()}, led=args.led)
        # stdin closing is the benchmark's "stop", also when it was killed
        threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), name="stdin", daemon=True).start()
        stop.wait()
        return 0
    finally:
        stop.set()
        if agent is not None:
            agent.close()
        for sim in printers.values():
            sim.stop()
        if bus is not None:
            bus.close()


# --- the benchmark's side ------------------------------------------------------------

class AgentProcess:
    """The benchmark's handle on one agent_sim process: start, events, CPU, stop.

    `on_event(fields)` is called in a reader thread for every reported event
    except "ready" and "error". The process has a session of its own (a Ctrl-C
    at the benchmark's terminal reaches the benchmark, which stops it), and it
    also stops by itself when the benchmark's end of its stdin closes.
    """

    def __init__(self, name: str, args: list[str], logdir: Path, on_event: Callable[[dict], None]):
        self.name, self.args, self.logdir, self.on_event = name, args, logdir, on_event
        self.proc: subprocess.Popen | None = None
        self.ready: dict | None = None
        self.error: str | None = None
        self._ready = threading.Event()

    def start(self, wait_s: float = 60.0) -> dict:
        self.err = open(self.logdir / f"{self.name}.stderr", "wb")
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), *self.args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err,
                                     start_new_session=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
        threading.Thread(target=self._read, name=f"{self.name} reader", daemon=True).start()
        if not self._ready.wait(wait_s) or self.ready is None:
            raise BenchError(f"agent {self.name} not ready within {wait_s:.0f} s: "
                               f"{self.error or 'no answer'}\n{self.stderr_tail()}")
        return self.ready

    def _read(self) -> None:
        assert self.proc and self.proc.stdout
        for raw in self.proc.stdout:
            try:
                fields = json.loads(raw)
            except ValueError:
                continue
            if fields.get("event") == "ready":
                self.ready = fields
                self._ready.set()
            elif fields.get("event") == "error":
                self.error = fields.get("detail")
                self._ready.set()
            else:
                self.on_event(fields)
        self._ready.set()  # the process ended

    def cpu_seconds(self) -> float | None:
        """User+system CPU of the agent process, from /proc."""
        if self.proc is None:
            return None
        try:
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        except OSError:
            return None
        fields = stat[stat.rindex(")") + 2:].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            if self.proc.stdin:
                self.proc.stdin.close()  # its signal to close the agent and the simulators
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
                try:
                    os.kill(self.proc.pid, sig)
                    self.proc.wait(timeout=wait)
                    break
                except ProcessLookupError:
                    break
                except subprocess.TimeoutExpired:
                    continue
        self.proc = None
        self.err.close()

    def stderr_tail(self, lines: int = 20) -> str:
        try:
            text = (self.logdir / f"{self.name}.stderr").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


if __name__ == "__main__":
    sys.exit(main())
