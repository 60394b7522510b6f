#!/usr/bin/env python
"""Queue benchmark: a real `hallq serve` on loopback, measured from the outside.

    python bench/queue_bench.py            # full run (a few minutes)
    python bench/queue_bench.py --quick    # short run (well under a minute)

Figures (see bench/README.md):
  a. ticket issuing (POST /api/v1/tickets) at 1 and at 20 concurrent clients:
     tickets/s, latency median and p99;
  b. call-next at windows 1 and 2 (each clerk loops call-next, finish):
     call-next calls/s, latency median and p99;
  c. fan-out of `ticket.called` to 200 display screens (Socket.IO clients of
     bench/screens.py, all on one thread): delay from just before the
     call-next request to the event's arrival at each screen's socket (kernel
     receive time) and to its handling by this load generator, median and p99
     over all deliveries, and the p99 of the last screen per call;
  d. the floor (bench/floor_app.py: bare Flask + one SQLite INSERT under the
     same gunicorn set-up), posted to as a and measured first: hallq's server
     CPU per issued ticket and per call-next as a multiple of the floor's per
     request, and the resident memory of each server process after the run
     (a hall day's tickets, calls and screens).

Everything runs on 127.0.0.1 in a temporary directory; the server is stopped
(its whole process group) at the end, also on errors and Ctrl-C. Results are
printed and written to bench/results/queue.json.
"""
from __future__ import annotations

import contextlib
import sys
import time

import requests

from harness import (CLERKS, HOST, REQUEST_TIMEOUT, ROOT, SERVICE, Bench, BenchError, BenchOptions, CpuMeter, Load,
                     Phase, Server, Table, at_least, below, call_event_note, call_event_rows, delay_figures, describe,
                     fmt, free_port, fsync_ms, issue_to_quiet_hall, load_line, machine, measure_phase, ms, pct,
                     phase_speed_lines, report_end, run_facts, speed_line, swarm_facts, swarm_problems)
from screens import Swarm

RESULTS = ROOT / "bench" / "results" / "queue.json"

AIM_ISSUE_RATE = 1000.0  # tickets/s
AIM_ISSUE_P99_MS = 20.0
AIM_FANOUT_P99_MS = 50.0  # call event at all 200 screens
AIM_FLOOR_RATIO = 2.0  # server CPU per issued ticket and per call-next, as a multiple of the floor's per request
AIM_RSS_MB = 120.0  # per server process after a hall day

FULL = dict(issue_c1=2000, issue_c20=4000, call_next=1000, fanout_calls=100)
QUICK = dict(issue_c1=200, issue_c20=400, call_next=100, fanout_calls=20)
PHASE_SECONDS = 300.0  # hard time bound of each load phase


def issue_load(base: str, kiosk: str | None, count: int, concurrency: int, path: str = "/api/v1/tickets") -> dict:
    """`count` POSTs of a ticket request to `path` (the floor's is "/floor", without a token)."""
    phase = Phase()
    load = Load(count, PHASE_SECONDS)
    headers = {"Authorization": f"Bearer {kiosk}"} if kiosk else {}

    def worker():
        with requests.Session() as s:
            s.headers.update(headers)
            # one unmeasured request opens the keep-alive connection
            s.post(base + path, json={"service": SERVICE}, timeout=REQUEST_TIMEOUT)
            load.ready()
            while load.take():
                t0 = time.perf_counter()
                try:
                    r = s.post(base + path, json={"service": SERVICE}, timeout=REQUEST_TIMEOUT)
                except requests.RequestException as exc:
                    phase.record("exception", error=f"POST {path}: {exc!r}")
                    continue
                dt_ = time.perf_counter() - t0
                if r.status_code == 201:
                    phase.record("201", dt_)
                else:
                    phase.record(str(r.status_code), error=describe(r))

    load.run([worker] * concurrency, grace_s=REQUEST_TIMEOUT)
    elapsed = time.perf_counter() - load.began
    ok = len(phase.latencies)
    return {
        "requests": count, "concurrency": concurrency, "ok": ok, "statuses": phase.statuses,
        "errors": phase.errors, "elapsed_s": round(elapsed, 3), "timed_out": load.timed_out,
        "rate_per_s": round(ok / elapsed, 1) if elapsed > 0 else None,
        "median_ms": ms(pct(phase.latencies, 50)), "p99_ms": ms(pct(phase.latencies, 99)),
    }


