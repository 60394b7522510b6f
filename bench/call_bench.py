#!/usr/bin/env python
"""Call benchmark: from the clerk's call-next to the displays, the LED screen and the voice.

    python bench/call_bench.py            # full run (a few minutes): 200 calls
    python bench/call_bench.py --quick    # short run (under a minute): 20 calls

A real `hallq serve` on loopback with 200 display screens connected
(bench/screens.py's `Swarm`: Socket.IO clients on raw sockets, all read by
one thread), and a real device agent in a process of
its own (bench/agent_sim.py: `hallq.devices.agent.Agent`) hosting the LED
screens of windows 1 and 2 on a simulated bus (line protocol over a pty,
`ScreenBusSimulator`) and the hall's voice with a recording sound output
(`RecordingPlayback`). Each call is timed from just before the call-next
request to:
  a. the `ticket.called` event at each display screen (and at the last of
     them): its arrival at the screen's socket (kernel receive time) and its
     handling by this load generator;
  b. the LED frame for window 1 decoded by the simulated screen;
  c. the start of the announcement audio at the agent's sound output.

Calls are made one at a time into a quiet hall: each round issues a ticket,
waits until its events reached every display, calls it at window 1, waits for
all three, finishes it and waits for the screens to settle. Results go to
bench/results/call.json.
"""
from __future__ import annotations

import concurrent.futures as cf
import sys
import threading
import time

import requests

from agent_sim import AgentProcess
from harness import (CLERKS, LED_ADDRESSES, REQUEST_TIMEOUT, ROOT, Bench, BenchError, BenchOptions, CpuMeter, Table, below,
                     call_event_note, call_event_rows, cli, delay_figures, describe, fmt, issue_to_quiet_hall,
                     load_line, machine, measure_phase, ms, pct, phase_speed_lines, report_end, run_facts, speed_line,
                     swarm_facts, swarm_problems)
from screens import Swarm

RESULTS = ROOT / "bench" / "results" / "call.json"
# Window 1's LED screen; window 2's must stay as it was (their addresses: the bench hall file's led).
WINDOW, LED_ADDRESS = 1, LED_ADDRESSES[1]
OTHER_ADDRESS = LED_ADDRESSES[2]

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


def calls(base: str, kiosk: str, clerk: str, swarm: Swarm, agent: AgentEvents, count: int,
          measure: bool = True) -> dict:
    answers: list[float] = []
    arrival: list[list[float]] = []
    handled: list[list[float]] = []
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
            r = issue_to_quiet_hall(kiosk_s, base, swarm)
            if r.status_code != 201:
                errors.append(describe(r))
                break
            # The agent's times are CLOCK_MONOTONIC (system-wide); the screens' are the kernel's receive
            # times, CLOCK_REALTIME.
            t0_mono, t0_ns, t0_perf = time.monotonic(), time.time_ns(), time.perf_counter()
            r = clerk_s.post(f"{base}/api/v1/windows/{WINDOW}/call-next", timeout=REQUEST_TIMEOUT)
            answered = time.perf_counter() - t0_perf
            if r.status_code != 200:
                errors.append(describe(r))
                break
            number = r.json()["number"]
            swarm.await_call(number, WAIT_S)
            frame = agent.led_frame(LED_ADDRESS, t0_mono, showing=number)
            started = agent.audio_start(t0_mono)
            if measure:
                answers.append(answered)
                delays = swarm.call_delays(number, t0_ns)
                missed["display"] += len(swarm) - len(delays.arrival)
                arrival.append(delays.arrival)
                handled.append(delays.handled)
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
                             timeout=REQUEST_TIMEOUT)
            if f.status_code != 200:
                errors.append(describe(f))
                break
            done += 1
            # quiet hall for the next call: the idle frame is on the screen, the finish events at every display
            agent.led_frame(LED_ADDRESS, finished_at, without=number, timeout=2.0)
            swarm.settle()
    return {
        "calls": count, "calls_done": done, "screens": len(swarm), "errors": errors[:5], "missed": missed,
        "wrong_screen": wrong_screen[:5],
        "call_next_median_ms": ms(pct(answers, 50)), "call_next_p99_ms": ms(pct(answers, 99)),
        "display_arrival": delay_figures(arrival, len(swarm)), "display_handled": delay_figures(handled, len(swarm)),
        "led_median_ms": ms(pct(led, 50)), "led_p99_ms": ms(pct(led, 99)),
        "led_max_ms": ms(max(led) if led else None),
        "audio_median_ms": ms(pct(audio, 50)), "audio_p99_ms": ms(pct(audio, 99)),
        "audio_max_ms": ms(max(audio) if audio else None),
    }


