#!/usr/bin/env python
"""Queue benchmark: a real `hallq serve` on loopback, measured from the outside.

    python bench/queue_bench.py            # full run (a few minutes)
    python bench/queue_bench.py --quick    # short run (well under a minute)

Figures (see bench/README.md):
  a. ticket issuing (POST /api/v1/tickets) at 1 and at 20 concurrent clients:
     tickets/s, latency median and p99;
  b. call-next at windows 1 and 2 (each clerk loops call-next, finish):
     call-next calls/s, latency median and p99;
  c. fan-out of `ticket.called` to 200 Socket.IO display clients: delay from
     just before the call-next request to each client's arrival, median and
     p99 over all deliveries, and the p99 of the slowest client per call.

Everything runs on 127.0.0.1 in a temporary directory; the server is stopped
(its whole process group) at the end, also on errors and Ctrl-C. Results are
printed and written to bench/results/queue.json.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
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

import engineio
import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent
HALL_FILE = ROOT / "tests" / "halls" / "small.toml"
RESULTS = ROOT / "bench" / "results" / "queue.json"
HOST = "127.0.0.1"
SERVICE = "GA01"
PASSWORD = "bench-password-1"
CLERKS = {1: "S001", 2: "S003"}  # post A of windows 1 and 2 in small.toml

AIM_ISSUE_RATE = 1000.0  # tickets/s
AIM_ISSUE_P99_MS = 20.0
AIM_FANOUT_P99_MS = 50.0  # call event at all 200 clients

FULL = dict(issue_c1=2000, issue_c20=4000, call_next=1000, fanout_calls=100)
QUICK = dict(issue_c1=200, issue_c20=400, call_next=100, fanout_calls=20)
PHASE_SECONDS = 300.0  # hard time bound of each load phase
REQUEST_TIMEOUT = 15.0


class BenchError(RuntimeError):
    pass


# --- small helpers ---------------------------------------------------------------

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


def bench_hall_file(tmp: Path) -> Path:
    """small.toml, open around the clock, no closing buffer, no daily quota."""
    text = HALL_FILE.read_text(encoding="utf-8")
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
    def __init__(self, db_url: str, port: int, logdir: Path, threads: int):
        self.db_url, self.port, self.logdir, self.threads = db_url, port, logdir, threads
        self.base = f"http://{HOST}:{port}"
        self.proc: subprocess.Popen | None = None

    def start(self, wait_s: float = 30.0) -> None:
        self.out = open(self.logdir / "server.stdout", "wb")
        self.err = open(self.logdir / "server.stderr", "wb")
        cmd = hallq_command() + ["serve", "--db", self.db_url, "--host", HOST, "--port", str(self.port),
                                 "--threads", str(self.threads)]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=self.err, cwd=ROOT, env=env,
                                     start_new_session=True)  # own process group: gunicorn master + worker
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"server exited with {self.proc.returncode} on start:\n{self.stderr_tail()}")
            try:
                if requests.get(self.base + "/api/v1/openapi.json", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise BenchError(f"server did not answer /api/v1/openapi.json within {wait_s:.0f} s:\n{self.stderr_tail()}")

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

    def cpu_seconds(self) -> float | None:
        """User+system CPU of the server's process group (gunicorn master and worker), from /proc."""
        if self.proc is None:
            return None
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        try:
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit():
                    continue
                try:
                    stat = Path(entry.path, "stat").read_text()
                except OSError:
                    continue
                fields = stat[stat.rindex(")") + 2:].split()
                if int(fields[2]) == self.proc.pid:  # process group id
                    total += int(fields[11]) + int(fields[12])
        except OSError:
            return None
        return total / tick

    def stderr_tail(self, lines: int = 40) -> str:
        try:
            text = (self.logdir / "server.stderr").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


# --- load phases -----------------------------------------------------------------

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