def call_next_load(base: str, clerks: dict[int, str], count: int) -> dict:
    """Each window's clerk loops call-next (timed) then finish (untimed)."""
    phase = Phase()
    load = Load(count, PHASE_SECONDS)
    ran_dry: list[int] = []  # windows that found nobody waiting

    def worker(window: int, token: str):
        with requests.Session() as s:
            s.headers["Authorization"] = f"Bearer {token}"
            s.get(base + "/api/v1/windows", timeout=REQUEST_TIMEOUT)  # open the connection
            load.ready()
            while load.take():
                t0 = time.perf_counter()
                try:
                    r = s.post(f"{base}/api/v1/windows/{window}/call-next", timeout=REQUEST_TIMEOUT)
                except requests.RequestException as exc:
                    phase.record("exception", error=f"call-next {window}: {exc!r}")
                    continue
                dt_ = time.perf_counter() - t0
                if r.status_code == 204:
                    phase.record("204")
                    ran_dry.append(window)
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

    load.run([lambda w=w, tok=tok: worker(w, tok) for w, tok in clerks.items()], grace_s=2 * REQUEST_TIMEOUT)
    elapsed = time.perf_counter() - load.began
    ok = len(phase.latencies)
    return {
        "calls": count, "windows": sorted(clerks), "ok": ok, "statuses": phase.statuses,
        "errors": phase.errors, "queue_ran_dry": bool(ran_dry), "elapsed_s": round(elapsed, 3),
        "timed_out": load.timed_out and not ran_dry,
        "rate_per_s": round(ok / elapsed, 1) if elapsed > 0 else None,
        "median_ms": ms(pct(phase.latencies, 50)), "p99_ms": ms(pct(phase.latencies, 99)),
    }


def fanout(base: str, kiosk: str, clerk: str, display: str, screens: int, calls: int, meter: CpuMeter) -> dict:
    swarm = Swarm(screens)
    connect_s, connect_errors = swarm.connect(base, display)
    result: dict = {"screens": screens, "connected": swarm.live, "connect_s": round(connect_s, 2),
                    "connect_errors": connect_errors[:5], "calls": calls}
    try:
        if swarm.live < screens:
            raise BenchError(f"only {swarm.live} of {screens} display screens connected: {connect_errors[:3]}")
        swarm.settle(quiet_s=0.5, limit_s=10.0)  # let the connect snapshots settle
        arrival: list[list[float]] = []
        handled: list[list[float]] = []
        events_before = swarm.event_count()
        missed = 0
        errors: list[str] = []
        deadline = time.monotonic() + PHASE_SECONDS
        wall0 = time.perf_counter()
        meter.start()
        kiosk_s, clerk_s = requests.Session(), requests.Session()
        kiosk_s.headers["Authorization"] = f"Bearer {kiosk}"
        clerk_s.headers["Authorization"] = f"Bearer {clerk}"
        done = 0
        for _ in range(calls):
            if time.monotonic() > deadline:
                break
            r = issue_to_quiet_hall(kiosk_s, base, swarm)
            if r.status_code != 201:
                errors.append(describe(r))
                break
            t0 = time.time_ns()  # CLOCK_REALTIME, the clock of the kernel's receive times
            r = clerk_s.post(base + "/api/v1/windows/1/call-next", timeout=REQUEST_TIMEOUT)
            if r.status_code != 200:
                errors.append(describe(r))
                break
            number = r.json()["number"]
            swarm.await_call(number, wait_s=5.0)
            delays = swarm.call_delays(number, t0)
            missed += screens - len(delays.arrival)
            arrival.append(delays.arrival)
            handled.append(delays.handled)
            f = clerk_s.post(base + "/api/v1/windows/1/finish", json={"outcome": "immediate"},
                             timeout=REQUEST_TIMEOUT)
            if f.status_code != 200:
                errors.append(describe(f))
                break
            done += 1
            swarm.settle()  # let the finish events drain before the next cycle
        kiosk_s.close()
        clerk_s.close()
        time.sleep(0.5)
        events = swarm.event_count() - events_before
        loop_wall, loop_cpu = time.perf_counter() - wall0, meter.used()
        result.update({
            "calls_done": done, "missed": missed, "errors": errors,
            "arrival": delay_figures(arrival, screens), "handled": delay_figures(handled, screens),
            "loop_wall_s": round(loop_wall, 2), "loop_loadgen_cpu_s": loop_cpu["loadgen_cpu_s"],
            "loop_server_cpu_s": loop_cpu["server_cpu_s"],
            "events_per_screen_per_call": round(events / swarm.live / done, 1) if done and swarm.live else None,
            "swarm": swarm_facts(swarm),
        })
    finally:
        swarm.close()
    return result


