#!/usr/bin/env python
"""Call benchmark: from the clerk's call-next to the displays, the LED screen and the voice.

    python bench/call_bench.py            # full run (a few minutes): 200 calls
    python bench/call_bench.py --quick    # short run (under a minute): 20 calls

A real `hallq serve` on loopback with 200 Socket.IO display clients connected
(bench/queue_bench.py's `Listener`), and a real device agent in a process of
its own (bench/agent_sim.py: `hallq.devices.agent.Agent`) hosting the LED
screens of windows 1 and 2 on a simulated bus (line protocol over a pty,
`ScreenBusSimulator`) and the hall's voice with a recording sound output
(`RecordingPlayback`). Each call is timed from just before the call-next
request to:
  a. the `ticket.called` event at each display client (and at the last of them);
  b. the LED frame for window 1 decoded by the simulated screen;
  c. the start of the announcement audio at the agent's sound output.

Calls are made one at a time into a quiet hall: each round issues a ticket,
waits until its events reached every display, calls it at window 1, waits for
all three, finishes it and waits for the screens to settle. Results go to
bench/results/call.json.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import datetime as dt
import json
import os
import platform
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import queue_bench as qb  # noqa: E402  (the server, the hall file, the display clients, percentiles)
from agent_sim import AgentProcess  # noqa: E402

ROOT = qb.ROOT
RESULTS = ROOT / "bench" / "results" / "call.json"
WINDOW, LED_ADDRESS = 1, 11  # window 1's LED screen; window 2's (address 12) must stay as it was
OTHER_ADDRESS = 12

AIM_DISPLAY_P99_MS = 50.0
AIM_LED_P99_MS = 50.0
AIM_AUDIO_P99_MS = 300.0

FULL = dict(calls=200)
QUICK = dict(calls=20)
WARM_UP_CALLS = 2  # the first calls load espeak-ng and warm caches: not measured
PHASE_SECONDS = 300.0
WAIT_S = 5.0  # a delivery not there this long after the call is missed


class AgentEvents:
    """What the agent's hardware received: LED frames and audio starts (monotonic times)."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.led: list[tuple[int, str, float]] = []
        self.audio: list[float] = []

    def add(self, fields: dict) -> None:
        with self.cond:
            if fields.get("event") == "led":
                self.led.append((fields["address"], "\n".join(fields["lines"]), fields["at"]))
            elif fields.get("event") == "audio":
                self.audio.append(fields["at"])
            self.cond.notify_all()

    def led_frame(self, address: int, after: float, showing: str | None = None, without: str | None = None,
                  timeout: float = WAIT_S) -> tuple[float, str] | None:
        """The first frame at `address` after `after` containing `showing` (or not containing `without`)."""
        def find():
            for a, text, at in self.led:
                if a == address and at > after and (showing is None or showing in text) \
                        and (without is None or without not in text):
                    return at, text
            return None
        with self.cond:
            return self.cond.wait_for(find, timeout)

    def audio_start(self, after: float, timeout: float = WAIT_S) -> float | None:
        with self.cond:
            return self.cond.wait_for(lambda: next((at for at in self.audio if at > after), None), timeout)

    def frames_at(self, address: int, after: float) -> list[str]:
        with self.cond:
            return [text for a, text, at in self.led if a == address and at > after]