def issue_load(base: str, kiosk: str, count: int, concurrency: int) -> dict:
    phase = Phase()
    claim_lock = threading.Lock()
    left = [count]
    deadline = time.monotonic() + PHASE_SECONDS
    headers = {"Authorization": f"Bearer {kiosk}"}

    def worker():
        with requests.Session() as s:
            s.headers.update(headers)
            # one unmeasured request opens the keep-alive connection
            s.post(base + "/api/v1/tickets", json={"service": SERVICE}, timeout=REQUEST_TIMEOUT)
            start.wait()
            while time.monotonic() < deadline:
                with claim_lock:
                    if left[0] <= 0:
                        return
                    left[0] -= 1
                t0 = time.perf_counter()
                try:
                    r = s.post(base + "/api/v1/tickets", json={"service": SERVICE}, timeout=REQUEST_TIMEOUT)
                except requests.RequestException as exc:
                    phase.record("exception", error=f"POST /api/v1/tickets: {exc!r}")
                    continue
                dt_ = time.perf_counter() - t0
                if r.status_code == 201:
                    phase.record("201", dt_)
                else:
                    phase.record(str(r.status_code), error=describe(r))

    start = threading.Barrier(concurrency + 1)
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for t in threads:
        t.start()
    start.wait(timeout=60)
    t_begin = time.perf_counter()
    for t in threads:
        t.join(timeout=max(1.0, deadline - time.monotonic() + REQUEST_TIMEOUT))
    elapsed = time.perf_counter() - t_begin
    ok = len(phase.latencies)
    return {
        "requests": count, "concurrency": concurrency, "ok": ok, "statuses": phase.statuses,
        "errors": phase.errors, "elapsed_s": round(elapsed, 3), "timed_out": left[0] > 0,
        "rate_per_s": round(ok / elapsed, 1) if elapsed > 0 else None,
        "median_ms": ms(pct(phase.latencies, 50)), "p99_ms": ms(pct(phase.latencies, 99)),
    }


def call_next_load(base: str, clerks: dict[int, str], count: int) -> dict:
    """Each window's clerk loops call-next (timed) then finish (untimed)."""
    phase = Phase()
    claim_lock = threading.Lock()
    left = [count]
    empty = [0]
    deadline = time.monotonic() + PHASE_SECONDS

    def worker(window: int, token: str):
        with requests.Session() as s:
            s.headers["Authorization"] = f"Bearer {token}"
            s.get(base + "/api/v1/windows", timeout=REQUEST_TIMEOUT)  # open the connection
            start.wait()
            while time.monotonic() < deadline:
                with claim_lock:
                    if left[0] <= 0:
                        return
                    left[0] -= 1
                t0 = time.perf_counter()
                try:
                    r = s.post(f"{base}/api/v1/windows/{window}/call-next", timeout=REQUEST_TIMEOUT)
                except requests.RequestException as exc:
                    phase.record("exception", error=f"call-next {window}: {exc!r}")
                    continue
                dt_ = time.perf_counter() - t0
                if r.status_code == 204:
                    phase.record("204")
                    with claim_lock:
                        empty[0] += 1
                    return  # nobody waits: the queue ran dry
                if r.status_code != 200:
                    phase.record(str(r.status_code), error=describe(r))
                    continue
                phase.record("200", dt_)
                try:
                    f = s.post(f"{base}/api/v1/windows/{window}/finish", json={"outcome": "immediate"},
                               timeout=REQUEST_TIMEOUT)
                    if f.status_code != 200:
                        phase.record(f"finish {f.status_code}", error=describe(f))
                except requests.RequestException as exc:
                    phase.record("finish exception", error=f"finish {window}: {exc!r}")

    start = threading.Barrier(len(clerks) + 1)
    threads = [threading.Thread(target=worker, args=(w, tok), daemon=True) for w, tok in clerks.items()]
    for t in threads:
        t.start()
    start.wait(timeout=60)
    t_begin = time.perf_counter()
    for t in threads:
        t.join(timeout=max(1.0, deadline - time.monotonic() + 2 * REQUEST_TIMEOUT))
    elapsed = time.perf_counter() - t_begin
    ok = len(phase.latencies)
    return {
        "calls": count, "windows": sorted(clerks), "ok": ok, "statuses": phase.statuses,
        "errors": phase.errors, "queue_ran_dry": empty[0] > 0, "elapsed_s": round(elapsed, 3),
        "timed_out": left[0] > 0 and not empty[0],
        "rate_per_s": round(ok / elapsed, 1) if elapsed > 0 else None,
        "median_ms": ms(pct(phase.latencies, 50)), "p99_ms": ms(pct(phase.latencies, 99)),
    }


