"""What the end-to-end benchmarks share: a real `hallq serve` in a temporary directory, and their bookkeeping.

queue_bench.py, print_bench.py and call_bench.py each measure one path through
a server they start here (`Bench`: the directory, the database, the server and
the clean-up however the run ends), set up with the `hallq` CLI (hall file,
tokens, clerks), load with `Load` and the display screens of `screens.Swarm`,
and report through the same percentiles, CPU accounting and MET/MISSED table.
Each script keeps only its own measurement and its own report lines.

Imported as `harness` (the scripts run as `python bench/x.py`, so bench/ is on
sys.path).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Protocol

import requests

from hallq.server.stats_pacer import PACE_S

if TYPE_CHECKING:
    from screens import Swarm

ROOT = Path(__file__).resolve().parent.parent
HALL_FILE = ROOT / "tests" / "halls" / "small.toml"
HOST = "127.0.0.1"
SERVICE = "GA01"
PASSWORD = "bench-password-1"
CLERKS = {1: "S001", 2: "S003"}  # post A of windows 1 and 2 in small.toml
REQUEST_TIMEOUT = 15.0


class BenchError(RuntimeError):
    """The benchmark cannot go on; `Bench` prints it with the server's last words."""


# --- figures ---------------------------------------------------------------------

def pct(values: list[float], p: float) -> float | None:
    """Percentile with linear interpolation (p in 0..100); None for no values."""
    if not values:
        return None
    xs = sorted(values)
    k = (len(xs) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000.0, 2)


def fmt(x, unit="") -> str:
    return "n/a" if x is None else f"{x:,.1f}{unit}"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("MET" if ok else "MISSED")


def below(x: float | None, limit: float) -> bool | None:
    return None if x is None else x < limit


def at_least(x: float | None, limit: float) -> bool | None:
    return None if x is None else x >= limit


# --- the machine -----------------------------------------------------------------

def fsync_ms(where: Path, rounds: int = 50) -> float:
    """Median time of a 4 KiB write + fsync in the benchmark's directory: the floor of a durable commit."""
    path = where / "fsync-probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    times = []
    try:
        for _ in range(rounds):
            start = time.perf_counter()
            os.write(fd, b"x" * 4096)
            os.fsync(fd)
            times.append(time.perf_counter() - start)
    finally:
        os.close(fd)
        path.unlink()
    return sorted(times)[len(times) // 2] * 1000


def run_facts(quick: bool, sizes: dict, **more) -> dict:
    """The head of a results file: when, which run and its sizes, then the script's own entries."""
    return {"when": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "quick": quick,
            "sizes": sizes, **more}


# A typical modern x86 core (2020s desktop or server, CPython 3.11) runs the calibration loop in about this.
TYPICAL_LOOP_MS = 4.0


def python_loop_ms(rounds: int = 5) -> float:
    """Best of `rounds` of a fixed pure-Python loop: how fast this machine runs the interpreter today,
    so figures of different days and machines can be compared (shared VMs vary). Idle, so wall time;
    SpeedProbe times the same loop in CPU time during the phases."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        sum(i * i for i in range(100_000))
        best = min(best, time.perf_counter() - start)
    return round(best * 1000, 2)


def machine(note: str, **more) -> dict:
    """The machine's description in a results file; `more` goes before the note."""
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
            "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
            "python_loop_ms": python_loop_ms(), "typical_loop_ms": TYPICAL_LOOP_MS, **more, "note": note}


def speed_line(m: dict) -> str:
    """The report's line on the machine's speed, from `machine()`'s entries."""
    loop, end = m.get("python_loop_ms"), m.get("python_loop_ms_at_end")
    if loop is None:
        return "machine speed: not measured"
    typical = m.get("typical_loop_ms", TYPICAL_LOOP_MS)
    if end is None:
        return (f"machine speed: sum(i*i for i in range(100000)) takes {loop:.1f} ms here (best of 5); a typical "
                f"modern x86 core takes about {typical:.0f} ms, so this machine runs Python about "
                f"{loop / typical:.1f}x slower")
    return (f"machine speed: sum(i*i for i in range(100000)) took {loop:.1f} ms here at the start and {end:.1f} ms "
            f"at the end (best of 5 each); a typical modern x86 core takes about {typical:.0f} ms, so this machine "
            f"ran Python about {loop / typical:.1f}x, then {end / typical:.1f}x slower")


# --- the machine's speed during a phase ----------------------------------------------

