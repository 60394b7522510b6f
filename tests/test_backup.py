"""Backups (issue 20): `hallq backup` while the hall is busy, `hallq restore` onto a fresh database, and the
drill's promise: everything committed before the backup began is in what was restored, on SQLite and PostgreSQL.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import create_engine, select, text

from hallq import backup as backups
from hallq.db import connect
from hallq.queue.models import Ticket
from tests.helpers import always_open_hall, cli_env, run_cli, stop, until, wait_http
from tests.services import free_port

UTC = dt.timezone.utc
SHANGHAI = ZoneInfo("Asia/Shanghai")  # small.toml's zone: a record's day is the hall's
PASSWORD = "Backup-drill-pw1"


def ok(*args, stdin=None) -> str:
    done = run_cli(*map(str, args), stdin=stdin)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request, tmp_path):
    """A function making URLs of new, empty databases of one backend."""
    if request.param == "sqlite":
        names = iter(range(100))
        yield lambda: f"sqlite:///{tmp_path}/hall-{next(names)}.db"
        return
    pg_server = request.getfixturevalue("pg_server")
    admin = create_engine(pg_server.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    made = []

    def new() -> str:
        name = f"hallq_backup_{os.getpid()}_{len(made)}"
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {name}"))
        made.append(name)
        return pg_server.rsplit("/", 1)[0] + "/" + name

    yield new
    with admin.connect() as conn:
        for name in made:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


class Hall:
    """A running `hallq serve` over one database, and the people and devices of a busy morning."""

    def __init__(self, url: str, tmp_path):
        self.url = url
        assert "loaded" in ok("load-hall", always_open_hall(tmp_path), "--db", url)
        port = free_port()
        self.base = f"http://127.0.0.1:{port}/api/v1"
        self.proc = subprocess.Popen([sys.executable, "-m", "hallq.cli", "serve", "--db", url, "--host", "127.0.0.1",
                                      "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True, env=cli_env())
        # Each command is a process of a second or more: made together, while the server starts.
        with ThreadPoolExecutor(4) as pool:
            kiosk = pool.submit(ok, "token", "create", "--kind", "kiosk", "--name", "k1", "--db", url)
            pad = pool.submit(ok, "token", "create", "--kind", "evaluator", "--name", "pad1", "--window", 1, "--db", url)
            users = [pool.submit(ok, "user", "add", user, "--role", role, "--password-stdin", "--db", url,
                                 stdin=PASSWORD + "\n") for user, role in (("S001", "clerk"), ("boss", "supervisor"))]
            self.kiosk, self.pad = kiosk.result().strip(), pad.result().strip()
            for user in users:
                user.result()
        assert wait_http(self.proc, self.base + "/openapi.json").status_code == 200

    def session(self, token: str | None = None, *, user: str | None = None) -> requests.Session:
        s = requests.Session()
        if user:
            r = s.post(self.base + "/auth/login", json={"username": user, "password": PASSWORD}, timeout=30)
            assert r.status_code == 200, r.text
            token = r.json()["token"]
        s.headers["Authorization"] = f"Bearer {token}"
        return s


class Busy:
    """Kiosk, clerk, pad and supervisor at work until stopped; what each got a 2xx for, with when it came."""

    def __init__(self, hall: Hall):
        self.hall = hall
        self.tickets: list[tuple[float, int]] = []
        self.ratings: list[tuple[float, int]] = []
        self.records: list[tuple[float, int]] = []
        self.errors: list[str] = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._guard(f), daemon=True)
                        for f in (self._kiosk, self._window, self._supervisor)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(60)

    def _guard(self, work):
        def run():
            try:
                work()
            except Exception as exc:  # shown by the test, which asserts there were none
                self.errors.append(f"{work.__name__}: {exc!r}")
        return run

    def _kiosk(self):
        kiosk = self.hall.session(self.hall.kiosk)
        while not self.stopping.is_set():
            r = kiosk.post(self.hall.base + "/tickets", json={"service": "GA01"}, timeout=30)
            assert r.status_code == 201, r.text
            self.tickets.append((time.monotonic(), r.json()["id"]))

    def _window(self):
        clerk, pad = self.hall.session(user="S001"), self.hall.session(self.hall.pad)
        r = clerk.post(self.hall.base + "/windows/1/sign-in", json={"post": "A"}, timeout=30)
        assert r.status_code == 200, r.text
        while not self.stopping.is_set():
            called = clerk.post(self.hall.base + "/windows/1/call-next", timeout=30)
            if called.status_code != 200:  # nobody waiting yet
                time.sleep(0.05)
                continue
            ticket = called.json()["id"]
            r = clerk.post(self.hall.base + "/windows/1/finish", json={"outcome": "immediate"}, timeout=30)
            assert r.status_code == 200, r.text
            r = pad.post(self.hall.base + "/ratings", json={"ticket": ticket, "level": 5, "channel": "pad"}, timeout=30)
            assert r.status_code in (201, 429), r.text  # a pad rates at most 6 a minute
            if r.status_code == 201:
                self.ratings.append((time.monotonic(), r.json()["id"]))

    def _supervisor(self):
        boss = self.hall.session(user="boss")
        while not self.stopping.is_set():
            r = boss.post(self.hall.base + "/assessment/records", timeout=30, json={
                "kind": "praise_letter", "item": "praise", "window": 1, "evidence": "锦旗一面",
                "occurred_on": dt.datetime.now(SHANGHAI).date().isoformat(), "points": 1})
            assert r.status_code == 201, r.text
            self.records.append((time.monotonic(), r.json()["id"]))
            time.sleep(0.2)

    def before(self, moment: float) -> dict[str, set[int]]:
        return {name: {i for at, i in getattr(self, name) if at < moment} for name in ("tickets", "ratings", "records")}


def ids(url: str) -> dict[str, set[int]]:
    db = connect(url)
    try:
        with db.engine.connect() as conn:
            return {"tickets": set(conn.scalars(select(Ticket.id))),
                    "ratings": set(conn.scalars(text("SELECT id FROM ratings"))),
                    "records": set(conn.scalars(text("SELECT id FROM assessment_records")))}
    finally:
        db.dispose()


@pytest.mark.real_clock
def test_a_backup_taken_during_load_restores_everything_committed_before_it(fresh_url, tmp_path):
    hall = Hall(fresh_url(), tmp_path)
    shelf = tmp_path / "backups"
    try:
        with Busy(hall) as busy:
            until(lambda: len(busy.tickets) >= 10 and busy.ratings and busy.records or busy.errors,
                  timeout=120, what="a busy hall")
            began = time.monotonic()
            made = run_cli("backup", "--db", hall.url, "--to", str(shelf), "--keep-days", "30")
            ended = time.monotonic()
            until(lambda: sum(at > ended for at, _ in busy.tickets) >= 5 or busy.errors,
                  timeout=60, what="tickets issued after the backup")
            during = sum(began < at < ended for at, _ in busy.tickets)
        assert not busy.errors, busy.errors
        assert made.returncode == 0, made.stderr
        committed = busy.before(began)
        assert during, "no ticket was issued while the backup ran: not a backup under load"
    finally:
        stop(hall.proc)
    [path] = [p for p in shelf.glob("hallq-*") if p.suffix in backups.SUFFIXES.values()]
    assert f"backed up to {path}" in made.stdout
    manifest = json.loads(path.with_name(path.name + ".json").read_text())
    assert manifest["counts"]["tickets"] >= len(committed["tickets"]) and manifest["revision"]
    assert not list(shelf.glob(".*partial"))

    # A fresh machine: an empty database, the backup file, `hallq restore`.
    target = fresh_url()
    restored = run_cli("restore", str(path), "--db", target)
    assert restored.returncode == 0, restored.stderr
    assert f"restored {path.name}: tickets " in restored.stdout
    found = ids(target)
    for name in committed:
        assert committed[name] and committed[name] <= found[name], (name, sorted(committed[name] - found[name]))
    assert len(found["tickets"]) >= manifest["counts"]["tickets"]

    # The restored hall serves: the last ticket committed before the backup is there to look up.
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "hallq.cli", "serve", "--db", target, "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=cli_env())
    try:
        base = f"http://127.0.0.1:{port}/api/v1"
        assert wait_http(proc, base + "/openapi.json").status_code == 200
        last = max(committed["tickets"])
        r = requests.get(f"{base}/tickets/{last}", headers={"Authorization": f"Bearer {hall.kiosk}"}, timeout=30)
        assert r.status_code == 200 and r.json()["id"] == last, r.text
    finally:
        stop(proc)

    # Restoring over a hall needs --replace; with it, the target is the backup again.
    again = run_cli("restore", str(path), "--db", target)
    assert again.returncode != 0 and "--replace" in again.stderr
    assert run_cli("restore", str(path), "--db", target, "--replace").returncode == 0
    assert ids(target)["tickets"] == found["tickets"]


def test_a_damaged_or_foreign_file_is_refused_and_the_target_left_alone(tmp_path):
    db_url = f"sqlite:///{tmp_path}/hall.db"
    ok("load-hall", always_open_hall(tmp_path), "--db", db_url)
    made = backups.make(db_url, tmp_path / "shelf", dt.datetime(2027, 3, 15, 1, 30, tzinfo=UTC))
    assert made.path.name == "hallq-20270315T013000Z.sqlite3" and made.counts["tickets"] == 0
    with open(made.path, "r+b") as f:  # one byte flipped in the middle
        f.seek(made.path.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0xFF]))
    target = tmp_path / "restored.db"
    r = run_cli("restore", str(made.path), "--db", f"sqlite:///{target}")
    assert r.returncode != 0 and "damaged" in r.stderr and not target.exists()
    stray = tmp_path / "hallq-notes.sqlite3"
    stray.write_bytes(b"not a backup")
    r = run_cli("restore", str(stray), "--db", f"sqlite:///{target}")
    assert r.returncode != 0 and "no manifest" in r.stderr and not target.exists()
    with pytest.raises(backups.BackupError, match="cannot be restored into postgresql"):
        backups.restore(made, "postgresql://nobody@127.0.0.1:1/none")


def test_old_backups_are_pruned_but_never_the_newest(tmp_path):
    now = dt.datetime(2030, 12, 31, 2, 0, tzinfo=UTC)
    shelf = tmp_path / "shelf"
    shelf.mkdir()

    def made(days_ago: float) -> str:
        name = f"hallq-{(now - dt.timedelta(days=days_ago)).strftime(backups.STAMP)}.sqlite3"
        (shelf / name).write_bytes(b"x")
        (shelf / (name + ".json")).write_text("{}")
        return name

    old, edge, recent = made(31), made(29.9), made(1)
    unrelated = shelf / "hallq-notes.sqlite3"
    unrelated.write_bytes(b"kept")
    gone = backups.prune(shelf, 30, now)
    assert [p.name for p in gone] == [old]
    assert sorted(p.name for p in shelf.iterdir()) == sorted(
        [edge, edge + ".json", recent, recent + ".json", unrelated.name])
    # Long after: everything is older than the limit, and the newest stays all the same.
    later = backups.prune(shelf, 30, now + dt.timedelta(days=400))
    assert [p.name for p in later] == [edge]
    assert (shelf / recent).exists() and (shelf / (recent + ".json")).exists()
