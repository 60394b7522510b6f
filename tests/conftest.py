"""Shared fixtures: real databases (SQLite and PostgreSQL), a controllable
clock, the test hall, and a real HTTP + Socket.IO server on 127.0.0.1."""
from __future__ import annotations

import atexit
import datetime as dt
import itertools
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
import socketio
from flask import Flask
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from hallq.queue import accounts
from hallq.server.app import create_app, stop_background
from hallq.db import Database, connect
from hallq.migrate import upgrade
from hallq.queue import hallfile, issuing, sessions
from hallq.queue.unit_of_work import UnitOfWork
from tests import services
from tests.helpers import recording_client

HALLS = Path(__file__).parent / "halls"
SHANGHAI = ZoneInfo("Asia/Shanghai")
PASSWORD = "Secret-pass-1"  # the password policy: three classes at least


def local(y, m, d, hh=10, mm=0, ss=0) -> dt.datetime:
    """A moment given in hall time (Asia/Shanghai), as aware UTC."""
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=SHANGHAI).astimezone(dt.timezone.utc)


class Clock:
    """The time the app sees; tests move it."""

    def __init__(self, start: dt.datetime):
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._lock:
            return self.now

    def advance(self, **delta) -> dt.datetime:
        with self._lock:
            self.now += dt.timedelta(**delta)
            return self.now

    def set(self, moment: dt.datetime) -> None:
        with self._lock:
            self.now = moment


# --- the runs under faketime ------------------------------------------------------

def pytest_collection_modifyitems(session, config, items):
    """tests/test_any_date.py's runs under faketime go last, one after another: each is a whole pytest of
    servers, pages and processes, and run beside the suite (or beside each other) on a two-core machine
    they made both miss their timeouts."""
    last = [item for item in items if getattr(item, "originalname", "") == "test_the_real_clock_tests_pass_on"]
    items[:] = [item for item in items if item not in last] + last


# --- the end of the run ------------------------------------------------------

def pytest_sessionfinish(session, exitstatus):
    session.config.stash[_EXIT] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """Once pytest has reported everything, the process ends with pytest's own verdict, skipping the
    interpreter's finalisation. The suite leaves daemon threads behind (in-process servers' housekeeping
    and senders, Socket.IO clients, the browser driver); finalisation ends such a thread where it stands,
    and one standing in native code aborted a run that had passed every test ("FATAL: exception not
    rethrown", exit -6, in a faketime run of 7 December)."""
    if _EXIT in config.stash:
        atexit._run_exitfuncs()  # what exit would run before finalisation (the template database's removal)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(config.stash[_EXIT])


_EXIT = pytest.StashKey[int]()


# --- databases ----------------------------------------------------------------

@pytest.fixture(scope="session")
def pg_server():
    with services.postgres() as url:
        yield url


@pytest.fixture(scope="session")
def redis_url():
    with services.redis() as url:
        yield url


_db_names = itertools.count()


@pytest.fixture(scope="session")
def pg_template(pg_server):
    """A migrated database each test copies (CREATE DATABASE .. TEMPLATE is fast)."""
    admin = create_engine(pg_server.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS hallq_template"))
        conn.execute(text("CREATE DATABASE hallq_template"))
    base = pg_server.rsplit("/", 1)[0]
    template = connect(f"{base}/hallq_template")
    upgrade(template)
    template.dispose()
    yield admin, base
    admin.dispose()


_sqlite_template: Path | None = None
_sqlite_template_lock = threading.Lock()


def migrated_sqlite(path: Path) -> Database:
    """A fresh, migrated SQLite database at `path`.

    The migrations run once per test run, into a template file; each database is a copy
    of it (as PostgreSQL's are, with CREATE DATABASE .. TEMPLATE). Running them for every
    test cost 0.1-0.3 s each, on some 450 tests.
    """
    shutil.copyfile(_migrated_template(), path)
    return connect(f"sqlite:///{path}")


def _migrated_template() -> Path:
    global _sqlite_template
    with _sqlite_template_lock:
        if _sqlite_template is None:
            root = Path(tempfile.mkdtemp(prefix="hallq-sqlite-template-"))
            atexit.register(shutil.rmtree, root, True)
            path = root / "hallq.db"
            database = connect(f"sqlite:///{path}")
            upgrade(database)
            database.dispose()
            # Its last connection closed, SQLite has checkpointed the WAL into the file and removed the
            # -wal and -shm files: the file alone is the whole database, and a copy of it is one too.
            leftover = [p.name for p in root.iterdir() if p != path]
            assert not leftover, f"the template database is not closed cleanly: {leftover}"
            _sqlite_template = path
        return _sqlite_template


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    """A fresh, migrated database of each kind."""
    if request.param == "sqlite":
        database = migrated_sqlite(tmp_path / "hallq.db")
        yield database
        database.dispose()
        return
    admin, base = request.getfixturevalue("pg_template")
    name = f"hallq_t{next(_db_names)}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE hallq_template"))
    database = connect(f"{base}/{name}")
    yield database
    database.dispose()
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))


