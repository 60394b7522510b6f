"""Two `hallq serve` processes on one PostgreSQL database, with Redis carrying events between them."""
from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import socketio
from sqlalchemy import create_engine, func, select, text

from hallq.db import connect
from hallq.queue.models import Ticket
from hallq import protocol
from tests.helpers import always_open_hall, cli_env, recording_client, run_cli, stop, until, wait_for, wait_http
from tests.queue.tcp_proxy import TcpProxy
from tests.services import free_port

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Multi-process-pw1"  # the password policy: three classes
_names = itertools.count()


def hallq(*args, stdin=None) -> str:
    result = run_cli(*args, stdin=stdin)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


class Cluster:
    def __init__(self, db_url, kiosk, display, clerk_password):
        self.db_url, self.kiosk, self.display, self.password = db_url, kiosk, display, clerk_password
        self.procs: list[subprocess.Popen] = []
        self.urls: list[str] = []

    def api(self, index: int, token: str | None = None) -> requests.Session:
        s = requests.Session()
        if token:
            s.headers["Authorization"] = f"Bearer {token}"
        s.base = self.urls[index] + "/api/v1"
        return s

    def socket(self, index: int, token: str) -> socketio.Client:
        client = recording_client(reconnection=False)
        client.connect(self.urls[index], auth={"token": token}, transports=["websocket"], wait_timeout=30)
        return client


@pytest.fixture
def cluster(pg_server, redis_url, tmp_path):
    with running_cluster(pg_server, redis_url, tmp_path) as c:
        yield c


def serve_command(port: int, db_url: str, redis_url: str) -> tuple[list[str], dict]:
    return ([sys.executable, "-m", "hallq.cli", "serve", "--db", db_url, "--redis", redis_url,
             "--host", "127.0.0.1", "--port", str(port)], cli_env())


