#!/usr/bin/env python
"""Printed-ticket benchmark: from the kiosk's request to the last byte at the printer.

    python bench/print_bench.py            # full run (a few minutes)
    python bench/print_bench.py --quick    # short run (under a minute)

A real `hallq serve` on loopback, and per kiosk a real device agent in a
process of its own (bench/agent_sim.py: `hallq.devices.agent.Agent` with a
`PrinterSimulator` on TCP), as a hall has it: each kiosk PC runs an agent
hosting its own printer, and the kiosk token's name is the printer's name.

Figures (see bench/README.md):
  a. 1 kiosk, closed loop: POST /api/v1/tickets {"print": true}, then wait
     until the ticket's last byte (the cut) arrived at the printer, then the
     next: latency median and p99, printed tickets/s;
  b. the same with --kiosks kiosks at once, each with its own printer;
  c. pipelined: the kiosks post back to back without waiting for the paper;
     printed tickets/s through the whole path (its capacity), and latency.

Failures are counted and shown: non-201 answers, jobs that never arrived or
arrived cut short, jobs the server recorded as failed, and sampled jobs whose
bytes do not decode (hallq.devices.escpos.decode) to the right ticket number
and QR target. Results go to bench/results/print.json.
"""
from __future__ import annotations

import base64
import concurrent.futures as cf
import sys
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent_sim import AgentProcess  # noqa: E402
from harness import (REQUEST_TIMEOUT, ROOT, SERVICE, Bench, BenchError, BenchOptions, CpuMeter, Load, cli,  # noqa: E402
                     Phase, Table, at_least, below, describe, fmt, fsync_ms, load_line, machine, measure_phase, ms,
                     pct, phase_speed_lines, report_end, run_facts, speed_line)
from hallq.devices.escpos.decode import decode  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "print.json"

AIM_RATE = 150.0  # printed tickets/s
AIM_P99_MS = 50.0

FULL = dict(c1=500, cn=2000, pipelined=2000)
QUICK = dict(c1=60, cn=120, pipelined=160)
PHASE_SECONDS = 240.0  # hard time bound of each phase
JOB_WAIT_S = 10.0  # a job not at the printer this long after its 201 is missing
DATA_EVERY = 10  # the agents send the bytes of every 10th job for decoding
# POST /tickets and hub._job_result. The agent reports a printer's status after a job only when
# the job changed it (paper near its end, say), and a heartbeat's re-report costs a write only
# every HEARTBEAT per device, not per ticket.
COMMITS_PER_TICKET = 2