# --- the floor ----------------------------------------------------------------------

def floor_server(bench: Bench, threads: int) -> Server:
    """bench/floor_app.py on a SQLite file of its own, under the same gunicorn set-up as `hallq serve`."""
    port, path = free_port(), bench.tmp / "floor.db"
    command = [sys.executable, str(ROOT / "bench" / "floor_app.py"), "--db", str(path), "--host", HOST,
               "--port", str(port), "--threads", str(threads)]
    return Server(f"sqlite:///{path}", port, bench.tmp, threads, name="floor", command=command, ready_path="/ready")


def cpu_per_op_ms(part: dict, ops: int | None = None) -> float | None:
    """Server CPU per successful operation of a phase, in ms."""
    ops = part.get("ok") if ops is None else ops
    cpu = part.get("server_cpu_s")
    return None if not ops or cpu is None else round(cpu / ops * 1000, 3)


def rss_worker(rss: dict[str, float]) -> str:
    """The worker's RSS from `Server.rss_mb()`, for the report."""
    return fmt(rss.get("worker 1"), " MB")


def floor_ratios(res: dict) -> dict:
    """hallq's server CPU per op against the floor's per request, at the same number of clients.

    A call-next costs its finish too (the loop needs it to call again): `call_next_pair` is per
    call-next with its finish, against one floor request (the figure judged); `call_next_request`
    is per request of the loop, against one.
    """
    f1, f20 = cpu_per_op_ms(res["floor_c1"]), cpu_per_op_ms(res["floor_c20"])
    cn = res["call_next"]
    per = {"issue_c1": cpu_per_op_ms(res["issue_c1"]), "issue_c20": cpu_per_op_ms(res["issue_c20"]),
           "call_next_pair": cpu_per_op_ms(cn),
           "call_next_request": cpu_per_op_ms(cn, 2 * cn["ok"]) if cn.get("ok") else None}
    floor = {"issue_c1": f1, "issue_c20": f20, "call_next_pair": f1, "call_next_request": f1}
    return {"floor_ms": {"c1": f1, "c20": f20}, "hallq_ms": per,
            "ratio": {k: round(v / floor[k], 2) if v and floor[k] else None for k, v in per.items()}}