def calls(base: str, kiosk: str, clerk: str, listeners: list[qb.Listener], agent: AgentEvents, count: int,
          measure: bool = True) -> dict:
    answers: list[float] = []
    deliveries: list[float] = []
    slowest: list[float] = []
    led: list[float] = []
    audio: list[float] = []
    missed = {"display": 0, "led": 0, "audio": 0}
    errors: list[str] = []
    wrong_screen: list[str] = []
    deadline = time.monotonic() + PHASE_SECONDS
    done = 0
    with requests.Session() as kiosk_s, requests.Session() as clerk_s:
        kiosk_s.headers["Authorization"] = f"Bearer {kiosk}"
        clerk_s.headers["Authorization"] = f"Bearer {clerk}"
        for _ in range(count):
            if time.monotonic() > deadline:
                break
            r = kiosk_s.post(base + "/api/v1/tickets", json={"service": qb.SERVICE}, timeout=qb.REQUEST_TIMEOUT)
            if r.status_code != 201:
                errors.append(qb.describe(r))
                break
            issued = r.json()["number"]
            qb.settle(listeners, lambda: all(issued in lst.issued_numbers for lst in listeners))
            # Both clocks are CLOCK_MONOTONIC on Linux; the agent's times are monotonic, the clients' perf_counter.
            t0_mono, t0_perf = time.monotonic(), time.perf_counter()
            r = clerk_s.post(f"{base}/api/v1/windows/{WINDOW}/call-next", timeout=qb.REQUEST_TIMEOUT)
            answered = time.perf_counter() - t0_perf
            if r.status_code != 200:
                errors.append(qb.describe(r))
                break
            number = r.json()["number"]
            until = time.monotonic() + WAIT_S
            while time.monotonic() < until and not all(lst.arrival(number) is not None for lst in listeners):
                time.sleep(0.002)
            frame = agent.led_frame(LED_ADDRESS, t0_mono, showing=number)
            started = agent.audio_start(t0_mono)
            if measure:
                answers.append(answered)
                delays = [a - t0_perf for a in (lst.arrival(number) for lst in listeners) if a is not None]
                missed["display"] += len(listeners) - len(delays)
                deliveries.extend(delays)
                if len(delays) == len(listeners):
                    slowest.append(max(delays))
                if frame is None:
                    missed["led"] += 1
                else:
                    led.append(frame[0] - t0_mono)
                if started is None:
                    missed["audio"] += 1
                else:
                    audio.append(started - t0_mono)
                if any(number in text for text in agent.frames_at(OTHER_ADDRESS, t0_mono)):
                    wrong_screen.append(f"{number} shown on window 2's screen")
            finished_at = time.monotonic()
            f = clerk_s.post(f"{base}/api/v1/windows/{WINDOW}/finish", json={"outcome": "immediate"},
                             timeout=qb.REQUEST_TIMEOUT)
            if f.status_code != 200:
                errors.append(qb.describe(f))
                break
            done += 1
            # quiet hall for the next call: the idle frame is on the screen, the finish events at every display
            agent.led_frame(LED_ADDRESS, finished_at, without=number, timeout=2.0)
            qb.settle(listeners)
    return {
        "calls": count, "calls_done": done, "clients": len(listeners), "errors": errors[:5], "missed": missed,
        "wrong_screen": wrong_screen[:5],
        "call_next_median_ms": qb.ms(qb.pct(answers, 50)), "call_next_p99_ms": qb.ms(qb.pct(answers, 99)),
        "display_median_ms": qb.ms(qb.pct(deliveries, 50)), "display_p99_ms": qb.ms(qb.pct(deliveries, 99)),
        "display_last_client_median_ms": qb.ms(qb.pct(slowest, 50)),
        "display_last_client_p99_ms": qb.ms(qb.pct(slowest, 99)),
        "led_median_ms": qb.ms(qb.pct(led, 50)), "led_p99_ms": qb.ms(qb.pct(led, 99)),
        "led_max_ms": qb.ms(max(led) if led else None),
        "audio_median_ms": qb.ms(qb.pct(audio, 50)), "audio_p99_ms": qb.ms(qb.pct(audio, 99)),
        "audio_max_ms": qb.ms(max(audio) if audio else None),
    }