class Printed:
    """The jobs each printer finished, as its agent reports them (in order)."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.jobs: dict[str, list[dict]] = {}

    def add(self, fields: dict) -> None:
        if fields.get("event") != "print":
            return
        with self.cond:
            jobs = self.jobs.setdefault(fields["printer"], [])
            if fields["job"] != len(jobs):  # the simulator numbers its jobs; a gap would break matching
                fields["gap"] = True
            jobs.append(fields)
            self.cond.notify_all()

    def count(self, printer: str) -> int:
        with self.cond:
            return len(self.jobs.get(printer, []))

    def wait(self, printer: str, count: int, timeout: float) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: len(self.jobs.get(printer, [])) >= count, timeout)

    def job(self, printer: str, index: int) -> dict | None:
        with self.cond:
            jobs = self.jobs.get(printer, [])
            return jobs[index] if index < len(jobs) else None


class Kiosk:
    """One kiosk (its token, named after its printer) and what it issued in a phase."""

    def __init__(self, name: str, token: str):
        self.name, self.token = name, token
        self.issued: list[dict] = []  # {"t0": wall, "number", "ticket_token", "job": printer's job index}


def run_phase(base: str, kiosks: list[Kiosk], printed: Printed, count: int, wait_for_paper: bool) -> dict:
    """Each kiosk posts printed tickets; closed loop waits for each ticket's last byte first."""
    phase = Phase()
    load = Load(count, PHASE_SECONDS)
    missing: list[str] = []
    for kiosk in kiosks:
        kiosk.issued = []

    def worker(kiosk: Kiosk) -> None:
        with requests.Session() as s:
            s.headers["Authorization"] = f"Bearer {kiosk.token}"
            s.get(base + "/api/v1/kiosk/state", timeout=REQUEST_TIMEOUT)  # open the keep-alive connection
            next_job = printed.count(kiosk.name)
            load.ready()
            while load.take():
                t0, p0 = time.time(), time.perf_counter()
                try:
                    r = s.post(base + "/api/v1/tickets", json={"service": SERVICE, "print": True},
                               timeout=REQUEST_TIMEOUT)
                except requests.RequestException as exc:
                    phase.record("exception", error=f"POST /api/v1/tickets: {exc!r}")
                    continue
                answered = time.perf_counter() - p0
                if r.status_code != 201:
                    phase.record(str(r.status_code), error=describe(r))
                    time.sleep(0.01)  # printer_not_ready: give the agent's report a moment
                    continue
                phase.record("201", answered)
                body = r.json()
                kiosk.issued.append({"t0": t0, "answered": t0 + answered, "number": body["number"],
                                     "ticket_token": body["token"], "job": next_job})
                next_job += 1
                if wait_for_paper and not printed.wait(kiosk.name, next_job, JOB_WAIT_S):
                    missing.append(f"{kiosk.name}: {body['number']} not at the printer within {JOB_WAIT_S:.0f} s")
                    return  # its jobs no longer match its requests: stop this kiosk

    load.run([lambda k=k: worker(k) for k in kiosks], grace_s=REQUEST_TIMEOUT + JOB_WAIT_S)
    began = load.began_wall
    posted = time.time()
    if not wait_for_paper:  # let the backlog reach the printers
        for kiosk in kiosks:
            if kiosk.issued and not printed.wait(kiosk.name, kiosk.issued[-1]["job"] + 1,
                                                 max(JOB_WAIT_S, load.deadline - time.monotonic())):
                have = printed.count(kiosk.name) - kiosk.issued[0]["job"]
                missing.append(f"{kiosk.name}: {len(kiosk.issued) - have} of {len(kiosk.issued)} jobs "
                               f"not at the printer in time")

    latencies: list[float] = []
    after_answer: list[float] = []  # last byte - 201 read: the agent and printer's share (negative: paper first)
    incomplete, gaps, last_at = 0, 0, began
    for kiosk in kiosks:
        for issued in kiosk.issued:
            job = printed.job(kiosk.name, issued["job"])
            if job is None:
                continue
            incomplete += not job["complete"]
            gaps += bool(job.get("gap"))
            latencies.append(job["at"] - issued["t0"])
            after_answer.append(job["at"] - issued["answered"])
            last_at = max(last_at, job["at"])
    elapsed = last_at - began
    done = len(latencies)
    return {
        "kiosks": len(kiosks), "tickets": count, "wait_for_paper": wait_for_paper, "issued": phase.statuses.get("201", 0),
        "printed": done, "statuses": phase.statuses, "errors": phase.errors, "missing": missing,
        "incomplete_jobs": incomplete, "numbering_gaps": gaps,
        "timed_out": load.timed_out, "elapsed_s": round(elapsed, 3), "posting_s": round(posted - began, 3),
        "rate_per_s": round(done / elapsed, 1) if elapsed > 0 and done else None,
        "median_ms": ms(pct(latencies, 50)), "p99_ms": ms(pct(latencies, 99)),
        "max_ms": ms(max(latencies) if latencies else None),
        "answer_median_ms": ms(pct(phase.latencies, 50)), "answer_p99_ms": ms(pct(phase.latencies, 99)),
        "last_byte_after_answer_median_ms": ms(pct(after_answer, 50)),
        "last_byte_after_answer_p99_ms": ms(pct(after_answer, 99)),
    }