# --- report ----------------------------------------------------------------------

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
                 "concurrent commits (--postgres, --db).")
    lines.append(f"NOTE: the load generator (requests threads, {fo['screens']} display screens on one thread) runs on "
                 "the same machine and shares its CPUs with the server; figures are a lower bound for the server alone.")
    lines.append(speed_line(res["machine"]))
    lines.append(load_line(res["machine"]["loadavg_at_start"]))
    lines.append("")
    table = Table(lines, 44)
    row = table.row
    row(f"issue, 1 client ({i1['ok']} tickets): rate", fmt(i1["rate_per_s"], "/s"))
    row("issue, 1 client: median", fmt(i1["median_ms"], " ms"))
    row("issue, 1 client: p99", fmt(i1["p99_ms"], " ms"), "< 20 ms", below(i1["p99_ms"], AIM_ISSUE_P99_MS))
    row(f"issue, 20 clients ({i20['ok']} tickets): rate", fmt(i20["rate_per_s"], "/s"), ">= 1000/s",
        at_least(i20["rate_per_s"], AIM_ISSUE_RATE))
    row("issue, 20 clients: median", fmt(i20["median_ms"], " ms"))
    row("issue, 20 clients: p99", fmt(i20["p99_ms"], " ms"), "< 20 ms", below(i20["p99_ms"], AIM_ISSUE_P99_MS))
    row(f"call-next, windows 1+2 ({cn['ok']} calls): rate", fmt(cn["rate_per_s"], "/s"))
    row("call-next: median", fmt(cn["median_ms"], " ms"))
    row("call-next: p99", fmt(cn["p99_ms"], " ms"))
    call_event_rows(row, fo["screens"], fo.get("arrival", {}), fo.get("handled", {}), AIM_FANOUT_P99_MS)
    fl = res["floor"]
    ratio, hallq_ms = fl["ratio"], fl["hallq_ms"]
    aim = f"<= {AIM_FLOOR_RATIO:g}x floor"
    row("floor: server CPU per request, 1 client", fmt(fl["floor_ms"]["c1"], " ms"))
    row("floor: server CPU per request, 20 clients", fmt(fl["floor_ms"]["c20"], " ms"))
    for key, name in (("issue_c1", "CPU per issued ticket, 1 client"), ("issue_c20", "CPU per issued ticket, 20 clients"),
                      ("call_next_pair", "CPU per call-next (with its finish)")):
        row(f"{name}: {fmt(hallq_ms[key], ' ms')}", fmt(ratio[key], "x"), aim,
            None if ratio[key] is None else ratio[key] <= AIM_FLOOR_RATIO)
    for process, mb in res["rss_mb_after_day"].items():
        row(f"RSS after the run's hall day: {process}", fmt(mb, " MB"), f"<= {AIM_RSS_MB:g} MB", mb <= AIM_RSS_MB)
    lines.append("")
    lines.append(f"floor: bench/floor_app.py, bare Flask + one SQLite INSERT (WAL, synchronous=FULL) under the same "
                 f"gunicorn set-up, {res['floor_c1']['ok']} + {res['floor_c20']['ok']} requests before hallq started; "
                 f"its RSS then {', '.join(f'{p} {mb:.1f} MB' for p, mb in res['floor_rss_mb'].items())}. "
                 f"Call-next per request of its loop (call-next and finish averaged): "
                 f"{fmt(hallq_ms['call_next_request'], ' ms')}, {fmt(ratio['call_next_request'], 'x')} floor. "
                 f"The hall day: {res['day']}. Worker RSS at start {rss_worker(res['rss_mb_at_start'])}, "
                 f"after each phase: " + ", ".join(f"{rss_worker(res[k].get('rss_mb_after', {}))}" for k in
                                                   ("issue_c1", "issue_c20", "call_next", "fanout")) + ".")
    lines.append("call-next rate: call-next calls per second of wall time with two clerks, each looping "
                 "call-next then finish (the finish is not timed but takes wall time).")
    lines.append(call_event_note(fo["screens"], fo.get("arrival", {}), fo.get("handled", {}), fo.get("swarm", {})))
    lines.append(f"fan-out: {fo['connected']}/{fo['screens']} screens connected in {fo['connect_s']} s; "
                 f"{fo.get('calls_done', 0)} calls, {fo.get('arrival', {}).get('deliveries', 0)} deliveries, "
                 f"{fo.get('missed', 0)} missed (5 s limit); "
                 f"{fmt(fo.get('events_per_screen_per_call'))} events per screen per issue/call/finish cycle; "
                 f"during the {fmt(fo.get('loop_wall_s'), ' s')} of calls the load generator (the {fo['screens']} "
                 f"screens on one thread, and the kiosk and clerk requests) used "
                 f"{fmt(fo.get('loop_loadgen_cpu_s'), ' s')} CPU, the server {fmt(fo.get('loop_server_cpu_s'), ' s')}.")
    lines.append("CPU time used (server process group / this load generator), and server CPU per operation:")
    phases = (("floor, 1 client", res["floor_c1"], res["floor_c1"]["ok"]),
              ("floor, 20 clients", res["floor_c20"], res["floor_c20"]["ok"]),
              ("issue, 1 client", i1, i1["ok"]), ("issue, 20 clients", i20, i20["ok"]),
              ("call-next loop (call-next + finish)", cn, cn["ok"]), ("fan-out (incl. connecting screens)", fo, None))
    for name, part, n in phases:
        per = (f", {part['server_cpu_s'] / n * 1000:.1f} ms server CPU per op"
               if n and part.get("server_cpu_s") is not None else "")
        lines.append(f"  {name:<38} server {fmt(part.get('server_cpu_s'), ' s')}, "
                     f"load generator {fmt(part.get('loadgen_cpu_s'), ' s')}{per}")
    lines += phase_speed_lines((name, part.get("speed")) for name, part, _ in phases)
    problems = []
    for name, part in (("floor c=1", res["floor_c1"]), ("floor c=20", res["floor_c20"]), ("issue c=1", i1),
                       ("issue c=20", i20), ("call-next", cn), ("fan-out", fo)):
        bad = {k: v for k, v in part.get("statuses", {}).items() if k not in ("200", "201", "204")}
        if bad or part.get("errors") or part.get("timed_out") or part.get("missed"):
            problems.append(f"  {name}: statuses {part.get('statuses')} missed {part.get('missed', 0)} "
                            f"timed_out {part.get('timed_out', False)} errors {part.get('errors')}")
    problems += swarm_problems(fo.get("swarm", {}))
    return report_end(lines, problems, RESULTS)