def report(res: dict) -> str:
    c = res["calls"]
    lines = ["", f"hallq call benchmark ({'quick' if res['quick'] else 'full'} run, {res['when']})"]
    m = res["machine"]
    lines.append(f"machine: {m['cpus']} CPU(s), {m['platform']}, Python {m['python']}; server: hallq serve, "
                 f"gunicorn gthread, 1 worker, {res['server_threads']} threads, SQLite; one agent process: "
                 f"LED bus (line protocol, pty) with windows 1 and 2, voice with a recording sound output")
    lines.append(f"NOTE: the {c['clients']} display clients (one Python process), the agent and the server share "
                 "this machine's CPUs.")
    load = m["loadavg_at_start"]
    lines.append(f"load average at start: {load[0]} {load[1]} {load[2]}"
                 + ("  (other work was running: figures are disturbed)" if load[0] > 0.5 else ""))
    lines.append("")
    head = f"{'figure (' + str(c['calls_done']) + ' calls)':<50}{'measured':>14}   {'aim':<18}{'verdict':<8}"
    lines += [head, "-" * len(head)]

    def row(name, value, aim="", ok=None):
        lines.append(f"{name:<50}{value:>14}   {aim:<18}{qb.verdict(ok) if aim else '':<8}")

    def lt(x, lim):
        return None if x is None else x < lim

    row("call-next answered: median", qb.fmt(c["call_next_median_ms"], " ms"))
    row("call-next answered: p99", qb.fmt(c["call_next_p99_ms"], " ms"))
    row(f"ticket.called at {c['clients']} displays: median", qb.fmt(c["display_median_ms"], " ms"))
    row("ticket.called, all deliveries: p99", qb.fmt(c["display_p99_ms"], " ms"))
    row("ticket.called, last display per call: median", qb.fmt(c["display_last_client_median_ms"], " ms"))
    row("ticket.called, last display per call: p99", qb.fmt(c["display_last_client_p99_ms"], " ms"), "< 50 ms",
        lt(c["display_last_client_p99_ms"], AIM_DISPLAY_P99_MS))
    row("LED frame at window 1's screen: median", qb.fmt(c["led_median_ms"], " ms"))
    row("LED frame at window 1's screen: p99", qb.fmt(c["led_p99_ms"], " ms"), "< 50 ms",
        lt(c["led_p99_ms"], AIM_LED_P99_MS))
    row("announcement audio start: median", qb.fmt(c["audio_median_ms"], " ms"))
    row("announcement audio start: p99", qb.fmt(c["audio_p99_ms"], " ms"), "< 300 ms",
        lt(c["audio_p99_ms"], AIM_AUDIO_P99_MS))
    lines.append("")
    lines.append("All delays run from just before the call-next request, so they include its transaction. "
                 "The LED bus is a pty: add the wire time of the line's baud rate (bench/led_bench.py prints it). "
                 "Audio start is when the agent hands the clip (chime, then the words) to the sound output.")
    lines.append(f"{c['clients']} clients connected in {res['connect_s']} s. CPU time during the calls: server "
                 f"{qb.fmt(c.get('server_cpu_s'), ' s')}, agent {qb.fmt(c.get('agent_cpu_s'), ' s')}, load generator "
                 f"{qb.fmt(c.get('loadgen_cpu_s'), ' s')} over {qb.fmt(c.get('wall_s'), ' s')} of wall time.")
    problems = []
    if c["errors"] or any(c["missed"].values()) or c["wrong_screen"] or c["calls_done"] < c["calls"]:
        problems.append(f"  calls done {c['calls_done']}/{c['calls']}, missed {c['missed']} ({WAIT_S:.0f} s limit), "
                        f"wrong screen {c['wrong_screen']}, errors {c['errors']}")
    if problems:
        lines.append("PROBLEMS:")
        lines.extend(problems)
    lines.append(f"results written to {RESULTS.relative_to(ROOT)}")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a short run")
    ap.add_argument("--clients", type=int, default=200, help="Socket.IO display clients (default 200)")
    ap.add_argument("--threads", type=int, default=300, help="server threads (default 300)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (database, logs)")
    args = ap.parse_args()
    sizes = QUICK if args.quick else FULL
    if args.clients + 20 > args.threads:
        ap.error("--threads must exceed --clients by at least 20 (each websocket holds a server thread)")

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix="hallq-call-bench-"))
    db_url = f"sqlite:///{tmp / 'bench.db'}"
    server = qb.Server(db_url, qb.free_port(), tmp, args.threads)
    events = AgentEvents()
    agent: AgentProcess | None = None
    listeners: list[qb.Listener] = []
    res: dict = {
        "when": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "quick": args.quick, "sizes": sizes,
        "server_threads": args.threads,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
                    "note": "server, agent, simulators and load generator share the CPUs"},
        "aims": {"display_last_client_p99_ms": AIM_DISPLAY_P99_MS, "led_p99_ms": AIM_LED_P99_MS,
                 "audio_start_p99_ms": AIM_AUDIO_P99_MS},
        "clocks": "CLOCK_MONOTONIC: time.monotonic() here and in the agent process, time.perf_counter() "
                  "for the display clients (the same clock on Linux)",
    }
    set_up = time.monotonic()
    try:
        hall = qb.bench_hall_file(tmp)
        print(qb.cli(["load-hall", str(hall), "--db", db_url]), flush=True)

        def token(kind: str, name: str) -> str:
            return qb.cli(["token", "create", "--kind", kind, "--name", name, "--db", db_url]).splitlines()[-1]

        with cf.ThreadPoolExecutor(max_workers=4) as pool:
            futures = [pool.submit(token, kind, name) for kind, name in
                       (("kiosk", "kiosk-1"), ("display", "hall-tv"), ("agent", "agent-hall"))]
            futures.append(pool.submit(qb.cli, ["user", "add", qb.CLERKS[WINDOW], "--role", "clerk",
                                                "--password-stdin", "--db", db_url], qb.PASSWORD + "\n"))
            kiosk, display, agent_token, _ = [f.result() for f in futures]

        server.start()
        base = server.base
        print(f"server up at {base} (data in {tmp})", flush=True)
        r = requests.post(base + "/api/v1/auth/login", json={"username": qb.CLERKS[WINDOW], "password": qb.PASSWORD},
                          timeout=qb.REQUEST_TIMEOUT)
        if r.status_code != 200:
            raise qb.BenchError(f"login: {qb.describe(r)}")
        clerk = r.json()["token"]
        r = requests.post(f"{base}/api/v1/windows/{WINDOW}/sign-in", json={"post": "A"},
                          headers={"Authorization": f"Bearer {clerk}"}, timeout=qb.REQUEST_TIMEOUT)
        if r.status_code != 200:
            raise qb.BenchError(f"sign-in: {qb.describe(r)}")

        agent = AgentProcess("agent-hall", ["--server", base, "--token", agent_token, "--led", str(tmp / "ttyLED0"),
                                            "--screen", f"{LED_ADDRESS}:1", "--screen", f"{OTHER_ADDRESS}:2",
                                            "--voice"], tmp, events.add)
        agent.start()
        if events.led_frame(LED_ADDRESS, 0.0, timeout=10) is None:
            raise qb.BenchError("window 1's LED screen never showed the window's state after the agent's hello")

        print(f"connecting {args.clients} Socket.IO display clients ...", flush=True)
        listeners = [qb.Listener(inline=True) for _ in range(args.clients)]
        t_conn = time.perf_counter()
        connect_errors: list[str] = []
        with cf.ThreadPoolExecutor(max_workers=25) as pool:
            for fut in [pool.submit(lst.connect, base, display) for lst in listeners]:
                try:
                    fut.result(timeout=60)
                except Exception as exc:
                    connect_errors.append(repr(exc))
        res["connect_s"] = round(time.perf_counter() - t_conn, 2)
        if connect_errors:
            raise qb.BenchError(f"{len(connect_errors)} of {args.clients} clients did not connect: {connect_errors[:3]}")
        qb.settle(listeners, quiet_s=0.5, limit_s=10.0)

        calls(base, kiosk, clerk, listeners, events, WARM_UP_CALLS, measure=False)
        res["setup_s"] = round(time.monotonic() - set_up, 1)
        print(f"set up in {res['setup_s']} s", flush=True)
        print(f"{sizes['calls']} calls, one at a time ...", flush=True)
        s0, a0, c0, w0 = server.cpu_seconds(), agent.cpu_seconds(), time.process_time(), time.perf_counter()
        res["calls"] = part = calls(base, kiosk, clerk, listeners, events, sizes["calls"])
        s1, a1, c1 = server.cpu_seconds(), agent.cpu_seconds(), time.process_time()
        part["server_cpu_s"] = None if s0 is None or s1 is None else round(s1 - s0, 2)
        part["agent_cpu_s"] = None if a0 is None or a1 is None else round(a1 - a0, 2)
        part["loadgen_cpu_s"] = round(c1 - c0, 2)
        part["wall_s"] = round(time.perf_counter() - w0, 2)

        if not agent.alive():
            raise qb.BenchError(f"the agent died during the run:\n{agent.stderr_tail()}")
        if server.proc is not None and server.proc.poll() is not None:
            raise qb.BenchError(f"server died during the run ({server.proc.returncode}):\n{server.stderr_tail()}")
        res["server_stderr_tail"] = server.stderr_tail(20)
        res["agent_stderr_tail"] = agent.stderr_tail(20)
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(report(res))
        return 0
    except (qb.BenchError, RuntimeError) as exc:
        print(f"\nBENCHMARK FAILED: {exc}", file=sys.stderr)
        tail = server.stderr_tail()
        if tail:
            print(f"server stderr (last lines):\n{tail}", file=sys.stderr)
        return 1
    finally:
        if listeners:
            with cf.ThreadPoolExecutor(max_workers=25) as pool:
                list(pool.map(lambda lst: lst.disconnect(), listeners))
        if agent is not None:
            agent.stop()
        server.stop()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