def check_paper(printed: Printed, phases: list[tuple[str, list[tuple[str, list[dict]]]]]) -> dict:
    """Decode the sampled jobs: the paper must show the ticket's number (large) and its QR target."""
    checked, wrong = 0, []
    for label, issued_lists in phases:
        for kiosk_name, issued_list in issued_lists:
            for issued in issued_list:
                job = printed.job(kiosk_name, issued["job"])
                if job is None or "data" not in job:
                    continue
                checked += 1
                try:
                    paper = decode(base64.b64decode(job["data"]))
                    big = [line for line in paper.lines if line.text.strip() == issued["number"]]
                    qr_ok = any(q.data.endswith("/t/" + issued["ticket_token"]) for q in paper.qr_codes)
                    if not big or not qr_ok:
                        wrong.append(f"{label} {kiosk_name} job {issued['job']}: expected {issued['number']}, "
                                     f"number line {'found' if big else 'missing'}, QR {'ok' if qr_ok else 'wrong'}")
                    elif big[0].height < 2:
                        wrong.append(f"{label} {kiosk_name} {issued['number']}: number printed at normal size")
                except Exception as exc:  # a decoder error is a wrong ticket, not a crash of the benchmark
                    wrong.append(f"{label} {kiosk_name} job {issued['job']}: does not decode: {exc!r}")
    return {"checked": checked, "wrong": len(wrong), "examples": wrong[:5]}


# --- report ----------------------------------------------------------------------