# The probe process, run with `python -I -S -c` so that it starts in a few ms and imports nothing but the
# standard library. It times the loop of python_loop_ms (keep the two the same) in the CPU time of its own
# thread: on a busy 2-core machine wall time would count the waits for a core, which say how loaded the
# machine is, not how fast its core runs. A sample a line (loop ms), the first at once;
# it stops when its stdin closes (the harness stopping it, or going away however it ends).
_PROBE_PROGRAM = """
import select, sys, time
interval = float(sys.argv[1])
print("ready", flush=True)
next_at = time.monotonic()
while True:
    start = time.thread_time()
    sum(i * i for i in range(100_000))
    loop = time.thread_time() - start
    try:
        print(f"{loop * 1000:.3f}", flush=True)
    except BrokenPipeError:
        break
    next_at = max(next_at + interval, time.monotonic())  # a starved probe resumes the beat, it does not catch up
    if select.select([sys.stdin], [], [], next_at - time.monotonic())[0]:
        break  # stdin readable: closed
"""
PROBE_INTERVAL_S = 0.5


class SpeedProbe:
    """The machine's Python speed during one phase, measured by a process of its own (see _PROBE_PROGRAM),
    so that it shares no interpreter lock with the load generator.

        with SpeedProbe() as probe:
            ...the phase...
        part["speed"] = probe.figures()

    start() returns once the probe took its first sample; stop() ends it and keeps the samples.
    """

    def __init__(self, interval_s: float = PROBE_INTERVAL_S):
        self.interval_s = interval_s
        self.samples: list[float] = []  # loop ms, one every interval_s (later when the probe was starved)
        self.proc: subprocess.Popen | None = None
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        self.samples = []
        self.proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", _PROBE_PROGRAM, str(self.interval_s)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "ready":
            self.stop()
            raise BenchError("the machine-speed probe did not start")
        # A thread that sleeps in readline keeps the pipe drained however long the phase runs.
        self._reader = threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True)
        self._reader.start()

    def _read(self, out) -> None:
        for line in out:
            self.samples.append(float(line))

    def stop(self) -> None:
        if self.proc is None:
            return
        assert self.proc.stdin is not None
        self.proc.stdin.close()  # the probe's select wakes and it exits, closing its stdout
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self._reader is not None:
            self._reader.join(timeout=5)
        self.proc.stdout.close()
        self.proc = self._reader = None

    def __enter__(self) -> SpeedProbe:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def figures(self) -> dict:
        """Median and max of the phase's samples, the median's factor against TYPICAL_LOOP_MS, and the samples
        (loop ms, every `interval_s`) to see when a phase slowed."""
        loops = self.samples
        median = pct(loops, 50)
        return {"samples": len(loops), "interval_s": self.interval_s,
                "median_loop_ms": None if median is None else round(median, 2),
                "max_loop_ms": round(max(loops), 2) if loops else None,
                "factor": None if median is None else round(median / TYPICAL_LOOP_MS, 2),
                "loop_ms": [round(loop, 1) for loop in loops]}


def phase_speed_lines(phases: Iterable[tuple[str, dict | None]]) -> list[str]:
    """The report's block on the machine's speed during each phase, from SpeedProbe.figures()."""
    lines = [f"machine speed during each phase (the calibration loop in a probe process's own CPU time, every "
             f"{PROBE_INTERVAL_S} s; a typical modern x86 core takes about {TYPICAL_LOOP_MS:.0f} ms): divide "
             f"CPU-bound figures (CPU per op, rates) by the phase's factor before comparing runs"]
    phases = list(phases)
    width = max(len(name) for name, _ in phases) + 1
    for name, speed in phases:
        if not speed or not speed["samples"]:
            lines.append(f"  {name:<{width}} not measured")
            continue
        lines.append(f"  {name:<{width}} median {speed['median_loop_ms']:.1f} ms ({speed['factor']:.1f}x typical), "
                     f"max {speed['max_loop_ms']:.1f} ms, {speed['samples']} samples")
    return lines