class Listener:
    """One display screen: a Socket.IO client noting when each `ticket.called` arrives."""

    def __init__(self, inline: bool = True):
        self.arrivals: dict[str, float] = {}
        self.lock = threading.Lock()
        # websocket-client checks UTF-8 byte by byte in pure Python unless told
        # not to (Python's own decoding still checks it, in C).
        self.sio = socketio.Client(reconnection=False,
                                   websocket_extra_options={"skip_utf8_validation": True} if inline else {})
        if inline:
            # python-engineio's client starts a new thread for every message it
            # receives; with 200 clients in one process that costs the load
            # generator more CPU than the server spends. Dispatch in the
            # client's own reader thread instead (our handlers only note a time).
            eio = self.sio.eio
            stock = eio._receive_packet

            def receive(pkt, eio=eio, stock=stock):
                if pkt.packet_type == engineio.packet.MESSAGE:
                    eio._trigger_event("message", pkt.data)
                else:
                    stock(pkt)

            eio._receive_packet = receive
        self.sio.on("ticket.called", self._called)
        self.sio.on("ticket.issued", self.issued)
        self.sio.on("*", self._other)
        self.events = 0
        self.issued_numbers: set[str] = set()

    def _other(self, event, data=None):
        self.events += 1

    def _called(self, data):
        at = time.perf_counter()
        number = data.get("number") if isinstance(data, dict) else None
        with self.lock:
            self.events += 1
            self.arrivals.setdefault(str(number), at)

    def issued(self, data):
        number = data.get("number") if isinstance(data, dict) else None
        with self.lock:
            self.events += 1
            self.issued_numbers.add(str(number))

    def arrival(self, number: str) -> float | None:
        with self.lock:
            return self.arrivals.get(number)

    def connect(self, base: str, token: str) -> None:
        self.sio.connect(base, transports=["websocket"], auth={"token": token}, wait_timeout=20)

    def disconnect(self) -> None:
        try:
            self.sio.disconnect()
        except Exception:
            pass


def settle(listeners: list[Listener], until=lambda: True, quiet_s: float = 0.05, limit_s: float = 5.0) -> None:
    """Wait (at most limit_s) until `until()` holds and no client got an event for quiet_s."""
    end = time.monotonic() + limit_s
    last, last_change = -1, time.monotonic()
    while time.monotonic() < end:
        count = sum(lst.events for lst in listeners)
        if count != last:
            last, last_change = count, time.monotonic()
        elif time.monotonic() - last_change >= quiet_s and until():
            return
        time.sleep(0.005)


def fanout(base: str, kiosk: str, clerk: str, display: str, clients: int, calls: int, inline: bool,
           server_cpu=lambda: None) -> dict:
    listeners = [Listener(inline) for _ in range(clients)]
    connect_errors: list[str] = []
    t_conn = time.perf_counter()
    with cf.ThreadPoolExecutor(max_workers=25) as pool:
        futures = [pool.submit(lst.connect, base, display) for lst in listeners]
        for fut in futures:
            try:
                fut.result(timeout=60)
            except Exception as exc:
                connect_errors.append(repr(exc))
    connect_s = time.perf_counter() - t_conn
    connected = [lst for lst in listeners if lst.sio.connected]
    result: dict = {"clients": clients, "inline_dispatch": inline, "connected": len(connected), "connect_s": round(connect_s, 2),
                    "connect_errors": connect_errors[:5], "calls": calls}
    try:
        if len(connected) < clients:
            raise BenchError(f"only {len(connected)} of {clients} Socket.IO clients connected: "
                             f"{connect_errors[:3]}")
        settle(connected, quiet_s=0.5, limit_s=10.0)  # let the connect snapshots settle
        deliveries: list[float] = []
        slowest: list[float] = []
        fastest: list[float] = []
        events_before = sum(lst.events for lst in connected)
        missed = 0
        errors: list[str] = []
        deadline = time.monotonic() + PHASE_SECONDS
        cpu0, wall0, scpu0 = time.process_time(), time.perf_counter(), server_cpu()
        kiosk_s, clerk_s = requests.Session(), requests.Session()
        kiosk_s.headers["Authorization"] = f"Bearer {kiosk}"
        clerk_s.headers["Authorization"] = f"Bearer {clerk}"
        done = 0
        for _ in range(calls):
            if time.monotonic() > deadline:
                break
            r = kiosk_s.post(base + "/api/v1/tickets", json={"service": SERVICE}, timeout=REQUEST_TIMEOUT)
            if r.status_code != 201:
                errors.append(describe(r))
                break
            issued = r.json()["number"]
            # let the issue's own events reach every screen first: time the call alone
            settle(connected, lambda: all(issued in lst.issued_numbers for lst in connected))
            t0 = time.perf_counter()
            r = clerk_s.post(base + "/api/v1/windows/1/call-next", timeout=REQUEST_TIMEOUT)
            if r.status_code != 200:
                errors.append(describe(r))
                break
            number = r.json()["number"]
            wait_until = time.monotonic() + 5.0
            while time.monotonic() < wait_until:
                if all(lst.arrival(number) is not None for lst in connected):
                    break
                time.sleep(0.005)
            delays = [a - t0 for a in (lst.arrival(number) for lst in connected) if a is not None]
            missed += len(connected) - len(delays)
            deliveries.extend(delays)
            if delays:
                slowest.append(max(delays))
                fastest.append(min(delays))
            f = clerk_s.post(base + "/api/v1/windows/1/finish", json={"outcome": "immediate"},
                             timeout=REQUEST_TIMEOUT)
            if f.status_code != 200:
                errors.append(describe(f))
                break
            done += 1
            settle(connected)  # let the finish events drain before the next cycle
        kiosk_s.close()
        clerk_s.close()
        time.sleep(0.5)
        events = sum(lst.events for lst in connected) - events_before
        loop_cpu, loop_wall, scpu1 = time.process_time() - cpu0, time.perf_counter() - wall0, server_cpu()
        result.update({
            "calls_done": done, "deliveries": len(deliveries), "missed": missed, "errors": errors,
            "median_ms": ms(pct(deliveries, 50)), "p99_ms": ms(pct(deliveries, 99)),
            "last_client_median_ms": ms(pct(slowest, 50)), "last_client_p99_ms": ms(pct(slowest, 99)),
            "last_client_max_ms": ms(max(slowest) if slowest else None),
            "first_client_median_ms": ms(pct(fastest, 50)),
            "loop_wall_s": round(loop_wall, 2), "loop_loadgen_cpu_s": round(loop_cpu, 2),
            "loop_server_cpu_s": None if scpu0 is None or scpu1 is None else round(scpu1 - scpu0, 2),
            "events_per_client_per_call": round(events / len(connected) / done, 1) if done else None,
        })
    finally:
        with cf.ThreadPoolExecutor(max_workers=25) as pool:
            list(pool.map(lambda lst: lst.disconnect(), listeners))
    return result