def report(res: dict) -> str:
    c1, cn, pl = res["closed_1"], res["closed_n"], res["pipelined"]
    lines = ["", f"hallq printed-ticket benchmark ({'quick' if res['quick'] else 'full'} run, {res['when']})"]
    m = res["machine"]
    lines.append(f"machine: {m['cpus']} CPU(s), {m['platform']}, Python {m['python']}; server: hallq serve, "
                 f"gunicorn gthread, 1 worker, {res['server_threads']} threads, SQLite; "
                 f"{res['kiosks']} agent processes, each one printer simulator (TCP), 80 mm paper")
    lines.append("NOTE: server, agents, printer simulators and kiosk threads all share this machine's CPUs.")
    if m["fsync_ms"]:  # 0.00 on a RAM disk: no ceiling worth a line
        lines.append(f"disk: one fsync takes {m['fsync_ms']:.2f} ms here. A printed ticket costs the server "
                     f"{COMMITS_PER_TICKET} write transactions (the issue with its print job, the agent's answer "
                     f"settling the job), each synced (SQLite WAL, synchronous=FULL) and "
                     f"taken one at a time: at most {1000 / (COMMITS_PER_TICKET * m['fsync_ms']):.0f} printed "
                     f"tickets/s from the disk alone.")
    lines.append(speed_line(m))
    lines.append(load_line(m["loadavg_at_start"]))
    lines.append("")
    row = Table(lines, 50).row
    for label, part in ((f"1 kiosk, waits for paper ({c1['printed']})", c1),
                        (f"{cn['kiosks']} kiosks, wait for paper ({cn['printed']})", cn)):
        row(f"{label}: rate", fmt(part["rate_per_s"], "/s"))
        row("  request to last byte: median", fmt(part["median_ms"], " ms"))
        row("  request to last byte: p99", fmt(part["p99_ms"], " ms"), "< 50 ms", below(part["p99_ms"], AIM_P99_MS))
        row("  request to 201 answer: median / p99",
            f"{fmt(part['answer_median_ms'])}/{fmt(part['answer_p99_ms'])} ms")
        row("  last byte after the 201 answer: median / p99",
            f"{fmt(part['last_byte_after_answer_median_ms'])}/{fmt(part['last_byte_after_answer_p99_ms'])} ms")
    row(f"{pl['kiosks']} kiosks, pipelined ({pl['printed']}): printed rate", fmt(pl["rate_per_s"], "/s"),
        ">= 150/s", at_least(pl["rate_per_s"], AIM_RATE))
    row("  request to last byte: median (with backlog)", fmt(pl["median_ms"], " ms"))
    row("  request to last byte: p99 (with backlog)", fmt(pl["p99_ms"], " ms"))
    row("  kiosks' own posting rate", fmt(pl["issued"] / pl["posting_s"] if pl["posting_s"] else None, "/s"))
    lines.append("")
    lines.append("rate = printed tickets per second from the phase's first request to its last ticket's last byte. "
                 "Closed loop: a kiosk posts its next ticket when the previous one is out of the printer. "
                 "Pipelined: kiosks post back to back and jobs queue at the agents; its rate is the path's "
                 "capacity, its latency mostly time in that queue (so the p99 aim is judged on the closed loops). "
                 "'Last byte after the 201 answer' is the share of the agent and the printer: the server sends the "
                 "job before it answers the kiosk, so it can be negative (the paper is out before the kiosk has read "
                 "its answer).")
    pc = res["paper_check"]
    lines.append(f"paper check: {pc['checked']} sampled tickets decoded from their bytes, {pc['wrong']} wrong; "
                 f"server-recorded print failures: {res['print_failures']}.")
    lines.append("CPU time used (server process group / agent processes, which also run the printer simulators / "
                 "this load generator):")
    for name, part in (("1 kiosk", c1), (f"{cn['kiosks']} kiosks", cn), ("pipelined", pl)):
        per = (f", server {part['server_cpu_s'] / part['printed'] * 1000:.1f} ms + agent "
               f"{part['agent_cpu_s'] / part['printed'] * 1000:.1f} ms CPU per printed ticket"
               if part["printed"] and part.get("server_cpu_s") is not None and part.get("agent_cpu_s") is not None
               else "")
        lines.append(f"  {name:<12} server {fmt(part.get('server_cpu_s'), ' s')}, agents "
                     f"{fmt(part.get('agent_cpu_s'), ' s')}, load generator {fmt(part.get('loadgen_cpu_s'), ' s')}"
                     f"{per}")
    lines += phase_speed_lines((name, part.get("speed")) for name, part in
                               (("1 kiosk", c1), (f"{cn['kiosks']} kiosks", cn), ("pipelined", pl)))
    problems = []
    for name, part in (("1 kiosk", c1), ("n kiosks", cn), ("pipelined", pl)):
        bad = {k: v for k, v in part["statuses"].items() if k != "201"}
        if bad or part["errors"] or part["missing"] or part["incomplete_jobs"] or part["numbering_gaps"] \
                or part["timed_out"]:
            problems.append(f"  {name}: statuses {part['statuses']} missing {part['missing'][:3]} incomplete "
                            f"{part['incomplete_jobs']} gaps {part['numbering_gaps']} timed_out {part['timed_out']} "
                            f"errors {part['errors']}")
    if pc["wrong"]:
        problems.append(f"  paper: {pc['examples']}")
    if res["print_failures"]:
        problems.append(f"  server print failures: {res['print_failure_examples']}")
    return report_end(lines, problems, RESULTS)


# --- main ------------------------------------------------------------------------