def write_results(path: Path, res: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# --- the report ------------------------------------------------------------------

def load_line(load: list[float]) -> str:
    # other work on this 2-core machine (test suites) moves every figure: say so beside them
    return (f"load average at start: {load[0]} {load[1]} {load[2]}"
            + ("  (other work was running: figures are disturbed)" if load[0] > 0.5 else ""))


class Table:
    """The figures table: name, measured value, and for the issue's aims the aim and MET / MISSED."""

    def __init__(self, lines: list[str], width: int, title: str = "figure"):
        self.lines, self.width = lines, width
        head = f"{title:<{width}}{'measured':>14}   {'aim':<18}{'verdict':<8}"
        lines += [head, "-" * len(head)]

    def row(self, name: str, value: str, aim: str = "", ok: bool | None = None) -> None:
        self.lines.append(f"{name:<{self.width}}{value:>14}   {aim:<18}{verdict(ok) if aim else '':<8}")


def call_event_rows(row: Callable[..., None], screens: int, arrival: dict, handled: dict, aim_ms: float) -> None:
    """The table rows of `ticket.called` at the display screens (see `delay_figures`): its arrival at
    their sockets, judged against the aim, and when this load generator handled it."""
    row(f"call event at {screens} screens, arrival: median", fmt(arrival.get("median_ms"), " ms"))
    row("call event arrival, all deliveries: p99", fmt(arrival.get("p99_ms"), " ms"))
    row("call event arrival, last screen: median", fmt(arrival.get("last_screen_median_ms"), " ms"))
    row("call event arrival, last screen: p99", fmt(arrival.get("last_screen_p99_ms"), " ms"),
        f"< {aim_ms:.0f} ms", below(arrival.get("last_screen_p99_ms"), aim_ms))
    row("call event handled here: median", fmt(handled.get("median_ms"), " ms"))
    row("call event handled here, last screen: p99", fmt(handled.get("last_screen_p99_ms"), " ms"))


def call_event_note(screens: int, arrival: dict, handled: dict, swarm: dict) -> str:
    """What the call event figures are, with the spread of one broadcast and how the swarm read."""
    return (f"call event: from just before the call-next request (so its transaction is included) to the "
            f"kernel's receive time of the bytes at each of the {screens} screens' sockets (\"arrival\", what a "
            f"separate TV would get, before its own rendering), and to the moment this load generator decoded it "
            f"(\"handled here\", what a slow client sees: all screens share one thread). Per call: first screen "
            f"median {fmt(arrival.get('first_screen_median_ms'), ' ms')}, last screen max "
            f"{fmt(arrival.get('last_screen_max_ms'), ' ms')} (handled: "
            f"{fmt(handled.get('last_screen_max_ms'), ' ms')}). The swarm read {swarm.get('chunks', 0)} chunks, "
            f"{swarm.get('chunks_with_several_events', 0)} of them with several events, which share the receive "
            f"time of the chunk's last segment (conservative: later than an earlier segment's); "
            f"{swarm.get('called_before_another_event', 0)} call events were in such a chunk before another event.")


def swarm_problems(swarm: dict) -> list[str]:
    """Report lines for what makes the screens' figures doubtful."""
    problems = []
    if swarm.get("untimed_chunks"):
        problems.append(f"  {swarm['untimed_chunks']} chunks came without a kernel receive time "
                        "(dated when read: their arrival figures are late)")
    if swarm.get("lost"):
        problems.append(f"  display screens lost their connection during the run: {swarm['lost']}")
    return problems


def report_end(lines: list[str], problems: list[str], results: Path) -> str:
    """The PROBLEMS block (if any) and where the results went; the whole report as one text."""
    if problems:
        lines.append("PROBLEMS:")
        lines.extend(problems)
    lines.append(f"results written to {results.relative_to(ROOT)}")
    return "\n".join(lines)


# --- options ---------------------------------------------------------------------

class BenchOptions(argparse.ArgumentParser):
    """--quick, --threads and --keep, and with `displays` --clients (each websocket holds a server thread)."""

    def __init__(self, doc: str, threads: int, displays: bool = False):
        super().__init__(description=doc.split("\n\n")[0])
        self.displays = displays
        self.add_argument("--quick", action="store_true", help="a short run")
        if displays:
            self.add_argument("--clients", type=int, default=200, help="Socket.IO display clients (default 200)")
        self.add_argument("--threads", type=int, default=threads, help=f"server threads (default {threads})")
        self.add_argument("--keep", action="store_true", help="keep the temporary directory (database, logs)")

    def parse_args(self, args=None, namespace=None):  # type: ignore[override]
        parsed = super().parse_args(args, namespace)
        if self.displays and parsed.clients + 20 > parsed.threads:
            self.error("--threads must exceed --clients by at least 20 (each websocket holds a server thread)")
        return parsed


# --- the hallq CLI -----------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def hallq_command() -> list[str]:
    script = Path(sys.executable).parent / "hallq"
    return [str(script)] if script.exists() else [sys.executable, "-m", "hallq.cli"]


def cli(args: list[str], stdin: str | None = None) -> str:
    cmd = hallq_command() + args
    proc = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60, cwd=ROOT)
    if proc.returncode != 0:
        raise BenchError(f"`{' '.join(['hallq'] + args)}` failed ({proc.returncode}): "
                         f"{proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout.strip()


# The LED cards of windows 1 and 2 on the agent's simulated bus: the hall file binds them (the server's map).
LED_ADDRESSES = {1: 11, 2: 12}


def bench_hall_file(tmp: Path) -> Path:
    """small.toml, open around the clock, no closing buffer, no daily quota; windows 1 and 2 with LED screens."""
    text = HALL_FILE.read_text(encoding="utf-8")
    for window, address in LED_ADDRESSES.items():
        text, n = re.subn(rf"(?m)^(\[\[windows\]\]\nnumber = {window}\n)", rf"\g<1>led = {address}\n", text)
        if n != 1:
            raise BenchError(f"{HALL_FILE} no longer has window {window} as expected")
    text, n_hours = re.subn(r"(?m)^\[hall\.hours\]\s*$", "[hall.hours]\nalways_open = true", text)
    text, n_buffer = re.subn(r"(?m)^closing_buffer_minutes\s*=.*$", "closing_buffer_minutes = 0", text)
    text = re.sub(r"(?m)^daily_quota\s*=.*\n", "", text)
    if n_hours != 1 or n_buffer != 1:
        raise BenchError(f"{HALL_FILE} no longer has the expected [hall.hours] / closing_buffer_minutes lines")
    path = tmp / "bench_hall.toml"
    path.write_text(text, encoding="utf-8")
    return path


def describe(resp: requests.Response) -> str:
    return f"{resp.request.method} {resp.request.path_url} -> {resp.status_code} {resp.text[:300]!r}"


# --- the server ------------------------------------------------------------------

class Server:
    """`hallq serve` (or, with `command`, another server under the same gunicorn set-up: the floor)."""

    def __init__(self, db_url: str, port: int, logdir: Path, threads: int, *, name: str = "server",
                 command: list[str] | None = None, ready_path: str = "/api/v1/openapi.json"):
        self.db_url, self.port, self.logdir, self.threads = db_url, port, logdir, threads
        self.name, self.ready_path = name, ready_path
        self.command = command or hallq_command() + ["serve", "--db", db_url, "--host", HOST, "--port", str(port),
                                                     "--threads", str(threads)]
        self.base = f"http://{HOST}:{port}"
        self.proc: subprocess.Popen | None = None

    def start(self, wait_s: float = 30.0) -> None:
        self.out = open(self.logdir / f"{self.name}.stdout", "wb")
        self.err = open(self.logdir / f"{self.name}.stderr", "wb")
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(self.command, stdout=self.out, stderr=self.err, cwd=ROOT, env=env,
                                     start_new_session=True)  # own process group: gunicorn master + worker
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited with {self.proc.returncode} on start:\n{self.stderr_tail()}")
            try:
                if requests.get(self.base + self.ready_path, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise BenchError(f"{self.name} did not answer {self.ready_path} within {wait_s:.0f} s:\n{self.stderr_tail()}")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=5)
        self.proc = None
        self.out.close()
        self.err.close()

    def ensure_running(self) -> None:
        """After a run: a server that died during it makes its figures meaningless."""
        if self.proc is not None and self.proc.poll() is not None:
            raise BenchError(f"server died during the run ({self.proc.returncode}):\n{self.stderr_tail()}")

    def _group(self) -> list[tuple[str, list[str]]]:
        """(/proc/<pid> path, the stat fields after the name) of each process of the server's group."""
        if self.proc is None:
            return []
        found = []
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) == self.proc.pid:  # process group id
                found.append((entry.path, fields))
        return found

    def cpu_seconds(self) -> float | None:
        """User+system CPU of the server's process group (gunicorn master and worker), from /proc."""
        if self.proc is None:
            return None
        try:
            return sum(int(fields[11]) + int(fields[12]) for _, fields in self._group()) / os.sysconf("SC_CLK_TCK")
        except OSError:
            return None

    def rss_mb(self) -> dict[str, float]:
        """Resident memory (VmRSS, MB) of each process of the server's group: "master" and "worker N"."""
        rss: dict[str, float] = {}
        workers = 0
        for path, _ in sorted(self._group(), key=lambda found: int(Path(found[0]).name)):
            try:
                status = Path(path, "status").read_text()
            except OSError:
                continue
            kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), None)
            if kb is None:
                continue
            pid = int(Path(path).name)
            if pid == self.proc.pid:
                rss["master"] = round(kb / 1024, 1)
            else:
                workers += 1
                rss[f"worker {workers}"] = round(kb / 1024, 1)
        return rss

    def stderr_tail(self, lines: int = 40) -> str:
        try:
            text = (self.logdir / f"{self.name}.stderr").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


