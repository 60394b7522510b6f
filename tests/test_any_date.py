"""No test may depend on the day it runs.

Most tests run the hall on a fixed clock (conftest.MONDAY_10AM). The ones marked
`real_clock` can see the real one: the `hallq` command and the demo hall run on
the wall clock, and so do the voice's unit tests. Here those run again, in a
pytest of their own, with the machine's clock moved by libfaketime (Debian's
`faketime` package) to days a fixed test day never meets:

- a Monday in 2027, a year the installed holiday calendar (chinese-calendar 1.11)
  does not know yet;
- the Spring Festival (春节) 2026, a weekday the hall is closed, and before the tests' Monday;
- 31 December in the hall's zone while UTC still says 30 December.

The three runs go last in the session, one after another: each is a whole pytest of
servers, pages and processes, and beside the suite they made both miss timeouts. How
libfaketime is used, and why (Debian 12: libfaketime 0.9.10; Python 3.11):

- libfaketimeMT is preloaded with one offset (FAKETIME="+seconds") for every
  process of a run. A start time ("@2027-03-15 09:30:00") would start the clock
  afresh in each new process: a `hallq serve` started a minute into the run would
  be a minute behind the tests talking to it. The `faketime` command does share
  one offset, but through a semaphore in shared memory that every clock read of
  every process takes.
- The monotonic clock is left alone (FAKETIME_DONT_FAKE_MONOTONIC=1): faked, a
  timed wait of a Python thread (Event.wait, Lock.acquire with a timeout) never
  returns.
- Left alone, though, Python's time.sleep fails at once with EINVAL: it sleeps in
  clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME), whose deadline this libfaketime
  shifts anyway (wolfcw/libfaketime#426). Each Python process of a run gets a
  time.sleep that waits in select() instead (a sitecustomize on its PYTHONPATH).
- Redis does not start under libfaketime ("unexpected recursive calls to
  clock_gettime()" as it starts), and Chromium takes a minute or more to open a
  page (its threads queue on libfaketime's lock): both run on the real clock.
  The pages take the hall's time from the server (they keep an offset to the
  `at` it sends), so the day they show is the server's. PostgreSQL runs on the
  fake day like everything else.

`test_the_clock_reads_the_day_it_was_given` runs inside each run and records what
the tests' process, a child process and PostgreSQL read; the run's test checks
that all of them read the day it was given.
"""
from __future__ import annotations

import datetime as dt
import glob
import json
import math
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHANGHAI = ZoneInfo("Asia/Shanghai")
FAKE_START = "HALLQ_FAKE_START"  # in a run under faketime: the moment its clock started at
FAKE_REPORT = "HALLQ_FAKE_REPORT"  # there: where the clock check writes what it read
RUN_LIMIT_S = 900  # when a run is stopped as hung

DAYS = {  # where each run's clock starts, in the hall's zone
    "monday-2027-03-15": dt.datetime(2027, 3, 15, 9, 30, tzinfo=SHANGHAI),
    "spring-festival-2026-02-17": dt.datetime(2026, 2, 17, 10, 0, tzinfo=SHANGHAI),  # 春节, a Tuesday
    "31-december-2030": dt.datetime(2030, 12, 31, 7, 30, tzinfo=SHANGHAI),  # 30 December 23:30 in UTC
}

SITECUSTOMIZE = '''\
"""Written by tests/test_any_date.py for its runs under libfaketime: time.sleep waits in
select(), since libfaketime 0.9.10 breaks Python 3.11's clock_nanosleep (EINVAL)."""
import select
import time


def sleep(seconds):
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    deadline = time.monotonic() + seconds
    select.select([], [], [], seconds)
    while (left := deadline - time.monotonic()) > 0:  # woken early
        select.select([], [], [], left)


time.sleep = sleep
'''


def libfaketime() -> str:
    found = glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1") + glob.glob("/usr/lib/faketime/libfaketimeMT.so.1")
    if not found:
        pytest.fail("libfaketime is not installed: apt-get install faketime (./dev test installs it)")
    return found[0]


def on_the_real_clock(bin_dir: Path, name: str, program: str) -> str:
    """A stand-in for `program` that runs it without libfaketime."""
    path = bin_dir / name
    path.write_text(f"#!/bin/sh\nexec env -u LD_PRELOAD -u FAKETIME {shlex.quote(program)} \"$@\"\n")
    path.chmod(0o755)
    return str(path)