@pytest.fixture
def sqlite_db(tmp_path):
    database = migrated_sqlite(tmp_path / "hallq.db")
    yield database
    database.dispose()


# --- the hall -----------------------------------------------------------------

@pytest.fixture(scope="session", autouse=True)
def _each_password_hashed_once():
    """Staff passwords are hashed with scrypt, made to be slow: 0.15-0.3 s to make a hash and as
    long to check one, for every user and every login of every test (clerk_api is both).

    Here a password's hash is made once per run and every (hash, password) pair is checked once;
    the answers are scrypt's own. Only users of the same password share a salt.
    """
    made: dict = {}
    checked: dict = {}
    make, check = accounts.generate_password_hash, accounts.check_password_hash

    def generate_password_hash(password: str, *args, **kwargs) -> str:
        key = (password, args, tuple(sorted(kwargs.items())))
        if key not in made:
            made[key] = make(password, *args, **kwargs)
        return made[key]

    def check_password_hash(pwhash: str, password: str) -> bool:
        if (pwhash, password) not in checked:
            checked[pwhash, password] = check(pwhash, password)
        return checked[pwhash, password]

    accounts.generate_password_hash, accounts.check_password_hash = generate_password_hash, check_password_hash
    yield
    accounts.generate_password_hash, accounts.check_password_hash = make, check


class Hall:
    """The test hall on one database, with helpers that act as its people."""

    def __init__(self, db, clock: Clock, spec_file: Path = HALLS / "small.toml", **overrides):
        self.db, self.clock = db, clock
        spec = hallfile.read(spec_file)
        for key, value in overrides.items():
            setattr(spec.hall, key, value)
        self.published: list = []
        with db.write() as s:
            self.hall = hallfile.load(s, spec, clock().astimezone(SHANGHAI).date())
            s.commit()
        self.id = self.hall.id

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.db.write, self.published.extend)

    def run(self, fn, *args, **kwargs):
        """Run an engine function in its own committed transaction."""
        with self.uow() as uow:
            result = fn(uow, *args, **kwargs)
            uow.commit()
            return result

    def device(self, kind="kiosk", name="k1", window=None, scope=None) -> accounts.Principal:
        """A device as the engine sees it; an agent hosts the windows of `scope` (an AgentScope)."""
        return accounts.Principal(self.id, kind, name, window_number=window, scope=scope)

    def user(self, username: str, role="clerk", staff=None) -> accounts.Principal:
        with self.db.write() as s:
            u = accounts.add_user(s, self.hall, username, PASSWORD, role, staff)
            s.commit()
            return accounts.Principal(self.id, role, username, user_id=u.id)

    def clerk(self, staff: str, window: int | None = None, post: str = "A") -> accounts.Principal:
        who = self.user(staff, "clerk")
        if window is not None:
            self.run(sessions.sign_in, who, window, post, self.clock())
        return who

    def issue(self, service: str, **kwargs):
        who = kwargs.pop("who", None) or self.device()
        return self.run(issuing.issue_ticket, who, issuing.IssueRequest(service, **kwargs), self.clock())

    def token(self, kind="kiosk", name="k1", window=None, scope=None) -> str:
        """A device token; an agent's hosts what `scope` (an AgentScope) allows, nothing without one."""
        with self.db.write() as s:
            value = accounts.create_device_token(s, self.hall, kind, name, self.clock(), window, scope)
            s.commit()
            return value

    def login(self, username: str) -> str:
        with self.db.write() as s:
            value = accounts.login(s, username, PASSWORD, self.clock())
            s.commit()
            return value