class Bench:
    """One run's temporary directory, database and server, set up with the hallq CLI.

    Used as `with bench: ... return 0` then `return 1`: on leaving, whatever was
    registered with `on_exit` is stopped (last first), then the server, and the
    directory is removed (kept with --keep). A BenchError is printed with the
    tail of the server's stderr and goes no further, so the code after the
    `with` block runs only when the run failed.
    """

    def __init__(self, prefix: str, threads: int, keep: bool, db_url: str | None = None):
        # a plain `kill` also goes through the clean-up (stops the server, removes the temp dir)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        self.tmp = Path(tempfile.mkdtemp(prefix=prefix))
        self.db_url = db_url or f"sqlite:///{self.tmp / 'bench.db'}"
        self.server = Server(self.db_url, free_port(), self.tmp, threads)
        self.keep = keep
        self._on_exit: list[Callable[[], None]] = []

    def __enter__(self) -> Bench:
        return self

    def __exit__(self, kind, exc, tb) -> bool:
        try:
            if isinstance(exc, BenchError):
                print(f"\nBENCHMARK FAILED: {exc}", file=sys.stderr)
                tail = self.server.stderr_tail()
                if tail:
                    print(f"server stderr (last lines):\n{tail}", file=sys.stderr)
        finally:
            for stop in reversed(self._on_exit):
                stop()
            self.server.stop()
            if self.keep:
                print(f"kept {self.tmp}")
            else:
                shutil.rmtree(self.tmp, ignore_errors=True)
        return isinstance(exc, BenchError)

    def on_exit(self, stop: Callable[[], None]) -> None:
        self._on_exit.append(stop)

    def save(self, results: Path, res: dict, report: Callable[[dict], str]) -> None:
        """After the measuring: the server must have lived through it; the tail of its stderr goes into
        the results, which are written, then the report is printed."""
        self.server.ensure_running()
        res["server_stderr_tail"] = self.server.stderr_tail(20)
        if "machine" in res:  # a shared VM's speed drifts during a run: measured again at its end
            res["machine"]["python_loop_ms_at_end"] = python_loop_ms()
        write_results(results, res)
        print(report(res))

    def load_hall(self) -> None:
        print(cli(["load-hall", str(bench_hall_file(self.tmp)), "--db", self.db_url]), flush=True)

    def token(self, kind: str, name: str) -> str:
        return cli(["token", "create", "--kind", kind, "--name", name, "--db", self.db_url]).splitlines()[-1]

    def add_clerk(self, username: str) -> None:
        cli(["user", "add", username, "--role", "clerk", "--password-stdin", "--db", self.db_url],
            stdin=PASSWORD + "\n")

    def sign_in(self, window: int) -> str:
        """Logs in the clerk of CLERKS[window] and signs them in at post A there; their session token."""
        username = CLERKS[window]
        r = requests.post(self.server.base + "/api/v1/auth/login", json={"username": username, "password": PASSWORD},
                          timeout=REQUEST_TIMEOUT)
        if r.status_code != 200:
            raise BenchError(f"login {username}: {describe(r)}")
        token = r.json()["token"]
        r = requests.post(f"{self.server.base}/api/v1/windows/{window}/sign-in", json={"post": "A"},
                          headers={"Authorization": f"Bearer {token}"}, timeout=REQUEST_TIMEOUT)
        if r.status_code != 200:
            raise BenchError(f"sign-in at window {window}: {describe(r)}")
        return token