class Run:
    """The real_clock tests in a pytest of their own, every process's clock reading `start` as it begins."""

    def __init__(self, start: dt.datetime, tmp: Path, targets: tuple[str, ...] = ("tests",)):
        """`targets`: pytest's arguments after its options (another selection, to look into one failure)."""
        from tests.browser import CHROMIUM

        self.start, self.tmp = start, tmp
        site, bin_dir = tmp / "site", tmp / "bin"
        site.mkdir()
        bin_dir.mkdir()
        (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
        env = dict(os.environ)
        env["PATH"] = str(bin_dir) + os.pathsep + env.get("PATH", "")
        redis = shutil.which("redis-server")
        if redis:
            on_the_real_clock(bin_dir, "redis-server", redis)
        env["HALLQ_CHROMIUM"] = on_the_real_clock(bin_dir, "chromium", CHROMIUM)
        env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
        env.update({"LD_PRELOAD": libfaketime(), "FAKETIME_DONT_FAKE_MONOTONIC": "1",
                    FAKE_START: start.isoformat(), FAKE_REPORT: str(tmp / "clock.json")})
        self.args = [sys.executable, "-m", "pytest", "-m", "real_clock", "-p", "no:cacheprovider", "-q",
                     f"--basetemp={tmp / 'run'}", f"--junitxml={tmp / 'run.xml'}", *targets]
        self.code: int | None = None
        self.took = 0.0
        self.began = time.monotonic()
        env["FAKETIME"] = f"{math.ceil(start.timestamp() - time.time()):+d}"
        with open(tmp / "out.txt", "w") as out:
            self.proc = subprocess.Popen(self.args, cwd=ROOT, env=env, stdout=out,
                                         stderr=subprocess.STDOUT,
                                         start_new_session=True)  # its servers can be stopped with it
        self._reaper = threading.Thread(target=self._reap, daemon=True)
        self._reaper.start()

    def _reap(self) -> None:
        self.code = self.proc.wait()
        self.took = time.monotonic() - self.began

    def wait(self) -> int | None:
        """The run's exit code; None when it was stopped for taking longer than RUN_LIMIT_S."""
        self._reaper.join(max(1.0, RUN_LIMIT_S - (time.monotonic() - self.began)))
        if self._reaper.is_alive():
            self.stop()
            return None
        return self.code

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def output(self) -> str:
        return f"{' '.join(self.args)}\n{(self.tmp / 'out.txt').read_text()[-20000:]}"

    def failures(self) -> str:
        """Each failed test of the run, named, with the start of its message."""
        try:
            suite = ET.parse(self.tmp / "run.xml").getroot()
        except (OSError, ET.ParseError):
            return "(no report: the run did not finish)"
        return "\n".join(f"{case.get('classname')}::{case.get('name')}: {part.tag}: {(part.get('message') or '')[:500]}"
                         for case in suite.iter("testcase") for part in case if part.tag in ("failure", "error"))


@pytest.fixture
def run_on(tmp_path_factory):
    """Starts the run of a day; stops whatever is left of it when its test ends."""
    if os.environ.get(FAKE_START):
        pytest.skip("already inside a run under faketime")
    started: list[Run] = []

    def start(day: str) -> Run:
        started.append(Run(DAYS[day], tmp_path_factory.mktemp(day)))
        return started[-1]

    yield start
    for run in started:
        run.stop()


def junit_id(nodeid: str) -> str:
    """A pytest node id as JUnit XML names it: tests/x.py::test_y[a] -> tests.x::test_y[a]."""
    path, *names = nodeid.split("::")
    return ".".join([path.removesuffix(".py").replace("/", "."), *names[:-1]]) + "::" + names[-1]


@pytest.mark.timeout(RUN_LIMIT_S + 120)
@pytest.mark.parametrize("day", DAYS)
def test_the_real_clock_tests_pass_on(day, run_on, request):
    """Run last, one day after another (conftest.pytest_collection_modifyitems)."""
    run = run_on(day)
    code = run.wait()
    if code != 0:
        pytest.fail(f"exit code {code} after {run.took or RUN_LIMIT_S:.0f} s\n{run.failures()}\n{run.output()}",
                    pytrace=False)
    suite = ET.parse(run.tmp / "run.xml").getroot().find("testsuite")
    counts = {k: int(suite.get(k)) for k in ("tests", "failures", "errors", "skipped")}
    passed = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
    assert counts["failures"] == counts["errors"] == 0 and passed > 0, (counts, run.output())
    ran = {f"{case.get('classname')}::{case.get('name')}":
           not any(part.tag in ("failure", "error", "skipped") for part in case) for case in suite.iter("testcase")}
    marked = {junit_id(item.nodeid) for item in request.session.items if item.get_closest_marker("real_clock")}
    assert marked <= set(ran), ("marked real_clock here, not run under faketime", sorted(marked - set(ran)))
    assert ran.get("tests.test_any_date::test_the_clock_reads_the_day_it_was_given"), \
        ("the clock check did not pass", run.output())
    read = json.loads((run.tmp / "clock.json").read_text())
    for who, moment in read.items():
        assert run.start <= dt.datetime.fromisoformat(moment) <= run.start + dt.timedelta(seconds=run.took + 1), \
            (who, moment, run.output())
    print(f"{run.start.isoformat()}: {passed} passed, {counts['skipped']} skipped in {run.took:.0f} s; "
          f"the clocks read {read}")


def test_the_days_are_the_ones_named():
    import chinese_calendar

    monday, festival, year_end = DAYS.values()
    assert monday.weekday() == 0
    assert festival.weekday() < 5 and chinese_calendar.get_holiday_detail(festival.date()) == (True, "Spring Festival")
    assert (year_end.month, year_end.day) == (12, 31)
    assert year_end.astimezone(dt.timezone.utc).date() == dt.date(year_end.year, 12, 30)


@pytest.mark.real_clock
def test_the_clock_reads_the_day_it_was_given(pg_server):
    """Inside a run under faketime: this process, a child process and PostgreSQL all read the fake day."""
    if not os.environ.get(FAKE_START):
        pytest.skip("only inside tests/test_any_date.py's runs under faketime")
    from sqlalchemy import create_engine, text

    start = dt.datetime.fromisoformat(os.environ[FAKE_START])
    read = {"tests": dt.datetime.now(dt.timezone.utc)}
    child = subprocess.run([sys.executable, "-c", "import time; print(time.time())"], capture_output=True, text=True,
                           check=True, timeout=60)
    read["child process"] = dt.datetime.fromtimestamp(float(child.stdout), dt.timezone.utc)
    engine = create_engine(pg_server.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            read["postgresql"] = conn.execute(text("SELECT now()")).scalar_one()
    finally:
        engine.dispose()
    Path(os.environ[FAKE_REPORT]).write_text(json.dumps({k: v.isoformat() for k, v in read.items()}))
    for who, moment in read.items():
        assert start <= moment < start + dt.timedelta(seconds=RUN_LIMIT_S), (who, moment)