# --- report ----------------------------------------------------------------------

def fmt(x, unit="") -> str:
    return "n/a" if x is None else f"{x:,.1f}{unit}"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("MET" if ok else "MISSED")


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


def report(res: dict) -> str:
    i1, i20, cn, fo = res["issue_c1"], res["issue_c20"], res["call_next"], res["fanout"]
    lines = []
    lines.append("")
    lines.append(f"hallq queue benchmark ({'quick' if res['quick'] else 'full'} run, {res['when']})")
    lines.append(f"machine: {res['machine']['cpus']} CPU(s), {res['machine']['platform']}, "
                 f"Python {res['machine']['python']}; server: hallq serve, gunicorn gthread, 1 worker, "
                 f"{res['server_threads']} threads, {res['machine']['database']}")
    fsync = res["machine"]["fsync_ms"]
    lines.append(f"disk: one fsync takes {fsync:.2f} ms here. SQLite (WAL, synchronous=FULL, so a ticket answered "
                 f"survives a power cut) syncs once per commit and commits one at a time: at most "
                 f"{1000 / fsync:.0f} tickets/s whatever the code does. PostgreSQL shares one WAL flush among "
                 "concurrent commits (--db).")
    lines.append(f"NOTE: the load generator (requests threads, {fo['clients']} Socket.IO clients) runs on the same "
                 "machine and shares its CPUs with the server; figures are a lower bound for the server alone.")
    load = res["machine"]["loadavg_at_start"]
    lines.append(f"load average at start: {load[0]} {load[1]} {load[2]}"
                 + ("  (other work was running: figures are disturbed)" if load[0] > 0.5 else ""))
    lines.append("")
    head = f"{'figure':<44}{'measured':>14}   {'aim':<18}{'verdict':<8}"
    lines.append(head)
    lines.append("-" * len(head))

    def row(name, value, aim="", ok=None):
        lines.append(f"{name:<44}{value:>14}   {aim:<18}{verdict(ok) if aim else '':<8}")

    def le(x, lim):
        return None if x is None else x < lim

    def ge(x, lim):
        return None if x is None else x >= lim

    row(f"issue, 1 client ({i1['ok']} tickets): rate", fmt(i1["rate_per_s"], "/s"))
    row("issue, 1 client: median", fmt(i1["median_ms"], " ms"))
    row("issue, 1 client: p99", fmt(i1["p99_ms"], " ms"), "< 20 ms", le(i1["p99_ms"], AIM_ISSUE_P99_MS))
    row(f"issue, 20 clients ({i20['ok']} tickets): rate", fmt(i20["rate_per_s"], "/s"), ">= 1000/s",
        ge(i20["rate_per_s"], AIM_ISSUE_RATE))
    row("issue, 20 clients: median", fmt(i20["median_ms"], " ms"))
    row("issue, 20 clients: p99", fmt(i20["p99_ms"], " ms"), "< 20 ms", le(i20["p99_ms"], AIM_ISSUE_P99_MS))
    row(f"call-next, windows 1+2 ({cn['ok']} calls): rate", fmt(cn["rate_per_s"], "/s"))
    row("call-next: median", fmt(cn["median_ms"], " ms"))
    row("call-next: p99", fmt(cn["p99_ms"], " ms"))
    row(f"ticket.called to {fo['clients']} clients: median", fmt(fo.get("median_ms"), " ms"))
    row("ticket.called, all deliveries: p99", fmt(fo.get("p99_ms"), " ms"))
    row(f"ticket.called, last client ({fo.get('calls_done', 0)} calls): p99", fmt(fo.get("last_client_p99_ms"), " ms"),
        "< 50 ms", le(fo.get("last_client_p99_ms"), AIM_FANOUT_P99_MS))
    lines.append("")
    lines.append("call-next rate: call-next calls per second of wall time with two clerks, each looping "
                 "call-next then finish (the finish is not timed but takes wall time).")
    lines.append(f"fan-out: {fo['connected']}/{fo['clients']} clients connected in {fo['connect_s']} s; "
                 f"{fo.get('deliveries', 0)} deliveries, {fo.get('missed', 0)} missed (5 s limit); "
                 f"per call: first client median {fmt(fo.get('first_client_median_ms'), ' ms')}, "
                 f"last client median {fmt(fo.get('last_client_median_ms'), ' ms')}, "
                 f"max {fmt(fo.get('last_client_max_ms'), ' ms')}; "
                 f"{fmt(fo.get('events_per_client_per_call'))} events per client per issue/call/finish cycle; "
                 f"during the {fmt(fo.get('loop_wall_s'), ' s')} of calls the load generator (the {fo['clients']} clients "
                 f"in one Python process, {'lightened' if fo['inline_dispatch'] else 'stock'} clients) used {fmt(fo.get('loop_loadgen_cpu_s'), ' s')} CPU, "
                 f"the server {fmt(fo.get('loop_server_cpu_s'), ' s')}.")
    lines.append("CPU time used (server process group / this load generator), and server CPU per operation:")
    for name, part, n in (("issue, 1 client", i1, i1["ok"]), ("issue, 20 clients", i20, i20["ok"]),
                          ("call-next loop (call-next + finish)", cn, cn["ok"]),
                          ("fan-out (incl. connecting clients)", fo, None)):
        per = (f", {part['server_cpu_s'] / n * 1000:.1f} ms server CPU per op"
               if n and part.get("server_cpu_s") is not None else "")
        lines.append(f"  {name:<38} server {fmt(part.get('server_cpu_s'), ' s')}, "
                     f"load generator {fmt(part.get('loadgen_cpu_s'), ' s')}{per}")
    problems = []
    for name, part in (("issue c=1", i1), ("issue c=20", i20), ("call-next", cn), ("fan-out", fo)):
        bad = {k: v for k, v in part.get("statuses", {}).items() if k not in ("200", "201", "204")}
        if bad or part.get("errors") or part.get("timed_out") or part.get("missed"):
            problems.append(f"  {name}: statuses {part.get('statuses')} missed {part.get('missed', 0)} "
                            f"timed_out {part.get('timed_out', False)} errors {part.get('errors')}")
    if problems:
        lines.append("PROBLEMS:")
        lines.extend(problems)
    lines.append(f"results written to {RESULTS.relative_to(ROOT)}")
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a short run")
    ap.add_argument("--clients", type=int, default=200, help="Socket.IO display clients (default 200)")
    ap.add_argument("--threads", type=int, default=300, help="server threads (default 300)")
    ap.add_argument("--stock-dispatch", action="store_true",
                    help="Socket.IO clients as the libraries come: a thread per received message and "
                         "pure-Python UTF-8 checks (costs the load generator much CPU)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (database, server logs)")
    ap.add_argument("--db", help="an empty PostgreSQL database URL to measure instead of SQLite")
    args = ap.parse_args()
    sizes = QUICK if args.quick else FULL
    if args.clients + 20 > args.threads:
        ap.error("--threads must exceed --clients by at least 20 (each websocket holds a server thread)")

    # a plain `kill` also goes through the clean-up below (stops the server, removes the temp dir)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    tmp = Path(tempfile.mkdtemp(prefix="hallq-bench-"))
    db_url = args.db or f"sqlite:///{tmp / 'bench.db'}"
    server = Server(db_url, free_port(), tmp, args.threads)
    res: dict = {
        "when": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "quick": args.quick,
        "sizes": sizes, "server_threads": args.threads,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
                    "fsync_ms": fsync_ms(tmp), "database": "PostgreSQL" if args.db else "SQLite",
                    "note": "load generator shares the CPUs with the server"},
        "aims": {"issue_rate_per_s": AIM_ISSUE_RATE, "issue_p99_ms": AIM_ISSUE_P99_MS,
                 "called_all_clients_p99_ms": AIM_FANOUT_P99_MS},
    }
    try:
        hall = bench_hall_file(tmp)
        print(cli(["load-hall", str(hall), "--db", db_url]), flush=True)
        kiosk = cli(["token", "create", "--kind", "kiosk", "--name", "bench", "--db", db_url]).splitlines()[-1]
        display = cli(["token", "create", "--kind", "display", "--name", "d", "--db", db_url]).splitlines()[-1]
        for username in CLERKS.values():
            cli(["user", "add", username, "--role", "clerk", "--password-stdin", "--db", db_url],
                stdin=PASSWORD + "\n")

        server.start()
        base = server.base
        print(f"server up at {base} (data in {tmp})", flush=True)
        clerks: dict[int, str] = {}
        for window, username in CLERKS.items():
            r = requests.post(base + "/api/v1/auth/login", json={"username": username, "password": PASSWORD},
                              timeout=REQUEST_TIMEOUT)
            if r.status_code != 200:
                raise BenchError(f"login {username}: {describe(r)}")
            clerks[window] = r.json()["token"]
            r = requests.post(f"{base}/api/v1/windows/{window}/sign-in", json={"post": "A"},
                              headers={"Authorization": f"Bearer {clerks[window]}"}, timeout=REQUEST_TIMEOUT)
            if r.status_code != 200:
                raise BenchError(f"sign-in at window {window}: {describe(r)}")

        def measured(key, label, fn, *fargs):
            print(label + " ...", flush=True)
            s0, c0 = server.cpu_seconds(), time.process_time()
            res[key] = part = fn(*fargs)
            s1, c1 = server.cpu_seconds(), time.process_time()
            part["server_cpu_s"] = None if s0 is None or s1 is None else round(s1 - s0, 2)
            part["loadgen_cpu_s"] = round(c1 - c0, 2)

        measured("issue_c1", f"issuing {sizes['issue_c1']} tickets with 1 client", issue_load,
                 base, kiosk, sizes["issue_c1"], 1)
        measured("issue_c20", f"issuing {sizes['issue_c20']} tickets with 20 clients", issue_load,
                 base, kiosk, sizes["issue_c20"], 20)
        measured("call_next", f"calling {sizes['call_next']} tickets at windows 1 and 2", call_next_load,
                 base, clerks, sizes["call_next"])
        measured("fanout", f"connecting {args.clients} Socket.IO clients, then {sizes['fanout_calls']} calls",
                 fanout, base, kiosk, clerks[1], display, args.clients, sizes["fanout_calls"], not args.stock_dispatch,
                 server.cpu_seconds)

        if server.proc is not None and server.proc.poll() is not None:
            raise BenchError(f"server died during the run ({server.proc.returncode}):\n{server.stderr_tail()}")
        tail = server.stderr_tail(20)
        res["server_stderr_tail"] = tail
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(report(res))
        if tail.strip():
            print("\nserver stderr (last lines):\n" + tail)
        return 0
    except BenchError as exc:
        print(f"\nBENCHMARK FAILED: {exc}", file=sys.stderr)
        tail = server.stderr_tail()
        if tail:
            print(f"server stderr (last lines):\n{tail}", file=sys.stderr)
        return 1
    finally:
        server.stop()
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