# --- CPU accounting ----------------------------------------------------------------

class HasCpu(Protocol):
    def cpu_seconds(self) -> float | None: ...


class CpuMeter:
    """CPU used during a phase by the server's process group, the agent processes (if any) and this process."""

    def __init__(self, server: Server, agents: Iterable[HasCpu] | None = None):
        self.server, self.agents = server, None if agents is None else list(agents)

    def _agents(self) -> float | None:
        values = [a.cpu_seconds() for a in self.agents or ()]
        return None if None in values else sum(v for v in values if v is not None)

    def start(self) -> None:
        self.s0, self.a0, self.c0 = self.server.cpu_seconds(), self._agents(), time.process_time()

    def used(self) -> dict:
        """`server_cpu_s`, `agent_cpu_s` (only with agents) and `loadgen_cpu_s` since start()."""
        s1, a1, c1 = self.server.cpu_seconds(), self._agents(), time.process_time()
        used: dict = {"server_cpu_s": None if self.s0 is None or s1 is None else round(s1 - self.s0, 2)}
        if self.agents is not None:
            used["agent_cpu_s"] = None if self.a0 is None or a1 is None else round(a1 - self.a0, 2)
        used["loadgen_cpu_s"] = round(c1 - self.c0, 2)
        return used


def measure_phase(meter: CpuMeter, run: Callable[[], dict]) -> dict:
    """One measured phase: the figures `run` returns, with the CPU `meter` counted and the machine's
    speed meanwhile (`speed`, SpeedProbe.figures())."""
    with SpeedProbe() as probe:
        meter.start()
        part = run()
        part.update(meter.used())
    part["speed"] = probe.figures()
    return part