@contextmanager
def running_cluster(pg_server, redis_url, tmp_path, command=serve_command):
    """Two server processes, each started by `command(port, db_url, redis_url)` -> (argv, environment)."""
    admin = create_engine(pg_server.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    name = f"hallq_mp_{os.getpid()}_{next(_names)}"
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    db_url = pg_server.rsplit("/", 1)[0] + "/" + name
    procs = []
    try:
        assert "loaded" in hallq("load-hall", always_open_hall(tmp_path), "--db", db_url)
        urls = []
        for _ in range(2):
            port = free_port()
            argv, env = command(port, db_url, redis_url)
            proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
            procs.append(proc)
            urls.append(f"http://127.0.0.1:{port}")
        # The tokens and users are made while the servers start (each command is a process of its own, a
        # second or more, one after another they were most of this set-up); the servers read them only
        # when a test uses them.
        with ThreadPoolExecutor(4) as pool:
            kiosk = pool.submit(hallq, "token", "create", "--kind", "kiosk", "--name", "k1", "--db", db_url)
            display = pool.submit(hallq, "token", "create", "--kind", "display", "--name", "tv", "--db", db_url)
            users = [pool.submit(hallq, "user", "add", staff, "--role", "clerk", "--password-stdin", "--db", db_url,
                                 stdin=PASSWORD + "\n") for staff in ("S001", "S003")]
            c = Cluster(db_url, kiosk.result().strip(), display.result().strip(), PASSWORD)
            for user in users:
                user.result()
        c.urls.extend(urls)
        for proc, url in zip(procs, c.urls):
            assert wait_http(proc, url + "/api/v1/openapi.json").status_code == 200
        c.procs = procs
        yield c
    finally:
        if procs:
            stop(*procs)
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def _login(cluster, index, username):
    r = cluster.api(index).post(cluster.api(index).base + "/auth/login",
                                json={"username": username, "password": cluster.password}, timeout=30)
    assert r.status_code == 200, r.text
    return cluster.api(index, r.json()["token"])


@pytest.mark.real_clock
def test_a_call_through_one_process_reaches_screens_on_the_other(cluster):
    on_a = cluster.socket(0, cluster.display)
    on_b = cluster.socket(1, cluster.display)
    try:
        wait_for(on_a, "snapshot")
        wait_for(on_b, "snapshot")
        kiosk_b = cluster.api(1, cluster.kiosk)
        clerk_b = _login(cluster, 1, "S001")

        r = clerk_b.post(clerk_b.base + "/windows/1/sign-in", json={"post": "A"}, timeout=30)
        assert r.status_code == 200, r.text
        r = kiosk_b.post(kiosk_b.base + "/tickets", json={"service": "GA01"}, timeout=30)
        assert r.status_code == 201, r.text
        assert r.json()["number"] == "A001"
        r = clerk_b.post(clerk_b.base + "/windows/1/call-next", timeout=30)
        assert r.status_code == 200 and r.json()["number"] == "A001", r.text

        called = wait_for(on_a, "ticket.called")
        assert called["number"] == "A001" and called["window"] == 1 and called["service"] == "GA01" and called["at"]
        assert wait_for(on_a, "ticket.issued")["number"] == "A001"
        assert wait_for(on_a, "window.status", lambda d: d["window"] == 1)["status"] == "open"
        wait_for(on_b, "ticket.called", lambda d: d["number"] == "A001")

        # And the other way round: a clerk on process A, screens on both.
        kiosk_a = cluster.api(0, cluster.kiosk)
        clerk_a = _login(cluster, 0, "S003")
        assert clerk_a.post(clerk_a.base + "/windows/2/sign-in", json={"post": "A"}, timeout=30).status_code == 200
        assert kiosk_a.post(kiosk_a.base + "/tickets", json={"service": "GA02"}, timeout=30).json()["number"] == "A002"
        r = clerk_a.post(clerk_a.base + "/windows/2/call-next", timeout=30)
        assert r.status_code == 200 and r.json()["number"] == "A002"
        wait_for(on_b, "ticket.called", lambda d: d["number"] == "A002" and d["window"] == 2)
        wait_for(on_a, "ticket.called", lambda d: d["number"] == "A002" and d["window"] == 2)
        # Each screen heard each call once, not once per process.
        for client in (on_a, on_b):
            assert sorted(d["number"] for e, d in client.received if e == "ticket.called") == ["A001", "A002"]

        # A screen that connects later to either process sees both calls in its snapshot.
        late = cluster.socket(1, cluster.display)
        try:
            snap = wait_for(late, "snapshot")
            assert {(c["number"], c["window"]) for c in snap["recent_calls"]} >= {("A001", 1), ("A002", 2)}
        finally:
            late.disconnect()
    finally:
        on_a.disconnect()
        on_b.disconnect()


@pytest.mark.real_clock
def test_a_token_revoked_through_one_process_ends_at_once_on_the_other(cluster):
    """A stolen display: the admin revokes it on one process; the other forgets it and closes its screen at once
    (through Redis), not at its next sweep or when its token cache runs out."""
    hallq("user", "add", "boss", "--role", "admin", "--password-stdin", "--db", cluster.db_url,
          stdin=PASSWORD + "\n")
    on_b = cluster.socket(1, cluster.display)
    b = cluster.api(1, cluster.display)
    assert b.get(b.base + "/windows", timeout=30).status_code == 200  # process B holds the token in its cache
    try:
        admin = _login(cluster, 0, "boss")
        r = admin.post(admin.base + "/tokens/revoke", json={"kind": "display", "name": "tv"}, timeout=30)
        assert r.status_code == 200, r.text
        assert b.get(b.base + "/windows", timeout=30).status_code == 401
        deadline = time.monotonic() + 5  # a sweep would take up to 10 s
        while on_b.connected and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not on_b.connected
    finally:
        on_b.disconnect()


@pytest.mark.real_clock
def test_numbers_issued_through_both_processes_at_once_are_distinct_and_consecutive(cluster):
    display = cluster.socket(0, cluster.display)
    per_thread = 40
    results: list[list[str]] = [[], []]
    errors: list = []
    start = threading.Barrier(2)

    def kiosk(t: int):
        sessions = [cluster.api(0, cluster.kiosk), cluster.api(1, cluster.kiosk)]
        service = ("GA01", "GA02")[t]  # both prefix A: one counter, two items
        try:
            start.wait(10)
            for i in range(per_thread):
                s = sessions[(i + t) % 2]
                r = s.post(s.base + "/tickets", json={"service": service}, timeout=60)
                if r.status_code != 201:
                    errors.append((r.status_code, r.text))
                    continue
                results[t].append(r.json()["number"])
        except Exception as exc:  # reported below
            errors.append(repr(exc))

    try:
        wait_for(display, "snapshot")
        threads = [threading.Thread(target=kiosk, args=(t,)) for t in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(300)
        assert not any(th.is_alive() for th in threads)
        assert errors == []
        numbers = results[0] + results[1]
        assert len(numbers) == 2 * per_thread
        assert len(set(numbers)) == len(numbers), sorted(numbers)
        assert sorted(numbers) == [f"A{n:03d}" for n in range(1, 2 * per_thread + 1)]
        # Each kiosk saw its own numbers rise.
        for mine in results:
            assert mine == sorted(mine)

        db = connect(cluster.db_url)
        try:
            with db.read() as s:
                assert s.scalar(select(func.count(func.distinct(Ticket.number)))) == 2 * per_thread
                assert s.scalar(select(func.count()).select_from(Ticket)) == 2 * per_thread
        finally:
            db.dispose()

        # The display on process A heard every ticket, whichever process issued it.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            heard = {d["number"] for e, d in list(display.received) if e == "ticket.issued"}
            if len(heard) == 2 * per_thread:
                break
            time.sleep(0.05)
        assert heard == set(numbers)
        assert len([1 for e, _ in display.received if e == "ticket.issued"]) == 2 * per_thread
    finally:
        display.disconnect()


@pytest.mark.real_clock
def test_screens_on_both_processes_hear_the_news_in_the_order_it_happened(pg_server, redis_url, tmp_path):
    """One kiosk's tickets, through process A and B in turn: every screen hears them in the order issued,
    though half of them are its own process's news and half come through a Redis slow to deliver."""
    proxy = TcpProxy(int(redis_url.rsplit(":", 1)[1].split("/")[0]), reply_delay_s=0.03)
    try:
        with running_cluster(pg_server, f"redis://127.0.0.1:{proxy.port}/0", tmp_path) as cluster:
            _hear_in_order(cluster)
    finally:
        proxy.close()


def _hear_in_order(cluster):
    screens = [cluster.socket(0, cluster.display), cluster.socket(1, cluster.display)]
    kiosks = [cluster.api(0, cluster.kiosk), cluster.api(1, cluster.kiosk)]
    try:
        for screen in screens:
            wait_for(screen, "snapshot", timeout=20)  # through the slowed Redis too, on a busy machine
        numbers = []
        for i in range(30):
            kiosk = kiosks[i % 2]
            r = kiosk.post(kiosk.base + "/tickets", json={"service": "GA01"}, timeout=30)
            assert r.status_code == 201, r.text
            numbers.append(r.json()["number"])
        for screen in screens:
            wait_for(screen, "ticket.issued", lambda d: d["number"] == numbers[-1], timeout=20)
            assert [d["number"] for e, d in list(screen.received) if e == "ticket.issued"] == numbers
    finally:
        for screen in screens:
            screen.disconnect()


def test_several_workers_without_redis_is_refused_clearly(tmp_path):
    result = subprocess.run([sys.executable, "-m", "hallq.cli", "serve", "--workers", "2", "--port", str(free_port()),
                             "--db", f"sqlite:///{tmp_path}/x.db"], capture_output=True, text=True, timeout=60,
                            env=cli_env())
    assert result.returncode != 0
    assert "--redis" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.real_clock
def test_a_process_with_several_workers_serves_websocket_clients(cluster, redis_url, tmp_path):
    """--workers 2: polling is off, websocket clients on any worker hear what any worker does."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "hallq.cli", "serve", "--workers", "2", "--db", cluster.db_url,
                             "--redis", redis_url, "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=cli_env())
    url = f"http://127.0.0.1:{port}"
    clients = []
    try:
        assert wait_http(proc, url + "/api/v1/openapi.json").status_code == 200
        cluster.urls.append(url)
        polling = socketio.Client(reconnection=False)
        with pytest.raises(socketio.exceptions.ConnectionError):
            polling.connect(url, auth={"token": cluster.display}, transports=["polling"], wait_timeout=5)
        polling.disconnect()
        for _ in range(3):  # likely spread over both workers
            clients.append(cluster.socket(2, cluster.display))
        for client in clients:
            wait_for(client, "snapshot")
        kiosk = cluster.api(2, cluster.kiosk)
        numbers = []
        for _ in range(4):
            r = kiosk.post(kiosk.base + "/tickets", json={"service": "SJ01"}, timeout=30)
            assert r.status_code == 201, r.text
            numbers.append(r.json()["number"])
        assert numbers == ["B001", "B002", "B003", "B004"]
        for client in clients:
            wait_for(client, "ticket.issued", lambda d: d["number"] == "B004")
            assert [d["number"] for e, d in client.received if e == "ticket.issued"] == numbers
        # Prometheus scrapes whichever worker answers: each answer sums both workers' counts.
        monitor = hallq("token", "create", "--kind", "monitor", "--name", "prom", "--db", cluster.db_url).strip()
        for _ in range(6):
            text = requests.get(url + "/metrics", headers={"Authorization": f"Bearer {monitor}"}, timeout=30).text
            issued = [line for line in text.splitlines() if line.startswith('hallq_events_total{event="ticket.issued"}')]
            assert issued == ['hallq_events_total{event="ticket.issued"} 4.0'], issued
    finally:
        for client in clients:
            client.disconnect()
        stop(proc)


@pytest.mark.real_clock
def test_a_phone_on_one_process_follows_its_ticket_called_through_the_other(cluster):
    """The public /ticket namespace across processes: the process that committed tells the others (Redis)."""
    kiosk_a = cluster.api(0, cluster.kiosk)
    first = kiosk_a.post(kiosk_a.base + "/tickets", json={"service": "GA01"}, timeout=30).json()
    mine = kiosk_a.post(kiosk_a.base + "/tickets", json={"service": "GA01"}, timeout=30).json()
    page = socketio.Client(reconnection=False)
    heard = []
    page.on(protocol.TICKET_STATUS, heard.append, namespace=protocol.TICKET_NAMESPACE)
    page.connect(cluster.urls[1], auth={protocol.TICKET_AUTH: mine["token"]}, namespaces=[protocol.TICKET_NAMESPACE],
                 transports=["websocket"], wait_timeout=30)
    try:
        until(lambda: heard, 30, "the status on connect")
        assert heard[0]["ahead"] == 1
        clerk_a = _login(cluster, 0, "S001")
        assert clerk_a.post(clerk_a.base + "/windows/1/sign-in", json={"post": "A"}, timeout=30).status_code == 200
        assert clerk_a.post(clerk_a.base + "/windows/1/call-next", timeout=30).json()["number"] == first["number"]
        until(lambda: any(s["ahead"] == 0 and s["status"] == "waiting" for s in heard), 30, "moved up, heard on B")
        clerk_a.post(clerk_a.base + "/windows/1/finish", json={"outcome": "immediate"}, timeout=30)
        clerk_a.post(clerk_a.base + "/windows/1/call-next", timeout=30)
        called = until(lambda: [s for s in heard if s["status"] == "called"], 30, "called, heard on B")
        assert called[0]["calling_window"] == 1 and {s["number"] for s in heard} == {mine["number"]}
    finally:
        page.disconnect()


@pytest.mark.real_clock
def test_an_admins_led_address_saved_on_one_process_reaches_the_agent_on_the_other(cluster, tmp_path):
    """The Windows page on process A, the device agent connected to process B: `agent.windows` crosses
    through Redis, the agent asks again on its own connection, and the next call shows at the new address.
    The agent's heartbeat is far off, so only the push can have told it."""
    from hallq.devices.agent import Agent
    from hallq.devices.agent_config import AgentConfig
    from hallq.devices.led import codec_for
    from hallq.devices.led.simulator import ScreenBusSimulator
    hallq("user", "add", "admin", "--role", "admin", "--password-stdin", "--db", cluster.db_url, stdin=PASSWORD + "\n")
    token = hallq("token", "create", "--kind", "agent", "--name", "hall-agent", "--windows", "1",
                  "--db", cluster.db_url).strip()
    admin_a = _login(cluster, 0, "admin")
    assert admin_a.post(admin_a.base + "/admin/windows/1", json={"led": 11}, timeout=30).status_code == 200
    screens = ScreenBusSimulator(codec_for("line"), addresses=(11, 12), path=str(tmp_path / "ttyLED0"))
    config = AgentConfig.model_validate({"leds": [{"port": screens.url, "protocol": "line"}]})
    agent = Agent(cluster.urls[1], token, config, heartbeat_s=600).start()
    try:
        until(lambda: agent.leds.windows_on_screens().get(1) == (screens.url, 11), timeout=30,
              what="window 1 at 11, from process B's hello answer")
        r = admin_a.post(admin_a.base + "/admin/windows/1", json={"led": 12}, timeout=30)
        assert r.status_code == 200 and r.json()["led"] == 12, r.text
        until(lambda: agent.leds.windows_on_screens().get(1) == (screens.url, 12), timeout=30,
              what="the agent on process B drives window 1 at 12")
        clerk_a = _login(cluster, 0, "S001")
        assert clerk_a.post(clerk_a.base + "/windows/1/sign-in", json={"post": "A"}, timeout=30).status_code == 200
        kiosk_a = cluster.api(0, cluster.kiosk)
        assert kiosk_a.post(kiosk_a.base + "/tickets", json={"service": "GA01"}, timeout=30).status_code == 201
        assert clerk_a.post(clerk_a.base + "/windows/1/call-next", timeout=30).status_code == 200
        until(lambda: screens.displays()[12] and "A001" in "".join(screens.displays()[12]), timeout=30,
              what="the call, made on process A, at window 1's new address")
        assert not any(screens.displays()[11])
    finally:
        agent.close()
        screens.close()