def main() -> int:
    ap = BenchOptions(__doc__, threads=64)
    ap.add_argument("--kiosks", type=int, default=4, help="concurrent kiosks, each its own printer and agent (default 4)")
    args = ap.parse_args()
    sizes = QUICK if args.quick else FULL
    if args.kiosks < 1:
        ap.error("--kiosks must be at least 1")

    bench = Bench("hallq-print-bench-", args.threads, args.keep)
    server = bench.server
    printed = Printed()
    agents: list[AgentProcess] = []
    res = run_facts(
        args.quick, sizes, kiosks=args.kiosks, server_threads=args.threads,
        machine=machine("server, agents, simulators and load generator share the CPUs",
                        fsync_ms=round(fsync_ms(bench.tmp), 2)),
        aims={"printed_rate_per_s": AIM_RATE, "request_to_last_byte_p99_ms": AIM_P99_MS},
        clocks="request t0 and the simulator's Job.finished_at are both time.time() (CLOCK_REALTIME, system-wide)")
    set_up = time.monotonic()
    with bench:
        bench.load_hall()
        names = [f"kiosk-{i}" for i in range(1, args.kiosks + 1)]
        with cf.ThreadPoolExecutor(max_workers=4) as pool:  # each is a Python start-up: overlap them
            kiosk_tokens = list(pool.map(lambda n: bench.token("kiosk", n), names))
            agent_tokens = list(pool.map(lambda n: cli(["token", "create", "--kind", "agent", "--name", f"agent-{n}",
                                                        "--printers", n, "--db", bench.db_url]), names))
        kiosks = [Kiosk(n, t) for n, t in zip(names, kiosk_tokens)]

        server.start()
        base = server.base
        print(f"server up at {base} (data in {bench.tmp}); starting {len(names)} agents", flush=True)
        # --token=T: a token may begin with "-", which argparse would take for an option
        agents = [AgentProcess(f"agent-{n}", ["--server", base, f"--token={t}", "--printer", n, "--paper", "80",
                                              "--job-data-every", str(DATA_EVERY)], bench.tmp, printed.add)
                  for n, t in zip(names, agent_tokens)]

        def stop_agents() -> None:  # in parallel: each waits up to 10 s for its process to close
            with cf.ThreadPoolExecutor(max_workers=len(agents)) as pool:
                list(pool.map(lambda a: a.stop(), agents))

        bench.on_exit(stop_agents)
        with cf.ThreadPoolExecutor(max_workers=len(agents)) as pool:
            list(pool.map(lambda a: a.start(), agents))
        # The kiosk issues printed tickets only once its agent said the printer is ready.
        for kiosk in kiosks:
            end = time.monotonic() + 30
            while True:
                state = requests.get(base + "/api/v1/kiosk/state", headers={"Authorization": f"Bearer {kiosk.token}"},
                                     timeout=REQUEST_TIMEOUT).json()["printer"]["state"]
                if state == "ok":
                    break
                if time.monotonic() > end:
                    raise BenchError(f"printer {kiosk.name} not reported ready (state {state})")
                time.sleep(0.1)
        # one unmeasured ticket per kiosk: first-use costs (layout imports, connections)
        run_phase(base, kiosks, printed, len(kiosks), wait_for_paper=True)
        res["setup_s"] = round(time.monotonic() - set_up, 1)
        print(f"set up in {res['setup_s']} s", flush=True)

        issued_by_phase = []

        def measured(key: str, label: str, chosen: list[Kiosk], count: int, wait: bool) -> None:
            print(label + " ...", flush=True)
            res[key] = measure_phase(CpuMeter(server, agents), lambda: run_phase(base, chosen, printed, count, wait))
            issued_by_phase.append((key, [(k.name, list(k.issued)) for k in chosen]))

        measured("closed_1", f"1 kiosk: {sizes['c1']} printed tickets, each waiting for its paper",
                 kiosks[:1], sizes["c1"], True)
        measured("closed_n", f"{len(kiosks)} kiosks: {sizes['cn']} printed tickets, each waiting for its paper",
                 kiosks, sizes["cn"], True)
        measured("pipelined", f"{len(kiosks)} kiosks: {sizes['pipelined']} printed tickets back to back",
                 kiosks, sizes["pipelined"], False)

        res["paper_check"] = check_paper(printed, issued_by_phase)
        time.sleep(0.5)  # the last answers settle their jobs
        r = requests.get(base + "/api/v1/print-failures", headers={"Authorization": f"Bearer {kiosks[0].token}"},
                         timeout=REQUEST_TIMEOUT)
        failures = r.json() if r.status_code == 200 else []
        res["print_failures"] = len(failures) if r.status_code == 200 else f"GET /print-failures: {r.status_code}"
        res["print_failure_examples"] = [{k: f.get(k) for k in ("number", "printer", "reason")} for f in failures[:5]]

        for agent in agents:
            if not agent.alive():
                raise BenchError(f"agent {agent.name} died during the run:\n{agent.stderr_tail()}")
        bench.save(RESULTS, res, report)
        return 0
    return 1  # the run failed: Bench said why


if __name__ == "__main__":
    sys.exit(main())