# --- load ------------------------------------------------------------------------

class Phase:
    """Latencies, statuses and the first few unexpected answers of one phase."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: dict[str, int] = {}
        self.errors: list[str] = []

    def record(self, status: str, latency: float | None = None, error: str | None = None):
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if latency is not None:
                self.latencies.append(latency)
            if error and len(self.errors) < 5:
                self.errors.append(error)


class Load:
    """Worker threads that start together and share one count of requests, bounded in time.

    Each worker opens its connection, calls `ready()`, then loops while
    `take()` grants it a request. `run()` starts them, notes when they all
    began (`began` on perf_counter, `began_wall` on time.time) and waits for
    them (at most the phase's time plus `grace_s`).
    """

    def __init__(self, count: int, seconds: float):
        self.left = count
        self.deadline = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._start: threading.Barrier | None = None
        self.began = self.began_wall = 0.0

    def ready(self) -> None:
        assert self._start is not None
        self._start.wait()

    def take(self) -> bool:
        if time.monotonic() >= self.deadline:
            return False
        with self._lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True

    def run(self, workers: list[Callable[[], None]], grace_s: float) -> None:
        self._start = threading.Barrier(len(workers) + 1)
        threads = [threading.Thread(target=w, daemon=True) for w in workers]
        for t in threads:
            t.start()
        self._start.wait(timeout=60)
        self.began, self.began_wall = time.perf_counter(), time.time()
        for t in threads:
            t.join(timeout=max(1.0, self.deadline - time.monotonic() + grace_s))

    @property
    def timed_out(self) -> bool:
        return self.left > 0


# --- display screens ---------------------------------------------------------------

def issue_to_quiet_hall(session: requests.Session, base: str, swarm: Swarm) -> requests.Response:
    """Issues a ticket and, when it is issued, waits until every screen has its ticket.issued and the
    screens are quiet, so that the call which follows is timed alone. The kiosk's answer."""
    r = session.post(base + "/api/v1/tickets", json={"service": SERVICE}, timeout=REQUEST_TIMEOUT)
    if r.status_code == 201:
        issued = r.json()["number"]
        # Quiet for longer than the server holds back queue.stats, so the issue's own statistics
        # are out before the call that follows is timed.
        swarm.settle(lambda: swarm.have_issued(issued), quiet_s=2 * PACE_S)
    return r


def delay_figures(per_call: list[list[float]], screens: int) -> dict:
    """One kind of delay (seconds) of the calls at the screens: over all deliveries, and per call the
    first and the last screen. Only calls that reached all `screens` count for first and last (the
    others are missed deliveries, which the benchmarks report apart)."""
    deliveries = [d for call in per_call for d in call]
    complete = [call for call in per_call if call and len(call) == screens]
    last, first = [max(call) for call in complete], [min(call) for call in complete]
    return {"deliveries": len(deliveries),
            "median_ms": ms(pct(deliveries, 50)), "p99_ms": ms(pct(deliveries, 99)),
            "first_screen_median_ms": ms(pct(first, 50)),
            "last_screen_median_ms": ms(pct(last, 50)), "last_screen_p99_ms": ms(pct(last, 99)),
            "last_screen_max_ms": ms(max(last) if last else None)}


def swarm_facts(swarm: Swarm) -> dict:
    """How the swarm read: chunks whose events share one receive time, chunks without a kernel time
    (their time is the read's), pongs, screens lost after connecting."""
    return {"screens_connected": swarm.live, "lost": swarm.lost[:5], **swarm.stats}