def report(res: dict) -> str:
    c = res["calls"]
    lines = ["", f"hallq call benchmark ({'quick' if res['quick'] else 'full'} run, {res['when']})"]
    m = res["machine"]
    lines.append(f"machine: {m['cpus']} CPU(s), {m['platform']}, Python {m['python']}; server: hallq serve, "
                 f"gunicorn gthread, 1 worker, {res['server_threads']} threads, SQLite; one agent process: "
                 f"LED bus (line protocol, pty) with windows 1 and 2, voice with a recording sound output")
    lines.append(f"NOTE: the {c['screens']} display screens (one thread of this process), the agent and the server "
                 "share this machine's CPUs.")
    lines.append(speed_line(m))
    lines.append(load_line(m["loadavg_at_start"]))
    lines.append("")
    row = Table(lines, 50, f"figure ({c['calls_done']} calls)").row
    row("call-next answered: median", fmt(c["call_next_median_ms"], " ms"))
    row("call-next answered: p99", fmt(c["call_next_p99_ms"], " ms"))
    call_event_rows(row, c["screens"], c["display_arrival"], c["display_handled"], AIM_DISPLAY_P99_MS)
    row("LED frame at window 1's screen: median", fmt(c["led_median_ms"], " ms"))
    row("LED frame at window 1's screen: p99", fmt(c["led_p99_ms"], " ms"), "< 50 ms",
        below(c["led_p99_ms"], AIM_LED_P99_MS))
    row("announcement audio start: median", fmt(c["audio_median_ms"], " ms"))
    row("announcement audio start: p99", fmt(c["audio_p99_ms"], " ms"), "< 300 ms",
        below(c["audio_p99_ms"], AIM_AUDIO_P99_MS))
    lines.append("")
    lines.append(call_event_note(c["screens"], c["display_arrival"], c["display_handled"], c.get("swarm", {})))
    lines.append("All delays run from just before the call-next request, so they include its transaction. "
                 "The LED bus is a pty: add the wire time of the line's baud rate (bench/led_bench.py prints it). "
                 "Audio start is when the agent hands the clip (chime, then the words) to the sound output.")
    lines.append(f"{c['screens']} screens connected in {res['connect_s']} s. CPU time during the calls: server "
                 f"{fmt(c.get('server_cpu_s'), ' s')}, agent {fmt(c.get('agent_cpu_s'), ' s')}, load generator "
                 f"{fmt(c.get('loadgen_cpu_s'), ' s')} over {fmt(c.get('wall_s'), ' s')} of wall time.")
    lines += phase_speed_lines([(f"{c['calls_done']} calls", c.get("speed"))])
    problems = []
    if c["errors"] or any(c["missed"].values()) or c["wrong_screen"] or c["calls_done"] < c["calls"]:
        problems.append(f"  calls done {c['calls_done']}/{c['calls']}, missed {c['missed']} ({WAIT_S:.0f} s limit), "
                        f"wrong screen {c['wrong_screen']}, errors {c['errors']}")
    problems += swarm_problems(c.get("swarm", {}))
    return report_end(lines, problems, RESULTS)


def main() -> int:
    args = BenchOptions(__doc__, threads=300, displays=True).parse_args()
    sizes = QUICK if args.quick else FULL

    bench = Bench("hallq-call-bench-", args.threads, args.keep)
    server = bench.server
    events = AgentEvents()
    res = run_facts(
        args.quick, sizes, server_threads=args.threads,
        machine=machine("server, agent, simulators and load generator share the CPUs"),
        aims={"display_arrival_last_screen_p99_ms": AIM_DISPLAY_P99_MS, "led_p99_ms": AIM_LED_P99_MS,
              "audio_start_p99_ms": AIM_AUDIO_P99_MS},
        clocks="LED and audio: CLOCK_MONOTONIC, time.monotonic() here and in the agent process; display "
               "screens: CLOCK_REALTIME, the kernel's receive time (SO_TIMESTAMPNS) and time.time_ns() here")
    set_up = time.monotonic()
    with bench:
        bench.load_hall()
        with cf.ThreadPoolExecutor(max_workers=4) as pool:  # each is a Python start-up: overlap them
            futures = [pool.submit(bench.token, kind, name) for kind, name in
                       (("kiosk", "kiosk-1"), ("display", "hall-tv"))]
            futures.append(pool.submit(cli, ["token", "create", "--kind", "agent", "--name", "agent-hall",
                                             "--windows", "1,2", "--voice", "--db", bench.db_url]))  # its LEDs, voice
            futures.append(pool.submit(bench.add_clerk, CLERKS[WINDOW]))
            kiosk, display, agent_token, _ = [f.result() for f in futures]

        server.start()
        base = server.base
        print(f"server up at {base} (data in {bench.tmp})", flush=True)
        clerk = bench.sign_in(WINDOW)

        agent = AgentProcess("agent-hall", ["--server", base, f"--token={agent_token}",
                                            "--led", str(bench.tmp / "ttyLED0"),
                                            "--card", str(LED_ADDRESS), "--card", str(OTHER_ADDRESS),
                                            "--voice"], bench.tmp, events.add)
        bench.on_exit(agent.stop)
        agent.start()
        if events.led_frame(LED_ADDRESS, 0.0, timeout=10) is None:
            raise BenchError("window 1's LED screen never showed the window's state after the agent's hello")

        print(f"connecting {args.clients} display screens ...", flush=True)
        swarm = Swarm(args.clients)
        bench.on_exit(swarm.close)
        connect_s, connect_errors = swarm.connect(base, display)
        res["connect_s"] = round(connect_s, 2)
        if connect_errors:
            raise BenchError(f"{len(connect_errors)} of {args.clients} screens did not connect: {connect_errors[:3]}")
        swarm.settle(quiet_s=0.5, limit_s=10.0)

        calls(base, kiosk, clerk, swarm, events, WARM_UP_CALLS, measure=False)
        res["setup_s"] = round(time.monotonic() - set_up, 1)
        print(f"set up in {res['setup_s']} s", flush=True)
        print(f"{sizes['calls']} calls, one at a time ...", flush=True)

        def timed_calls() -> dict:
            w0 = time.perf_counter()
            part = calls(base, kiosk, clerk, swarm, events, sizes["calls"])
            part["wall_s"] = round(time.perf_counter() - w0, 2)
            return part

        res["calls"] = part = measure_phase(CpuMeter(server, [agent]), timed_calls)
        part["swarm"] = swarm_facts(swarm)

        if not agent.alive():
            raise BenchError(f"the agent died during the run:\n{agent.stderr_tail()}")
        res["agent_stderr_tail"] = agent.stderr_tail(20)
        bench.save(RESULTS, res, report)
        return 0
    return 1  # the run failed: Bench said why


if __name__ == "__main__":
    sys.exit(main())
