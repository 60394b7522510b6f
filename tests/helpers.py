"""Helpers the test modules share: clerks over HTTP, waiting for events and conditions, the CLI."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def clerk_api(hall, server, staff: str, window: int | None = None, post: str = "A"):
    """A clerk's API session, signed in at `window` over HTTP when one is given."""
    hall.user(staff, "clerk")
    api = server.api(hall.login(staff))
    if window is not None:
        r = api.post(f"/windows/{window}/sign-in", {"post": post})
        assert r.status_code == 200, r.text
    return api


def issue(kiosk, service="GA01", **body):
    r = kiosk.post("/tickets", {"service": service, **body})
    assert r.status_code == 201, r.text
    return r.json()


def recording_client(**kwargs):
    """A socketio.Client that records what it receives, in the order it arrived.

    python-engineio's client hands each message to a thread of its own (run_async), so on a busy
    machine two events can be recorded in the other order than the server sent them: a test
    comparing orders would judge the client's threads, not the server. Messages are handed on
    here as they are read, one after the other."""
    import socketio

    client = socketio.Client(**kwargs)
    client.received = []
    client.on("*", lambda event, data: client.received.append((event, data)))
    trigger = client.eio._trigger_event

    def in_order(event, *args, **options):
        if event == "message":
            options["run_async"] = False
        return trigger(event, *args, **options)

    client.eio._trigger_event = in_order
    return client


def wait_http(proc: subprocess.Popen, url: str, timeout: float = 60):
    """GET url once the server process answers it (or fails if the process dies), polling up to timeout s.

    A server's port accepts connections before it can answer (gunicorn binds before its worker has
    imported the app, seconds on a loaded machine): an unanswered request is "not yet", like a refused one.
    """
    import requests

    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}")
        try:
            return requests.get(url, timeout=5)
        except (requests.ConnectionError, requests.Timeout):
            if time.monotonic() > deadline:
                raise AssertionError(f"{url} did not answer within {timeout}s") from None
            time.sleep(0.2)


def wait_for(client, name: str, where=lambda data: True, timeout: float = 5.0):
    """The first `name` event the client received that matches, waiting up to timeout."""
    deadline = time.monotonic() + timeout
    while True:
        for event, data in list(client.received):
            if event == name and where(data):
                return data
        if time.monotonic() > deadline:
            raise AssertionError(f"no {name} matching within {timeout}s; received {[e for e, _ in client.received]}")
        time.sleep(0.02)


def until(check, timeout: float = 15.0, what: str = "condition", every: float = 0.02):
    """Polls check() until it answers something true, and returns that; fails after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s")
        time.sleep(every)


@contextmanager
def demo_server(tmp_path):
    """The demo hall (hallq.demo.hall) served on 127.0.0.1 from a fresh SQLite file under tmp_path."""
    from hallq.demo.hall import create_demo_app, prepare
    from tests.conftest import Server, migrated_sqlite

    database = migrated_sqlite(tmp_path / "demo.db")
    srv = Server(create_demo_app(database, prepare(database)))
    try:
        yield srv
    finally:
        srv.stop()
        database.dispose()


# Where the `hallq` processes the tests start keep their compiled bytecode when the environment says
# not to write it next to the sources (PYTHONDONTWRITEBYTECODE): without it each process compiled every
# hallq module again, some 0.3 s of CPU, on about a hundred processes a run.
PYCACHE = Path(tempfile.gettempdir()) / f"hallq-tests-pycache-{os.getuid()}"


def always_open_hall(tmp_path) -> Path:
    """small.toml, open around the clock (the servers use the wall clock), without quotas."""
    spec = (ROOT / "tests" / "halls" / "small.toml").read_text(encoding="utf-8")
    spec = spec.replace("closing_buffer_minutes = 30", "closing_buffer_minutes = 0")
    spec = spec.replace("[hall.hours]\n", "[hall.hours]\nalways_open = true\n")
    spec = re.sub(r"^daily_quota = 5\n", "", spec, flags=re.M)
    assert "always_open = true" in spec and "daily_quota" not in spec and "closing_buffer_minutes = 0" in spec
    path = tmp_path / "hall.toml"
    path.write_text(spec, encoding="utf-8")
    return path


def cli_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("HALLQ_DB", None)
    env.pop("HALLQ_REDIS", None)
    if env.get("PYTHONDONTWRITEBYTECODE") and not env.get("PYTHONPYCACHEPREFIX"):
        del env["PYTHONDONTWRITEBYTECODE"]
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def run_cli(*args, stdin: str | None = None, cwd=None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hallq.cli", *map(str, args)], input=stdin, capture_output=True,
                          text=True, encoding="utf-8", timeout=timeout, cwd=cwd, env=cli_env())


def stop(proc: subprocess.Popen, *more: subprocess.Popen) -> str:
    """Ends the processes a test started; returns what `proc` wrote to stderr.

    They get SIGINT, a person's Ctrl-C: gunicorn then stops its workers at once (1.3 s), where SIGTERM's
    graceful stop took 1.3-3.4 s (its worker looks again only every second, twice). All are told at once,
    then each is waited for.
    """
    procs = [proc, *more]
    for each in procs:
        if each.poll() is None:
            each.send_signal(signal.SIGINT)
    for each in procs:
        try:
            each.wait(20)
        except subprocess.TimeoutExpired:
            each.kill()
            each.wait(10)
    return proc.stderr.read() if proc.stderr else ""