MONDAY_10AM = local(2026, 11, 23, 10, 0)


@pytest.fixture
def clock():
    return Clock(MONDAY_10AM)


@pytest.fixture
def hall(db, clock):
    return Hall(db, clock)


# --- a real server --------------------------------------------------------------

CLOSE_REPLY_WAIT_S = 0.1
# gunicorn's default listen backlog, which `hallq serve` keeps. Werkzeug's is 128: a hall's 200 screens
# connecting at once overflow it, and the connects it drops fail on the client's side.
LISTEN_BACKLOG = 2048


@pytest.fixture(scope="session", autouse=True)
def _websocket_close_without_the_wait():
    """A Socket.IO client (a test's, an agent's) waits at most 0.1 s for the server's close frame, not 3 s.

    python-engineio's client sends its CLOSE packet and then closes the websocket, which
    (websocket-client) waits up to 3 s to read the server's closing frame. The server answers
    at once, but the client's reader thread is reading the same socket and takes the frame,
    so close() nearly always waited out its 3 s: some 30 tests spent 3-15 s in their
    teardown. On loopback a reply comes in milliseconds; one later than 0.1 s finds the
    socket shut down, which the server takes as the same disconnect.
    """
    import websocket

    original = websocket.WebSocket.close

    def close(self, status=websocket.STATUS_NORMAL, reason=b"", timeout=3):
        return original(self, status, reason, timeout=CLOSE_REPLY_WAIT_S if timeout is None
                        else min(timeout, CLOSE_REPLY_WAIT_S))

    websocket.WebSocket.close = close
    yield
    websocket.WebSocket.close = original


class Server:
    def __init__(self, app):
        self.app = app
        self.clients: list[socketio.Client] = []
        self.http = make_server("127.0.0.1", 0, app, threaded=True)
        self.http.socket.listen(LISTEN_BACKLOG)  # listening already: Linux takes the new backlog
        self.url = f"http://127.0.0.1:{self.http.server_port}"
        # serve_forever looks for stop() every poll_interval: the default 0.5 s made each test's stop wait ~0.4 s.
        self.thread = threading.Thread(target=self.http.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def api(self, token: str | None = None, lang: str | None = None) -> "Api":
        return Api(self.url, token, lang)

    def socket(self, token: str, **kwargs) -> socketio.Client:
        """A connected Socket.IO client (websocket transport) that records what it receives."""
        client = recording_client(reconnection=kwargs.pop("reconnection", False), **kwargs)
        self.clients.append(client)
        client.connect(self.url, auth={"token": token}, transports=["websocket"], wait_timeout=10)
        return client

    def stop(self):
        # The clients this server made go with it: each held a server thread, its own reader and writer
        # and a ping timer for the rest of the run.
        for client in self.clients:
            if client.connected:
                client.disconnect()
        self.http.shutdown()
        if isinstance(self.app, Flask):
            stop_background(self.app)


class Api:
    """A requests session speaking to /api/v1 with a bearer token."""

    def __init__(self, base: str, token: str | None, lang: str | None):
        self.base = base + "/api/v1"
        self.http = requests.Session()
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"
        if lang:
            self.http.headers["Accept-Language"] = lang

    def get(self, path, **kw):
        return self.http.get(self.base + path, timeout=30, **kw)

    def post(self, path, json=None, **kw):
        return self.http.post(self.base + path, json=json if json is not None else {}, timeout=30, **kw)


@pytest.fixture
def server(hall, clock):
    srv = Server(create_app(hall.db, clock=clock))
    yield srv
    srv.stop()


from tests.browser import browser_page, chromium  # noqa: E402,F401  (fixtures)