# --- main ------------------------------------------------------------------------

def main() -> int:
    ap = BenchOptions(__doc__, threads=300, displays=True)
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--db", help="an empty PostgreSQL database URL to measure instead of SQLite")
    where.add_argument("--postgres", action="store_true",
                       help="measure on a private PostgreSQL cluster started for the run (fsync on, as a hall runs it)")
    args = ap.parse_args()
    with contextlib.ExitStack() as stack:
        if args.postgres:
            sys.path.insert(0, str(ROOT))
            from tests.services import postgres
            args.db = stack.enter_context(postgres(durable=True))
            args.database = "PostgreSQL (private cluster, fsync on)"
        else:
            args.database = "PostgreSQL" if args.db else "SQLite"
        return run(args)


def run(args) -> int:
    sizes = QUICK if args.quick else FULL
    bench = Bench("hallq-bench-", args.threads, args.keep, args.db)
    server = bench.server
    res = run_facts(
        args.quick, sizes, server_threads=args.threads,
        machine=machine("load generator shares the CPUs with the server", fsync_ms=fsync_ms(bench.tmp),
                        database=args.database),
        aims={"issue_rate_per_s": AIM_ISSUE_RATE, "issue_p99_ms": AIM_ISSUE_P99_MS,
              "called_arrival_last_screen_p99_ms": AIM_FANOUT_P99_MS})
    with bench:
        bench.load_hall()
        kiosk = bench.token("kiosk", "bench")
        display = bench.token("display", "d")
        for username in CLERKS.values():
            bench.add_clerk(username)

        floor = floor_server(bench, args.threads)
        bench.on_exit(floor.stop)
        floor.start()
        print(f"floor up at {floor.base}", flush=True)
        for clients in (1, 20):
            key = "issue_c1" if clients == 1 else "issue_c20"
            print(f"floor: {sizes[key]} requests with {clients} client(s) ...", flush=True)
            res[f"floor_c{clients}"] = measure_phase(
                CpuMeter(floor), lambda n=sizes[key], c=clients: issue_load(floor.base, None, n, c, "/floor"))
        res["floor_rss_mb"] = floor.rss_mb()
        floor.stop()  # measured alone: hallq's phases share the machine with nothing of it

        server.start()
        base = server.base
        print(f"server up at {base} (data in {bench.tmp})", flush=True)
        clerks = {window: bench.sign_in(window) for window in CLERKS}

        res["rss_mb_at_start"] = server.rss_mb()  # started, one sign-in per window served

        def measured(key, label, fn, *fargs):
            print(label + " ...", flush=True)
            res[key] = measure_phase(CpuMeter(server), lambda: fn(*fargs))
            res[key]["rss_mb_after"] = server.rss_mb()  # where during the day the memory grows

        measured("issue_c1", f"issuing {sizes['issue_c1']} tickets with 1 client", issue_load,
                 base, kiosk, sizes["issue_c1"], 1)
        measured("issue_c20", f"issuing {sizes['issue_c20']} tickets with 20 clients", issue_load,
                 base, kiosk, sizes["issue_c20"], 20)
        measured("call_next", f"calling {sizes['call_next']} tickets at windows 1 and 2", call_next_load,
                 base, clerks, sizes["call_next"])
        measured("fanout", f"connecting {args.clients} display screens, then {sizes['fanout_calls']} calls",
                 fanout, base, kiosk, clerks[1], display, args.clients, sizes["fanout_calls"], CpuMeter(server))

        res["rss_mb_after_day"] = server.rss_mb()
        res["day"] = (f"{res['issue_c1']['ok'] + res['issue_c20']['ok']} tickets issued, "
                      f"{res['call_next']['ok']} called and finished, {args.clients} screens connected for "
                      f"{res['fanout'].get('calls_done', 0)} more calls")
        res["floor"] = floor_ratios(res)
        bench.save(RESULTS, res, report)
        if res["server_stderr_tail"].strip():
            print("\nserver stderr (last lines):\n" + res["server_stderr_tail"])
        return 0
    return 1  # the run failed: Bench said why


if __name__ == "__main__":
    sys.exit(main())
